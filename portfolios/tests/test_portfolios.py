from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.template import Context, Template
from django.urls import reverse

from accounts.models import AuditEvent
from accounts.tests.factories import AdviserFactory, ProgrammeLeaderFactory
from portfolios.models import Portfolio
from portfolios.services import portfolio_copy
from portfolios.tests.factories import FoundationSectionFactory, PlanItemFactory, PortfolioFactory

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


def test_copying_a_portfolio_moves_every_date_and_keeps_weeks_weekdays_and_text():
    adviser = AdviserFactory()
    source = PortfolioFactory(agreement_start=date(2023, 1, 1), agreement_end=date(2024, 6, 20), advisers=[adviser])
    FoundationSectionFactory(portfolio=source, heading="Avtaleperiode", text="Avtalen gjelder for {avtaleperiode}.")
    PlanItemFactory(
        portfolio=source,
        title="Kick-off webinar",
        when_text="Januar 2023 (27.01)",
        starts_on=date(2023, 1, 27),
        ends_on=date(2023, 1, 27),
        week_from=date(2023, 1, 23),
        week_to=None,
    )
    PlanItemFactory(
        portfolio=source, title="Mellomperiode 1", kind="period", week_from=None, week_to=None, when_text=""
    )

    copy = portfolio_copy(portfolio=source, name="Portefølje 5, 2024–25", number=5, shift_weeks=52, copied_by=None)

    assert (copy.agreement_start, copy.agreement_end) == (date(2023, 12, 31), date(2025, 6, 19))
    assert copy.status == Portfolio.Status.PLANNED
    assert list(copy.advisers.all()) == [adviser]
    assert [s.text for s in copy.sections.all()] == ["Avtalen gjelder for {avtaleperiode}."]
    webinar, period = copy.plan_items.all()
    assert webinar.starts_on == date(2024, 1, 26)
    assert webinar.starts_on.weekday() == date(2023, 1, 27).weekday()
    assert webinar.weeks == [4]
    assert webinar.when_text == "Januar 2024"
    assert (period.title, period.week_from) == ("Mellomperiode 1", None)
    assert source.plan_items.count() == 2
    assert AuditEvent.objects.filter(action="portfolio.copied", object_id=str(copy.pk)).exists()


def _copy_action(client, source, **fields):
    """Posts the admin's «Kopier til ny periode» action for `source`; `fields` fill in its form."""
    data = {"action": "copy_to_new_period", "_selected_action": [source.pk]}
    if fields:
        data.update(apply="1", **fields)
    return client.post(reverse("admin:portfolios_portfolio_changelist"), data)


def test_the_programme_leader_copies_a_portfolio_through_the_admin_action(client):
    client.force_login(ProgrammeLeaderFactory())
    source = PortfolioFactory(name="Portefølje 4, 2023–24")
    PlanItemFactory(portfolio=source)
    form = _copy_action(client, source)
    assert "Kopier «Portefølje 4, 2023–24» til ny periode" in form.content.decode()

    invalid = _copy_action(client, source, name="Ny", shift_weeks="x")
    assert "Oppgi et heltall" in invalid.content.decode()
    assert 'value="Ny"' in invalid.content.decode()

    done = _copy_action(client, source, name="Portefølje 5, 2024–25", number="5", shift_weeks="52")
    copy = Portfolio.objects.get(name="Portefølje 5, 2024–25")
    assert done.status_code == 302
    assert done["Location"] == reverse("admin:portfolios_portfolio_change", args=[copy.pk])
    assert copy.plan_items.count() == 1


def test_foundation_text_becomes_paragraphs_and_lists_with_the_portfolios_period_and_no_html_injection():
    portfolio = PortfolioFactory(agreement_start=date(2026, 1, 1), agreement_end=date(2027, 6, 20))
    text = "Avtalen gjelder for perioden {avtaleperiode}.\n\n- sette mål\n- prøve ut <tiltak>\n\nSiste avsnitt."
    html = Template("{% load foundation %}{{ text|paragraphs:portfolio.period_display }}").render(
        Context({"text": text, "portfolio": portfolio})
    )
    assert "<p>Avtalen gjelder for perioden 01.01.2026–20.06.2027.</p>" in html
    assert "<ul><li>sette mål</li><li>prøve ut &lt;tiltak&gt;</li></ul>" in html
    assert "<p>Siste avsnitt.</p>" in html
