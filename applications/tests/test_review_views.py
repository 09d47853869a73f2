"""The review's pages through the test client: the list's filters, sorting, counts and query budget; an
application's page; the decision in its two steps, with the letter shown before it goes."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import AdviserFactory, ProgrammeLeaderFactory
from core.limits import LONG_TEXT
from core.models import Email
from municipalities.models import Municipality, MunicipalityGroup, Role
from municipalities.tests.factories import MunicipalityGroupFactory, municipality
from portfolios.tests.factories import FremtidensProgrammeFactory, PortfolioFactory

from ..models import Application, Contact, CriterionCheck, ReviewNote
from .factories import (
    ApplicationFactory,
    CallFactory,
    ContactFactory,
    CriterionFactory,
    SubmittedApplicationFactory,
    complete_veiledning_contacts,
)

pytestmark = pytest.mark.django_db

LIST = reverse("application_review:list")


@pytest.fixture
def leader(client):
    user = ProgrammeLeaderFactory()
    client.force_login(user)
    return user


def _names(response):
    return [row.name for row in response.context["rows"]]


def test_the_list_filters_by_call_programme_county_and_status_and_counts_each_status(client, leader):
    call = CallFactory()
    fremtidens = CallFactory(portfolio=PortfolioFactory(programme=FremtidensProgrammeFactory()))
    SubmittedApplicationFactory(call=call, municipalities=[municipality("1804")])  # Bodø, Nordland
    SubmittedApplicationFactory(call=call, municipalities=[municipality("5612")], status=Application.Status.IN_REVIEW)
    ApplicationFactory(call=call, municipalities=[municipality("3405")])  # a draft, Lillehammer
    SubmittedApplicationFactory(call=fremtidens, municipalities=[municipality("5006")])  # Steinkjer
    ApplicationFactory(
        call=call, status=Application.Status.UNCONFIRMED, confirmed_at=None, municipalities=[municipality("1841")]
    )

    response = client.get(LIST, {"call": ""})  # «Alle utlysninger»
    # Neither the unconfirmed one nor the draft was sent in, so neither is listed; names sort by municipality.
    assert _names(response) == ["Bodø", "Guovdageaidnu", "Steinkjer"]
    assert response.context["total"] == 3
    assert "Lillehammer" not in response.content.decode()

    assert _names(client.get(LIST, {"call": call.pk})) == ["Bodø", "Guovdageaidnu"]
    programme = fremtidens.portfolio.programme
    assert _names(client.get(LIST, {"programme": programme.pk})) == ["Steinkjer"]
    county = municipality("5612").county
    assert _names(client.get(LIST, {"call": "", "county": county.pk})) == ["Guovdageaidnu"]
    filtered = client.get(LIST, {"call": "", "status": "submitted"})
    assert _names(filtered) == ["Bodø", "Steinkjer"]
    # The counts per status are those of the other filters, so the leader sees what the status hides.
    assert {v: n for v, _label, n in filtered.context["status_counts"]} == {
        "submitted": 2,
        "in_review": 1,
    }


def test_the_list_sorts_by_any_column_and_keeps_the_filter_in_the_headers(client, leader):
    call = CallFactory()
    SubmittedApplicationFactory(call=call, municipalities=[municipality("1804")])
    SubmittedApplicationFactory(call=call, municipalities=[municipality("5612")])
    response = client.get(LIST, {"sort": "-kommune", "call": call.pk})
    assert _names(response) == ["Guovdageaidnu", "Bodø"]
    header = response.context["headers"][0]
    assert header["aria_sort"] == "descending"
    assert f"call={call.pk}" in header["url"] and "sort=kommune" in header["url"]


def test_the_list_shows_the_newest_call_unless_another_or_all_are_chosen(client, leader):
    old = CallFactory(title="Fjorårets utlysning", opens_at=timezone.now() - timedelta(days=400))
    SubmittedApplicationFactory(call=old, municipalities=[municipality("1804")])  # Bodø
    new = CallFactory(title="Årets utlysning")
    SubmittedApplicationFactory(call=new, municipalities=[municipality("5612")])

    response = client.get(LIST)

    assert _names(response) == ["Guovdageaidnu"]
    assert response.context["form"]["call"].value() == str(new.pk)  # shown chosen in the filter
    assert _names(client.get(LIST, {"call": old.pk})) == ["Bodø"]
    assert _names(client.get(LIST, {"call": ""})) == ["Bodø", "Guovdageaidnu"]


def test_the_list_comes_a_page_at_a_time_sorted_across_pages_keeping_the_filter(client, leader, monkeypatch):
    monkeypatch.setattr("applications.review_selectors.PAGE_SIZE", 2)
    call = CallFactory()
    for number in ["1804", "5612", "3405", "1841", "5006"]:  # Bodø, Guovdageaidnu, Lillehammer, Fauske, Steinkjer
        SubmittedApplicationFactory(call=call, municipalities=[municipality(number)])

    first = client.get(LIST, {"call": call.pk})
    last = client.get(LIST, {"call": call.pk, "side": "3"})

    assert _names(first) == ["Bodø", "Fauske"]
    assert _names(client.get(LIST, {"call": call.pk, "side": "2"})) == ["Guovdageaidnu", "Lillehammer"]
    assert _names(last) == ["Steinkjer"]
    page = first.content.decode()
    assert "5 søknader passer filteret (side 1 av 3)" in page
    assert f'href="?call={call.pk}&amp;side=2">Neste side' in page
    assert 'aria-label="Sider i søknadslisten"' in page
    # Sorted in the database, so the order holds across pages the other way round too.
    assert _names(client.get(LIST, {"call": call.pk, "sort": "-kommune"})) == ["Steinkjer", "Lillehammer"]


def test_the_list_flags_municipalities_that_are_not_members(client, leader):
    SubmittedApplicationFactory(municipalities=[municipality("1804"), municipality("1841")])
    Municipality.objects.filter(number="1841").update(is_member=False)
    Municipality.objects.filter(number="1804").update(is_member=True)
    page = client.get(LIST).content.decode()
    assert "Ikke medlem: Fauske" in page


def _many(call, count, start=0):
    numbers = ["1804", "1841", "1840", "5612", "3405", "5006", "5041", "1833", "1837", "1836", "1834", "5501"]
    criteria = list(call.criteria.all())
    for number in numbers[start : start + count]:
        application = SubmittedApplicationFactory(call=call, municipalities=[municipality(number)])
        complete_veiledning_contacts(application)
        for criterion in criteria:
            CriterionCheck.objects.create(application=application, criterion=criterion, met=True)
        ReviewNote.objects.create(application=application, text="Notat")


def test_the_list_runs_the_same_queries_for_2_and_12_applications(client, leader, django_assert_num_queries):
    call = CallFactory()
    CriterionFactory(call=call)
    _many(call, 2)
    county = municipality("1804").county
    # session, user, second-factor device, staff roles, the chosen call and county (to validate them), the
    # counts per status, the number of rows (for the pages), the page's applications with their counts,
    # their municipalities with counties, and the filter's calls, programmes and counties to render the
    # lists (13).
    with django_assert_num_queries(13):
        response = client.get(LIST, {"call": call.pk, "county": county.pk, "sort": "-kriterier"})
    small = len(response.context["rows"])
    _many(call, 10, start=2)
    with django_assert_num_queries(13):
        response = client.get(LIST, {"call": call.pk, "county": county.pk, "sort": "-kriterier"})
    assert len(response.context["rows"]) > small


def test_an_application_page_runs_the_same_queries_however_much_it_holds(client, leader, django_assert_num_queries):
    call = CallFactory()
    application = SubmittedApplicationFactory(call=call)
    complete_veiledning_contacts(application)
    CriterionFactory(call=call)
    url = reverse("application_review:detail", args=[application.pk])
    client.get(url)  # the content types and the like, cached once per process
    # session, user, second-factor device, staff roles, the application with its call, portfolio, programme,
    # decision maker and group, and its prefetches: municipalities, contacts, answers, criteria, checks,
    # notes, shares; the share form's advisers (14).
    with django_assert_num_queries(14):
        client.get(url)
    for n in range(3):
        CriterionFactory(call=call)
        ContactFactory(application=application, municipality=municipality("1804"))
        ReviewNote.objects.create(application=application, author=leader, text=f"Notat {n}")
        application.shares.create(adviser=AdviserFactory(), shared_by=leader)
    with django_assert_num_queries(14):
        client.get(url)


def test_an_application_page_shows_the_answers_contacts_and_the_non_member_flag(client, leader):
    portfolio = PortfolioFactory(programme=FremtidensProgrammeFactory())
    application = SubmittedApplicationFactory(
        call=CallFactory(portfolio=portfolio),
        municipalities=[municipality("5041")],
        mapping="Vi har kartlagt helsestasjonen, skolene og frivilligheten.",
        county_development_area="Kulturskolen som del av oppvekstmiljøet",
    )
    Municipality.objects.filter(number="5041").update(is_member=False)
    ContactFactory(application=application, name="Ellen Bientie", role=Role.COORDINATOR, municipality=None)
    page = client.get(reverse("application_review:detail", args=[application.pk])).content.decode()
    assert "Snåase (Snåsa) (5041), Trøndelag" in page
    assert "ikke medlem av Norsk kulturskoleråd" in page
    assert "Vi har kartlagt helsestasjonen" in page
    assert "Kulturskolen som del av oppvekstmiljøet" in page
    assert "Ellen Bientie" in page and "Hele gruppen" in page
    # Fremtidens kulturskole asks for the dialogue with the county.
    assert "Dialog med fylkesavdelingen" in page


def test_a_note_that_is_too_long_is_refused_in_norwegian_and_kept(client, leader):
    application = SubmittedApplicationFactory()
    text = "Langt notat. " * 800
    response = client.post(
        reverse("application_review:note_add", args=[application.pk]), {"kind": "note", "text": text}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert f"Teksten er for lang: høyst {LONG_TEXT} tegn" in html
    assert text.strip() in html
    assert not ReviewNote.objects.exists()


def test_the_county_dialogue_is_refused_where_the_programme_does_not_ask_for_it(client, leader):
    application = SubmittedApplicationFactory()  # Veiledningsordningen
    response = client.post(
        reverse("application_review:note_add", args=[application.pk]),
        {"kind": "county_dialogue", "text": "Samtale med fylket"},
    )
    assert response.status_code == 200
    assert "Velg en type fra listen." in response.content.decode()


def _admittable():
    application = SubmittedApplicationFactory(municipalities=[municipality("1804")])
    complete_veiledning_contacts(application)
    return application


def test_the_decision_shows_the_letter_and_the_group_before_anything_is_sent(client, leader):
    application = _admittable()
    url = reverse("application_review:decision", args=[application.pk])
    assert "Velg vedtaket" in client.get(url).content.decode()

    page = client.get(url, {"vedtak": "admitted"})
    html = page.content.decode()
    assert "Hei Kari Nordmann," in page.context["form"].initial["letter"]
    assert "Kommunegruppen som opprettes" in html
    assert "får invitasjon til å velge passord" in html
    assert "Emne: Bodø er tatt opp i Veiledningsordningen" in html

    preview = client.post(url, {"vedtak": "admitted", "letter": "Hei!\n\nVelkommen, {kommunene}.", "preview": ""})
    assert "Velkommen, Bodø." in preview.content.decode()
    assert not Email.objects.exists()
    assert not MunicipalityGroup.objects.exists()


def test_sending_an_admission_leads_to_the_new_group(client, leader):
    application = _admittable()
    url = reverse("application_review:decision", args=[application.pk])
    response = client.post(url, {"vedtak": "admitted", "letter": "Velkommen, {kommunene}.", "send": ""})
    group = MunicipalityGroup.objects.get()
    assert response.status_code == 302
    assert response["Location"] == group.get_absolute_url()
    assert Email.objects.filter(template="applications/email/decision").count() == 4
    follow = client.get(response["Location"])
    assert "kommunegruppen Bodø er opprettet" in follow.content.decode()


def test_an_unknown_placeholder_is_refused_and_the_letter_kept(client, leader):
    application = _admittable()
    url = reverse("application_review:decision", args=[application.pk])
    response = client.post(url, {"vedtak": "declined", "letter": "Hei {kommunen}, dessverre.", "send": ""})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Ukjent felt i klammer: {kommunen}" in html
    assert "Hei {kommunen}, dessverre." in html
    application.refresh_from_db()
    assert application.status == Application.Status.SUBMITTED


def test_an_admission_that_cannot_be_made_is_explained_and_the_letter_kept(client, leader):
    application = _admittable()
    MunicipalityGroupFactory(portfolio=application.call.portfolio, municipalities=[municipality("1804")])
    url = reverse("application_review:decision", args=[application.pk])
    response = client.post(url, {"vedtak": "admitted", "letter": "Velkommen!", "send": ""})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Bodø er allerede kommunegruppen «Bodø» i porteføljen." in html
    assert "Velkommen!" in html
    assert not Email.objects.exists()
    assert Contact.objects.count() == 3


def test_a_decided_application_sends_the_leader_back_to_it(client, leader):
    application = _admittable()
    url = reverse("application_review:decision", args=[application.pk])
    client.post(url, {"vedtak": "declined", "letter": "Dessverre.", "send": ""})
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == reverse("application_review:detail", args=[application.pk])


def test_with_the_broker_and_the_mail_server_down_the_admission_succeeds_and_the_letters_wait(
    client, leader, settings, django_capture_on_commit_callbacks
):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    settings.EMAIL_BACKEND = "applications.tests.test_review_views.RefusingBackend"
    application = _admittable()
    url = reverse("application_review:decision", args=[application.pk])
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(url, {"vedtak": "admitted", "letter": "Velkommen!", "send": ""})
    assert callbacks  # the «look now» message to the worker was tried, and could not be sent
    assert response.status_code == 302
    assert MunicipalityGroup.objects.get().memberships.count() == 3
    # The invitations and letters wait as rows for beat, or send_due_reminders from cron.
    assert Email.objects.filter(status=Email.Status.PENDING).count() == 3 + 4


class RefusingBackend:
    """A mail server that is down: any attempt to send fails."""

    def __init__(self, *args, **kwargs):
        pass

    def open(self):
        raise ConnectionRefusedError("the mail server is down")

    def send_messages(self, messages):
        raise ConnectionRefusedError("the mail server is down")

    def close(self):
        pass


def test_every_column_sorts_in_the_database_both_ways(client, leader):
    call = CallFactory()
    CriterionFactory(call=call)
    _many(call, 3)
    for column in ["kommune", "fylke", "utlysning", "status", "sendt", "kriterier", "notater"]:
        up = _names(client.get(LIST, {"call": call.pk, "sort": column}))
        down = _names(client.get(LIST, {"call": call.pk, "sort": f"-{column}"}))
        assert sorted(up) == sorted(down) == sorted(["Bodø", "Fauske", "Saltdal"]), column
    assert _names(client.get(LIST, {"call": call.pk, "sort": "-kommune"})) == ["Saltdal", "Fauske", "Bodø"]
