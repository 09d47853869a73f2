"""Applying in a real browser on a phone: the open calls, the start form, the e-mailed link (read from the
outbox), a municipality that does not exist, saving, coming back in another browser through the link,
sending in, and the receipt with the PDF. axe-core checks every page; the form reflows at 320 px."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from core.models import Email
from core.testing.browser import (
    NARROW_VIEWPORT,
    PHONE_VIEWPORT,
    assert_accessible,
    assert_no_sideways_scroll,
    expect_form_error,
)
from municipalities.models import Role

from ..models import Application
from ..services import application_pdfs_render_due
from .factories import (
    ApplicationFactory,
    CallFactory,
    CriterionFactory,
    SubmittedApplicationFactory,
    complete_veiledning_contacts,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _personal_path(email: Email) -> str:
    # The e-mail's address is SITE_URL's; the live server has an address of its own.
    match = re.search(r"https?://[^/\s]+(/sok/soknad/[^/\s]+/)", email.body)
    assert match, email.body
    return match[1]


def _contact(page, number: int, *, name: str, role: str, email: str, phone: str = "") -> None:
    row = page.get_by_role("group", name=f"Kontaktperson {number}")
    row.get_by_label("Navn").fill(name)
    row.get_by_label("Rolle").select_option(role)
    row.get_by_label("E-post").fill(email)
    if phone:
        row.get_by_label("Telefon").fill(phone)


def test_a_municipality_applies_on_a_phone_saves_comes_back_through_the_link_and_submits(live_server, make_page):
    call = CallFactory(title="Søk om plass i veiledningsordningen 2027")
    CriterionFactory(call=call, text="Søkeren ønsker å utvikle kulturskolen som skoleslag og kommunal ressurs.")

    page = make_page(viewport=PHONE_VIEWPORT)
    page.goto(f"{live_server.url}/konto/logg-inn/")
    page.get_by_role("link", name="Søk om å delta").click()
    expect(page.get_by_role("heading", name="Åpne utlysninger")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name=call.title).click()
    expect(page.get_by_text("skoleslag og kommunal ressurs")).to_be_visible()
    expect(page.get_by_role("heading", name="Hva vi lagrer, og hvor lenge")).to_be_visible()
    assert_accessible(page)

    # An address that is none: a Norwegian message, and the name is kept.
    page.get_by_label("Navnet ditt").fill("Kari Nordmann")
    page.get_by_label("E-postadressen din").fill("kari-bodo")
    page.get_by_role("button", name="Send meg lenken").click()
    expect(page.locator("#feiloppsummering")).to_be_focused()
    expect(page.get_by_label("Navnet ditt")).to_have_value("Kari Nordmann")
    assert_accessible(page)
    page.get_by_label("E-postadressen din").fill("kari@bodo.example.org")
    page.get_by_role("button", name="Send meg lenken").click()
    expect(page.get_by_role("heading", name="Sjekk e-posten din")).to_be_visible()
    assert_accessible(page)

    email = Email.objects.get(template="applications/email/link", to="kari@bodo.example.org")
    link = live_server.url + _personal_path(email)
    page.goto(link)
    expect(page.get_by_role("heading", name=f"Søknad: {call.title}")).to_be_visible()
    assert_accessible(page)

    page.get_by_label("Kommune", exact=True).fill("Atlantis")
    page.get_by_label("Hvilke behov har kulturskolen og kommunen?").fill("Vi trenger hjelp med forankringen.")
    page.get_by_role("button", name="Lagre utkast").click()
    expect_form_error(page, "Fant ingen kommune som heter «Atlantis»")
    expect(page.get_by_label("Hvilke behov har kulturskolen og kommunen?")).to_have_value(
        "Vi trenger hjelp med forankringen."
    )
    assert_accessible(page)

    page.get_by_label("Kommune", exact=True).fill("Bodø")
    _contact(page, 1, name="Ola Eier", role=Role.OWNER_ADMINISTRATIVE, email="eier@bodo.example.org")
    _contact(page, 2, name="Lise Leder", role=Role.LEADER, email="leder@bodo.example.org", phone="+47 900 00 001")
    page.get_by_role("button", name="Lagre utkast").click()
    expect(page.get_by_text("Utkastet er lagret.")).to_be_visible()
    # What the programme asks for and is not there yet is told before sending in.
    expect(page.get_by_text("Kontaktpersoner: Mangler ressurslærer.")).to_be_visible()
    assert_accessible(page)
    page.context.close()

    # Later, on a narrow phone in another browser: the same link, the draft as it was left.
    page = make_page(viewport=NARROW_VIEWPORT)
    page.goto(link)
    expect(page.get_by_label("Kommune", exact=True)).to_have_value("Bodø")
    expect(page.get_by_role("group", name="Kontaktperson 2").get_by_label("Navn")).to_have_value("Lise Leder")
    assert_no_sideways_scroll(page)
    assert_accessible(page)
    _contact(page, 3, name="Rune Ressurs", role=Role.RESOURCE_TEACHER, email="ressurs@bodo.example.org")
    page.get_by_label("Hvorfor søker dere?").fill("Vi vil utvikle kulturskolen som skoleslag.")
    page.get_by_label("Ja, vedtatt lokalt").check()
    page.get_by_role("button", name="Send inn søknaden").click()
    expect(page.get_by_text("Søknaden er sendt inn. Du får en kvittering på e-post.")).to_be_visible()
    expect(page.get_by_role("button", name="Lagre utkast")).to_have_count(0)  # read-only now
    assert_no_sideways_scroll(page)
    assert_accessible(page)

    application = Application.objects.get()
    assert application.status == Application.Status.SUBMITTED
    # The worker makes the PDF and sends the receipt with it, outside the request.
    assert application_pdfs_render_due() == 1
    receipt = Email.objects.get(template="applications/email/receipt")
    assert receipt.to == "kari@bodo.example.org"
    assert "Rune Ressurs, ressurslærer" in receipt.body
    assert [a["mimetype"] for a in receipt.attachments] == ["application/pdf"]

    page.reload()
    with page.expect_download() as download:
        page.get_by_role("link", name="Last ned søknaden som PDF").click()
    assert download.value.suggested_filename == "soknad-bodo.pdf"


def test_every_public_page_reflows_at_320_px_and_passes_axe(live_server, make_page):
    call = CallFactory(title="Søk om plass i Fremtidens kulturskole 2027–28")
    CriterionFactory(call=call)
    submitted = SubmittedApplicationFactory(call=call)
    complete_veiledning_contacts(submitted)
    withdrawn = SubmittedApplicationFactory(call=call, status=Application.Status.WITHDRAWN, withdrawn_at=timezone.now())
    closed = CallFactory(opens_at=timezone.now() - timedelta(days=60), closes_at=timezone.now() - timedelta(days=1))
    closed_draft = ApplicationFactory(call=closed)
    paths = [
        "/sok/",
        f"/sok/{call.pk}/",
        f"/sok/{closed.pk}/",
        f"/sok/{call.pk}/sjekk-e-posten/",
        f"/sok/soknad/{submitted.token}/",
        f"/sok/soknad/{submitted.token}/trekk/",
        f"/sok/soknad/{submitted.token}/soknad.pdf",  # the PDF not made yet: the page that says so
        f"/sok/soknad/{withdrawn.token}/",
        f"/sok/soknad/{closed_draft.token}/",
    ]
    page = make_page(viewport=NARROW_VIEWPORT)
    for path in paths:
        response = page.goto(live_server.url + path)
        assert response is not None and response.status == 200, path
        assert_no_sideways_scroll(page)
        assert_accessible(page)
