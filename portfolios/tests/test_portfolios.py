from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.template import Context, Template

from portfolios.tests.factories import PlanItemFactory, PortfolioFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("week_from", "week_to", "expected"),
    [
        (date(2026, 2, 4), None, "6"),
        (date(2026, 2, 2), date(2026, 2, 13), "6/7"),
        (date(2025, 9, 29), date(2025, 10, 31), "40–44"),
        (date(2025, 12, 1), date(2025, 12, 8), "49/50"),
        (None, None, ""),
    ],
)
def test_plan_rows_show_iso_weeks_as_the_documents_write_them(week_from, week_to, expected):
    assert PlanItemFactory.build(week_from=week_from, week_to=week_to).weeks_display == expected


def test_a_plan_row_keeps_the_plans_own_wording_of_its_weeks():
    # Fremtidens kulturskole's Delingsarena: «Januar 2026 2-3 eller 4» (002_9f8cec277fb594e3.txt).
    item = PlanItemFactory.build(week_from=date(2026, 1, 5), week_to=date(2026, 1, 19), weeks_text="2–3 eller 4")
    assert item.weeks == [2, 3, 4]
    assert item.weeks_display == "2–3 eller 4"


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"starts_on": date(2024, 9, 24), "ends_on": date(2024, 9, 25)}, (date(2024, 9, 24), date(2024, 9, 25))),
        ({"week_from": date(2024, 10, 2), "week_to": date(2024, 10, 30)}, (date(2024, 9, 30), date(2024, 11, 3))),
        ({"when_text": "Juni eller august 25"}, (date(2025, 6, 1), date(2025, 8, 31))),
        ({"when_text": "November/desember 25"}, (date(2025, 11, 1), date(2025, 12, 31))),
        ({"when_text": "Februar 2024"}, (date(2024, 2, 1), date(2024, 2, 29))),
        ({"when_text": "Mai"}, None),  # no year: it cannot be placed
        ({"when_text": ""}, None),
    ],
)
def test_a_plan_row_lies_in_time_by_its_dates_its_weeks_or_the_months_it_names(fields, expected):
    item = PlanItemFactory.build(**({"week_from": None, "week_to": None, "when_text": ""} | fields))
    assert item.span == expected


def test_a_plan_row_refuses_weeks_or_dates_in_the_wrong_order():
    item = PlanItemFactory(week_from=date(2026, 3, 2), week_to=date(2026, 2, 2))
    with pytest.raises(ValidationError) as error:
        item.full_clean()
    assert "Siste uke kan ikke være før første uke." in error.value.message_dict["week_to"]


def test_a_portfolio_cannot_end_before_it_starts():
    portfolio = PortfolioFactory.build(agreement_start=date(2026, 1, 1), agreement_end=date(2025, 1, 1))
    with pytest.raises(ValidationError) as error:
        portfolio.clean()
    assert "Avtaleperioden kan ikke slutte før den begynner." in error.value.message_dict["agreement_end"]


def test_foundation_text_becomes_paragraphs_and_lists_with_the_portfolios_period_and_no_html_injection():
    portfolio = PortfolioFactory(agreement_start=date(2026, 1, 1), agreement_end=date(2027, 6, 20))
    text = "Avtalen gjelder for perioden {avtaleperiode}.\n\n- sette mål\n- prøve ut <tiltak>\n\nSiste avsnitt."
    html = Template("{% load foundation %}{{ text|paragraphs:portfolio.period_display }}").render(
        Context({"text": text, "portfolio": portfolio})
    )
    assert "<p>Avtalen gjelder for perioden 01.01.2026–20.06.2027.</p>" in html
    assert "<ul><li>sette mål</li><li>prøve ut &lt;tiltak&gt;</li></ul>" in html
    assert "<p>Siste avsnitt.</p>" in html
