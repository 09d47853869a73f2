"""Copying a portfolio to a new period: the plan keeps its ISO weeks and weekdays, the period its days and
months, the titles and «Når» get the new years, and the programme leader is told what to check."""

from datetime import date

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from accounts.models import AuditEvent
from accounts.tests.factories import AdviserFactory, ProgrammeLeaderFactory
from portfolios.models import Portfolio
from portfolios.services import portfolio_copy, portfolio_copy_suggestions
from portfolios.tests.factories import FoundationSectionFactory, PlanItemFactory, PortfolioFactory

pytestmark = pytest.mark.django_db


def week(year, number, weekday=1):
    """The day `weekday` (1 = Monday) of ISO week `number` of `year`."""
    return date.fromisocalendar(year, number, weekday)


def portfolio_7():
    """Veiledningsordningen's Portefølje 7 as seed_demo makes it from Portefølje 4 (2023–24, the seeds'
    000_70f452b7c0dcaadb.txt), with some of its plan's rows and the rows of Fremtidens kulturskole's plan
    (002_9f8cec277fb594e3.txt) whose «Når» names days, moved to the same years."""
    source = PortfolioFactory(
        number=7,
        name="Portefølje 7, 2026–27",
        document_title="Grunnlagsdokument – Veiledning i kulturskoleutvikling 2026–2027",
        plan_title="Plan for gjennomføring – Norsk kulturskoleråds veiledningsordning portefølje 7, 2026–27",
        agreement_start=date(2026, 1, 1),
        agreement_end=date(2027, 6, 20),
        advisers=[AdviserFactory()],
    )
    rows = [
        ("Oppstartssamtale", "meeting", "Desember 2025", {"week_from": week(2025, 49), "week_to": week(2025, 50)}),
        (
            "Kick-off webinar",
            "gathering",
            "Januar 2026 (23.01)",
            {"starts_on": week(2026, 4, 5), "ends_on": week(2026, 4, 5), "week_from": week(2026, 4)},
        ),
        ("Mellomperiode 1", "period", "", {}),
        ("Veiledningsmøte 5", "meeting", "September 2026", {"week_from": week(2026, 36), "week_to": week(2026, 37)}),
        ("Dialogkonferanse 2", "gathering", "Januar 2027", {"week_from": week(2027, 4)}),
        ("Ev. oppfølgingsmøte", "meeting", "Mai", {"week_from": week(2027, 20), "week_to": week(2027, 23)}),
        (
            "Fellessamling 1",
            "gathering",
            "September 26: 22.-23.09",
            {"starts_on": date(2026, 9, 22), "ends_on": date(2026, 9, 23), "week_from": week(2026, 39)},
        ),
        (
            "Inspirasjonssamling",
            "gathering",
            "13. mars kl. 09:00–14:00",
            {"starts_on": date(2026, 3, 13), "ends_on": date(2026, 3, 13), "week_from": week(2026, 11)},
        ),
        ("Veiledningsbesøk 4", "meeting", "Juni eller august 26", {}),
        (
            "Delingsarena",
            "gathering",
            "Januar 2028",
            {"week_from": week(2028, 2), "week_to": week(2028, 4), "weeks_text": "2–3 eller 4"},
        ),
    ]
    for order, (title, kind, when, fields) in enumerate(rows):
        PlanItemFactory(
            portfolio=source,
            order=order,
            title=title,
            kind=kind,
            when_text=when,
            **({"week_from": None, "week_to": None} | fields),
        )
    FoundationSectionFactory(portfolio=source, heading="Avtaleperiode", text="Avtalen gjelder for {avtaleperiode}.")
    FoundationSectionFactory(
        portfolio=source, heading="Organisering", text="Veiledningen går over tre semester. Se {plan} for møtene."
    )
    FoundationSectionFactory(
        portfolio=source,
        heading="Bakgrunn",
        text="Hovedstyrets vedtak i sak 2021.15. Søknadsfristen er 15. oktober 2025.",
    )
    return source


def _copy(source, years=1):
    return portfolio_copy(portfolio=source, **portfolio_copy_suggestions(portfolio=source, years=years), copied_by=None)


