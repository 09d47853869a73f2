"""Applying through the public form: start, confirm through the link, save, send in once, the receipt and the
PDF, withdrawing; and the bad input the form must refuse in Norwegian, keeping what was typed."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent
from core.models import Email
from municipalities.models import Municipality, Role
from municipalities.tests.factories import MunicipalityGroupFactory, municipality
from portfolios.tests.factories import FremtidensProgrammeFactory, PortfolioFactory

from ..models import Application, ApplicationPdf, StartRequest
from ..services import application_pdfs_render_due
from .factories import (
    ApplicationFactory,
    CallFactory,
    ContactFactory,
    QuestionFactory,
    SubmittedApplicationFactory,
)

pytestmark = pytest.mark.django_db


def _link_in(email: Email) -> str:
    match = re.search(r"https?://[^/\s]+(/sok/soknad/[^/\s]+/)", email.body)
    assert match, email.body
    return match[1]


def _start(client, call, *, name="Kari Nordmann", email="kari@example.org", **extra):
    return client.post(reverse("applications:call_detail", args=[call.pk]), {"name": name, "email": email, **extra})


def _form_data(application, **changes):
    """A complete Veiledningsordningen application from Bodø, as the form posts it."""
    data = {
        "municipality_1": "Bodø",
        "kontakt-TOTAL_FORMS": "3",
        "kontakt-INITIAL_FORMS": "0",
        "kontakt-MIN_NUM_FORMS": "0",
        "kontakt-MAX_NUM_FORMS": "30",
        "kontakt-0-name": "Ola Eier",
        "kontakt-0-role": Role.OWNER_ADMINISTRATIVE,
        "kontakt-0-email": "eier@bodo.example.org",
        "kontakt-1-name": "Lise Leder",
        "kontakt-1-role": Role.LEADER,
        "kontakt-1-email": "leder@bodo.example.org",
        "kontakt-1-phone": "+47 900 00 001",
        "kontakt-2-name": "Rune Ressurs",
        "kontakt-2-role": Role.RESOURCE_TEACHER,
        "kontakt-2-email": "ressurs@bodo.example.org",
        "needs": "Vi trenger hjelp til å forankre kulturskolen i planene.",
        "motivation": "Vi vil utvikle kulturskolen som skoleslag.",
        "rammeplan": Application.Rammeplan.YES,
        "action": "save",
        # The revision the form carries (core.concurrency), as a browser that has just opened the draft sends it.
        "revision": str(Application.objects.get(pk=application.pk).revision),
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


@pytest.fixture
def call():
    return CallFactory()


def test_the_public_page_lists_open_calls_only(client, call):
    closed = CallFactory(
        title="Gammel utlysning",
        opens_at=timezone.now() - timedelta(days=60),
        closes_at=timezone.now() - timedelta(days=1),
    )
    coming = CallFactory(title="Kommende utlysning", opens_at=timezone.now() + timedelta(days=3))

    page = client.get(reverse("applications:call_list")).content.decode()

    assert call.title in page
    assert closed.title not in page
    assert coming.title not in page


def test_the_footer_links_to_the_calls_from_the_login_page(client):
    page = client.get(reverse("accounts:login")).content.decode()
    assert 'href="/sok/"' in page


def test_starting_e_mails_a_personal_link_that_confirms_the_address_and_opens_the_draft(client, call):
    response = _start(client, call)

    assert response.status_code == 302
    application = Application.objects.get()
    assert application.status == Application.Status.UNCONFIRMED
    email = Email.objects.get(template="applications/email/link")
    assert email.to == "kari@example.org"
    link = _link_in(email)
    # Only the hash is kept; the link's token is not in the database.
    assert link.split("/")[-2] not in (application.token_hash, application.nonce)

    page = client.get(link)

    assert page.status_code == 200
    assert "Lagre utkast" in page.content.decode()
    application.refresh_from_db()
    assert application.status == Application.Status.DRAFT
    assert application.confirmed_at is not None


def test_starting_again_with_the_same_address_sends_the_same_link_and_makes_no_second_application(client, call):
    _start(client, call)
    _start(client, call)

    assert Application.objects.count() == 1
    first, second = Email.objects.filter(template="applications/email/link").order_by("pk")
    assert _link_in(first) == _link_in(second)


def test_a_filled_in_honeypot_makes_nothing_and_sends_nothing_but_looks_the_same(client, call):
    response = _start(client, call, tilleggsinfo="http://spam.example")

    assert response.status_code == 302
    assert response["Location"] == reverse("applications:start_sent", args=[call.pk])
    assert not Application.objects.exists()
    assert not Email.objects.exists()
    assert AuditEvent.objects.filter(action="application.honeypot").exists()


def test_the_honeypot_is_hidden_from_screen_readers_the_tab_order_and_autofill(client, call):
    page = client.get(reverse("applications:call_detail", args=[call.pk])).content.decode()

    hidden = re.search(r'<div class="visually-hidden" aria-hidden="true">(.*?)</div>\s*<button', page, re.S)
    assert hidden is not None
    field = re.search(r"<input[^>]*>", hidden.group(1))
    assert field is not None
    assert 'name="tilleggsinfo"' in field.group(0)
    assert 'tabindex="-1"' in field.group(0) and 'autocomplete="off"' in field.group(0)
    # No field a browser fills in by itself for a person.
    assert 'name="website"' not in page and 'name="url"' not in page


def test_too_many_starts_for_one_address_are_refused_in_norwegian_keeping_what_was_typed(client, call, settings):
    settings.APPLICATION_START_LIMIT_PER_ADDRESS = 2
    _start(client, call)
    _start(client, call)

    response = _start(client, call, name="Kari Tredje")

    assert response.status_code == 200
    page = response.content.decode()
    assert "for mange ganger" in page
    assert 'value="Kari Tredje"' in page
    assert Email.objects.count() == 2


def test_too_many_starts_from_one_ip_address_are_refused(client, call, settings):
    settings.APPLICATION_START_LIMIT_PER_IP = 2
    _start(client, call, email="a@example.org")
    _start(client, call, email="b@example.org")

    response = _start(client, call, email="c@example.org")

    assert "for mange ganger" in response.content.decode()
    assert StartRequest.objects.count() == 2


def test_a_call_not_yet_open_is_not_found_and_a_closed_one_takes_no_new_applications(client):
    coming = CallFactory(opens_at=timezone.now() + timedelta(days=3), closes_at=timezone.now() + timedelta(days=30))
    closed = CallFactory(opens_at=timezone.now() - timedelta(days=30), closes_at=timezone.now() - timedelta(hours=1))

    assert client.get(reverse("applications:call_detail", args=[coming.pk])).status_code == 404
    response = _start(client, closed)
    assert response.status_code == 200
    assert "Søknadsfristen gikk ut" in response.content.decode()
    assert not Application.objects.exists()


def test_a_municipality_is_found_by_sami_or_norwegian_name_or_number(client, call):
    application = ApplicationFactory(call=call, municipalities=[])
    url = application.get_personal_url()

    client.post(
        url,
        _form_data(application, municipality_1="guovdageaidnu", municipality_2="Kautokeino (x)", municipality_3="1804"),
    )
    response = client.post(url, _form_data(application, municipality_1="Kautokeino", municipality_2="1804"))

    assert response.status_code == 302
    assert application.municipality_list() == [municipality("5612"), municipality("1804")]


def test_an_unknown_municipality_is_refused_in_norwegian_keeping_what_was_typed(client, call):
    application = ApplicationFactory(call=call, municipalities=[])

    response = client.post(
        application.get_personal_url(), _form_data(application, municipality_1="Atlantis", needs="Våre behov")
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert "Fant ingen kommune som heter «Atlantis»" in page
    assert 'value="Atlantis"' in page
    assert "Våre behov" in page
    assert application.municipality_list() == []


def test_a_municipality_already_in_a_group_of_the_portfolio_cannot_apply(client, call):
    MunicipalityGroupFactory(portfolio=call.portfolio, municipalities=[municipality("1804")])
    application = ApplicationFactory(call=call, municipalities=[])

    response = client.post(application.get_personal_url(), _form_data(application))

    assert "Bodø er allerede med i en kommunegruppe" in response.content.decode()
    assert application.municipality_list() == []


def test_a_municipality_with_an_application_sent_in_cannot_apply_again(client, call):
    SubmittedApplicationFactory(call=call, municipalities=[municipality("1804")])
    application = ApplicationFactory(call=call, municipalities=[])

    response = client.post(application.get_personal_url(), _form_data(application))

    assert "Det er allerede sendt inn en søknad fra Bodø" in response.content.decode()


def test_a_municipality_with_an_application_sent_in_to_another_call_of_the_portfolio_cannot_submit_again(client, call):
    SubmittedApplicationFactory(call=call, municipalities=[municipality("1804")])
    # A second call of the same portfolio (a late round, say): Bodø has its place in the portfolio already.
    second_call = CallFactory(portfolio=call.portfolio, title="Ekstra søknadsrunde")
    application = ApplicationFactory(call=second_call, municipalities=[municipality("1804")])

    response = client.post(application.get_personal_url(), _form_data(application, action="submit"))

    assert f"Det er allerede sendt inn en søknad fra Bodø til {call.portfolio.name}" in response.content.decode()
    application.refresh_from_db()
    assert application.submitted_at is None
    # Another portfolio's call is another matter.
    elsewhere = ApplicationFactory(call=CallFactory(), municipalities=[municipality("1804")])
    client.post(elsewhere.get_personal_url(), _form_data(elsewhere, action="submit"))
    elsewhere.refresh_from_db()
    assert elsewhere.submitted_at is not None


def test_of_two_drafts_for_one_municipality_only_the_first_sent_in_gets_in(client, call):
    first = ApplicationFactory(call=call, municipalities=[])
    second = ApplicationFactory(call=call, municipalities=[])
    client.post(second.get_personal_url(), _form_data(second))
    client.post(first.get_personal_url(), _form_data(first, action="submit"))

    response = client.post(second.get_personal_url(), _form_data(second, action="submit"))

    assert "Det er allerede sendt inn en søknad fra Bodø" in response.content.decode()
    second.refresh_from_db()
    assert second.submitted_at is None


def test_a_missing_required_role_is_flagged_and_stops_the_submit(client, call):
    application = ApplicationFactory(call=call, municipalities=[])
    url = application.get_personal_url()
    client.post(url, _form_data(application, **{"kontakt-2-name": "", "kontakt-2-role": "", "kontakt-2-email": ""}))

    assert "Mangler ressurslærer." in client.get(url).content.decode()
    response = client.post(
        url,
        _form_data(application, action="submit", **{"kontakt-2-name": "", "kontakt-2-role": "", "kontakt-2-email": ""}),
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert "Feil:" in page  # the page title says it first
    assert "Mangler ressurslærer." in page
    application.refresh_from_db()
    assert application.status == Application.Status.DRAFT


def test_a_contact_row_begun_needs_a_name_a_role_and_an_e_mail(client, call):
    application = ApplicationFactory(call=call, municipalities=[])

    response = client.post(
        application.get_personal_url(),
        _form_data(application, **{"kontakt-2-name": "", "kontakt-2-email": "ikke-epost"}),
    )

    page = response.content.decode()
    assert "Skriv navnet." in page
    assert "ikke-epost" in page


def test_several_municipalities_each_need_their_own_signatories(client, call):
    application = ApplicationFactory(call=call, municipalities=[])
    url = application.get_personal_url()
    client.post(url, _form_data(application, municipality_2="Saltdal"))
    saltdal = Municipality.objects.get(name="Saltdal")
    bodo = municipality("1804")
    data = _form_data(application, municipality_2="Saltdal")
    for i in range(3):
        data[f"kontakt-{i}-municipality"] = str(bodo.pk)

    client.post(url, data)

    assert "Saltdal mangler kulturskoleeier." in client.get(url).content.decode()
    data["kontakt-3-name"] = "Siri Eier"
    data["kontakt-3-role"] = Role.OWNER_POLITICAL
    data["kontakt-3-email"] = "eier@saltdal.example.org"
    data["kontakt-3-municipality"] = str(saltdal.pk)
    data["kontakt-TOTAL_FORMS"] = "4"
    client.post(url, data)
    # Each municipality signs its own contract, with its own kulturskoleleder beside the owner.
    assert "Saltdal mangler kulturskoleleder." in client.get(url).content.decode()
    data["kontakt-4-name"] = "Sølvi Ravna"
    data["kontakt-4-role"] = Role.LEADER
    data["kontakt-4-email"] = "leder@saltdal.example.org"
    data["kontakt-4-municipality"] = str(saltdal.pk)
    data["kontakt-TOTAL_FORMS"] = "5"
    data["action"] = "submit"
    data["revision"] = _form_data(application)["revision"]  # the page reloaded after the save
    response = client.post(url, data)
    assert response.status_code == 302, re.findall(r"<li>.*?</li>", response.content.decode())
    application.refresh_from_db()
    assert application.status == Application.Status.SUBMITTED


def test_fremtidens_kulturskole_asks_for_the_mapping_and_the_county_development_area(client):
    call = CallFactory(portfolio=PortfolioFactory(programme=FremtidensProgrammeFactory()))
    application = ApplicationFactory(call=call, municipalities=[])
    url = application.get_personal_url()

    page = client.get(url).content.decode()
    assert "Forberedende kartlegging" in page
    assert "Fylkesavdelingens utviklingsområde" in page

    response = client.post(url, _form_data(application, action="submit"))
    page = response.content.decode()
    assert "Beskriv den forberedende kartleggingen." in page
    assert "Mangler koordinator." in page


def test_a_required_extra_question_must_be_answered(client, call):
    question = QuestionFactory(call=call, text="Hvor mange elever har dere?", required=True)
    application = ApplicationFactory(call=call, municipalities=[])
    url = application.get_personal_url()

    response = client.post(url, _form_data(application, action="submit"))
    assert "Dette spørsmålet må besvares." in response.content.decode()

    client.post(url, _form_data(application, action="submit", **{f"question_{question.pk}": "Om lag 400."}))
    application.refresh_from_db()
    assert application.status == Application.Status.SUBMITTED
    assert application.answers.get().text == "Om lag 400."


def test_a_non_member_municipality_is_told_that_the_guidance_is_free_for_members(client, call):
    application = ApplicationFactory(call=call)
    Municipality.objects.filter(number="1804").update(is_member=False)

    assert "er ikke medlem av" in client.get(application.get_personal_url()).content.decode()

    Municipality.objects.filter(number="1804").update(is_member=True)
    assert "er ikke medlem av" not in client.get(application.get_personal_url()).content.decode()


def test_submitting_makes_the_pdf_and_the_receipt_in_the_background_and_a_second_submit_is_refused(client, call):
    application = ApplicationFactory(call=call, municipalities=[])
    url = application.get_personal_url()

    response = client.post(url, _form_data(application, action="submit"))

    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == Application.Status.SUBMITTED
    assert ApplicationPdf.objects.get(application=application).requested_at is not None
    assert not Email.objects.filter(template="applications/email/receipt").exists()  # not inside the request

    assert application_pdfs_render_due() == 1

    receipt = Email.objects.get(template="applications/email/receipt")
    assert receipt.to == application.applicant_email
    assert "Lise Leder, kulturskoleleder" in receipt.body
    assert receipt.attachments[0]["mimetype"] == "application/pdf"
    download = client.get(reverse("applications:pdf", args=[application.token]))
    assert download.status_code == 200
    assert b"".join(download).startswith(b"%PDF")

    again = client.post(url, _form_data(application, action="submit", needs="Endret"), follow=True)
    assert "allerede sendt inn" in again.content.decode()
    application.refresh_from_db()
    assert application.needs != "Endret"
    page = client.get(url).content.decode()
    assert "Lagre utkast" not in page  # read-only
    assert "Sendt inn" in page


def test_after_the_deadline_a_draft_cannot_be_sent_in(client, call):
    application = ApplicationFactory(call=call, municipalities=[])
    url = application.get_personal_url()
    client.post(url, _form_data(application))
    type(call).objects.filter(pk=call.pk).update(
        opens_at=timezone.now() - timedelta(days=30), closes_at=timezone.now() - timedelta(minutes=1)
    )

    response = client.post(url, _form_data(application, action="submit"), follow=True)

    assert "Søknadsfristen har gått ut" in response.content.decode()
    application.refresh_from_db()
    assert application.status == Application.Status.DRAFT
    assert "Utkastet kan ikke lenger sendes inn" in client.get(url).content.decode()


def test_the_applicant_can_withdraw_through_the_link(client, call):
    application = SubmittedApplicationFactory(call=call)

    confirm = client.get(reverse("applications:withdraw", args=[application.token]))
    assert "Trekk søknaden" in confirm.content.decode()
    response = client.post(reverse("applications:withdraw", args=[application.token]), follow=True)

    application.refresh_from_db()
    assert application.status == Application.Status.WITHDRAWN
    assert application.withdrawn_at is not None
    assert "Søknaden er trukket" in response.content.decode()


def test_an_unknown_link_is_not_found_and_logged_without_the_token(client):
    response = client.get(reverse("applications:edit", args=["feil-token"]))

    assert response.status_code == 404
    event = AuditEvent.objects.get(action="application.link_unknown")
    assert "feil-token" not in str(event.payload)


def test_the_applicants_page_costs_the_same_queries_for_one_municipality_and_many(
    client, call, django_assert_num_queries
):
    small = ApplicationFactory(call=call)
    ContactFactory(application=small)
    large = ApplicationFactory(
        call=call, municipalities=[municipality("1804"), municipality("5612"), municipality("0301")]
    )
    for _ in range(6):
        ContactFactory(application=large)
    QuestionFactory(call=call)
    QuestionFactory(call=call)

    for application in (small, large):
        # 1 the application by its token's hash, with its call, portfolio, programme and PDF
        # 2 its municipalities (with their counties), 3 its contacts, 4 its answers
        # 5 the call's criteria, 6 the call's questions
        # 7 the 357 municipalities for the list of suggestions and the lookup
        # (a confirmed address is not written again)
        with django_assert_num_queries(7):
            assert client.get(application.get_personal_url()).status_code == 200


def test_texts_over_their_limits_are_refused_in_norwegian_keeping_the_form(client, call):
    from core.limits import LONG_TEXT

    response = _start(client, call, email=("a" * 250) + "@example.org")
    assert "høyst 254 tegn" in response.content.decode()
    assert not Application.objects.exists()

    application = ApplicationFactory(call=call, municipalities=[])
    response = client.post(application.get_personal_url(), _form_data(application, needs="x" * (LONG_TEXT + 1)))
    assert response.status_code == 200
    assert f"høyst {LONG_TEXT} tegn" in response.content.decode()