def test_the_suggestions_move_the_period_by_its_days_and_months_and_the_titles_by_their_years():
    source = portfolio_7()

    suggestions = portfolio_copy_suggestions(portfolio=source, years=1)

    assert suggestions == {
        "years": 1,
        "name": "Portefølje 8, 2027–28",
        "number": 8,
        "agreement_start": date(2027, 1, 1),
        "agreement_end": date(2028, 6, 20),
        "document_title": "Grunnlagsdokument – Veiledning i kulturskoleutvikling 2027–2028",
        "plan_title": "Plan for gjennomføring – Norsk kulturskoleråds veiledningsordning portefølje 8, 2027–28",
    }


def test_copying_keeps_every_rows_iso_weeks_and_weekdays_and_moves_its_when():
    source = portfolio_7()

    result = _copy(source)

    copy = result.portfolio
    assert (copy.number, copy.name, copy.period_display) == (8, "Portefølje 8, 2027–28", "01.01.2027–20.06.2028")
    assert copy.status == Portfolio.Status.PLANNED
    assert list(copy.advisers.all()) == list(source.advisers.all())
    for old, new in zip(source.plan_items.all(), copy.plan_items.all(), strict=True):
        assert (new.title, new.weeks, new.weeks_display) == (old.title, old.weeks, old.weeks_display)
        for field in ("starts_on", "ends_on", "week_from", "week_to"):
            old_day, new_day = getattr(old, field), getattr(new, field)
            if old_day is None:
                assert new_day is None
            else:
                assert new_day.isocalendar()[1:] == old_day.isocalendar()[1:], (old.title, field)
                assert new_day.isocalendar().year == old_day.isocalendar().year + 1
    when = dict(copy.plan_items.values_list("title", "when_text"))
    assert when == {
        "Oppstartssamtale": "Desember 2026",
        "Kick-off webinar": "Januar 2027 (29.01)",
        "Mellomperiode 1": "",
        "Veiledningsmøte 5": "September 2027",  # week 36 of 2027 begins 6 September; never «August»
        "Dialogkonferanse 2": "Januar 2028",
        "Ev. oppfølgingsmøte": "Mai",
        "Fellessamling 1": "September 27: 28.-29.09",  # Tuesday and Wednesday of week 39
        "Inspirasjonssamling": "19. mars kl. 09:00–14:00",  # Friday of week 11
        "Veiledningsbesøk 4": "Juni eller august 27",
        "Delingsarena": "Januar 2029",
    }
    assert copy.plan_items.get(title="Delingsarena").weeks_display == "2–3 eller 4"
    # The sections keep their text; the ones naming years or dates are for the leader to check.
    assert [s.text for s in copy.sections.all()] == [s.text for s in source.sections.all()]
    assert result.to_check == [
        "Grunnlagsdokumentet, «Bakgrunn»: nevner 2021, 15. oktober, 2025. "
        "Det er ikke flyttet; endre det som gjelder den nye perioden."
    ]
    assert AuditEvent.objects.filter(action="portfolio.copied", object_id=str(copy.pk)).exists()


def test_across_a_year_with_week_53_week_4_stays_week_4():
    # Portefølje 4's Dialogkonferanse 2 (uke 4, 2024) three years on crosses 2026, which has a week 53: by
    # 52-week steps it landed in week 3.
    source = PortfolioFactory(number=4, name="Portefølje 4, 2023–24")
    PlanItemFactory(
        portfolio=source, title="Dialogkonferanse 2", when_text="Januar 2024", week_from=week(2024, 4), week_to=None
    )

    copy = _copy(source, years=3).portfolio

    dialogue = copy.plan_items.get()
    assert (dialogue.week_from, dialogue.weeks, dialogue.when_text) == (week(2027, 4), [4], "Januar 2027")
    assert copy.name == "Portefølje 5, 2026–27"


def test_the_leader_is_told_what_could_not_be_moved_with_certainty():
    source = PortfolioFactory(number=None, name="Regionale program 2026–2027")
    # Week 53 of 2026 has no counterpart in 2027.
    PlanItemFactory(
        portfolio=source, title="Juleavslutning", when_text="Desember 2026", week_from=week(2026, 53), week_to=None
    )
    # A Monday in week 36, 1 September 2025, is 31 August in 2026.
    PlanItemFactory(
        portfolio=source,
        title="Fellessamling 5",
        when_text="September 25: 01.09",
        starts_on=date(2025, 9, 1),
        week_from=None,
        week_to=None,
    )
    # A day in «Når» that is not the row's own date.
    PlanItemFactory(
        portfolio=source,
        title="Koordinatorsamling 3",
        when_text="Januar 26: 22.01",
        week_from=week(2026, 4),
        week_to=None,
    )

    result = portfolio_copy(
        portfolio=source,
        **(portfolio_copy_suggestions(portfolio=source, years=1) | {"name": "Regionale program 2026–2028"}),
        copied_by=None,
    )

    assert result.to_check == [
        "Planen, «Juleavslutning»: uke 53 finnes ikke i 2027; raden er lagt i uke 52 (27.12.2027).",
        "Planen, «Fellessamling 5»: «Når» sier september, men raden ligger nå 31.08.2026.",
        "Planen, «Koordinatorsamling 3»: «Når» («Januar 27: 22.01») nevner 22.01, som ikke er radens egne datoer "
        "og derfor ikke er flyttet.",
        "Navnet «Regionale program 2026–2028» nevner fortsatt 2026.",
    ]
    assert result.portfolio.plan_items.get(title="Fellessamling 5").when_text == "September 26: 31.08"


def _copy_action(client, source, button="apply", **fields):
    """Posts the admin's «Kopier til ny periode» action for `source`; `fields` fill in its form."""
    data = {"action": "copy_to_new_period", "_selected_action": [source.pk]}
    if fields:
        data.update({button: "1"}, **fields)
    return client.post(reverse("admin:portfolios_portfolio_changelist"), data)


def _fields(**overrides):
    return {
        "years": "1",
        "name": "Portefølje 8, 2027–28",
        "number": "8",
        "agreement_start": "2027-01-01",
        "agreement_end": "2028-06-20",
        "document_title": "Grunnlagsdokument – Veiledning i kulturskoleutvikling 2027–2028",
        "plan_title": "Plan for gjennomføring – portefølje 8, 2027–28",
    } | overrides


def test_the_admin_action_asks_for_the_new_period_with_suggestions_the_leader_can_change(client):
    client.force_login(ProgrammeLeaderFactory())
    source = portfolio_7()

    page = _copy_action(client, source).content.decode()
    assert "Kopier «Portefølje 7, 2026–27» til ny periode" in page
    assert 'value="Portefølje 8, 2027–28"' in page
    assert 'value="2027-01-01"' in page and 'value="2028-06-20"' in page
    assert "portefølje 8, 2027–28" in page

    # «Oppdater forslagene» for two years on.
    page = _copy_action(client, source, button="suggest", **_fields(years="2")).content.decode()
    assert 'value="Portefølje 8, 2028–29"' in page and 'value="2028-01-01"' in page

    # Errors keep what was typed.
    page = _copy_action(client, source, **_fields(name="Ny portefølje", agreement_end="2026-06-20")).content.decode()
    assert "Avtaleperioden kan ikke slutte før den begynner." in page
    assert 'value="Ny portefølje"' in page
    page = _copy_action(client, source, **_fields(name=source.name, years="x")).content.decode()
    assert "Programmet har allerede en portefølje med dette navnet." in page
    assert "Oppgi et heltall" in page
    page = _copy_action(client, source, button="suggest", **_fields(years="x")).content.decode()
    assert "Oppgi et heltall" in page
    assert Portfolio.objects.count() == 1

    done = _copy_action(client, source, **_fields())

    copy = Portfolio.objects.get(name="Portefølje 8, 2027–28")
    assert done.status_code == 302
    assert done["Location"] == reverse("admin:portfolios_portfolio_change", args=[copy.pk])
    assert (copy.period_display, copy.plan_title) == (
        "01.01.2027–20.06.2028",
        "Plan for gjennomføring – portefølje 8, 2027–28",
    )
    assert copy.plan_items.count() == source.plan_items.count()
    messages = [str(m) for m in get_messages(done.wsgi_request)]
    assert messages[0].startswith("«Portefølje 8, 2027–28» er opprettet (01.01.2027–20.06.2028) med 10 rader")
    assert messages[1] == "Kontroller dette før porteføljen tas i bruk:"
    assert messages[2].startswith("Grunnlagsdokumentet, «Bakgrunn»: nevner 2021, 15. oktober, 2025.")
