"""The issue's journey in a real browser, as one test: a municipality applies on a phone (the open calls, the
start form, the e-mailed link read from the outbox, a municipality that does not exist, saving, coming back
on a narrow phone in another browser through the link, sending in, the receipt with the PDF); the programme
leader, in a browser of their own, reviews that application (its criteria, a note and the error summary on
an empty one) and admits it with a letter; the contacts' invitations wait in the outbox; one of the new
people opens theirs, chooses a password and sees the group with its members. axe-core checks every page;
the public pages and the review's pages reflow at 320 px."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from accounts.models import User
from accounts.tests.factories import PASSWORD, ProgrammeLeaderFactory, UserFactory
from core.models import Email
from core.testing.browser import (
    NARROW_VIEWPORT,
    PHONE_VIEWPORT,
    assert_accessible,
    assert_no_sideways_scroll,
    expect_form_error,
    login,
)
from municipalities.models import MunicipalityGroup, Role
from municipalities.tests.factories import MembershipFactory, municipality

from ..models import Application, Call
from ..services import application_pdfs_render_due
from .factories import (
    ApplicationFactory,
    CallFactory,
    ContactFactory,
    CriterionFactory,
    SubmittedApplicationFactory,
    complete_veiledning_contacts,
)

# The live server answers from another thread, so the data must be committed (see dashboard/tests/test_browser.py).
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

CRITERION = "Søkeren ønsker å utvikle kulturskolen som skoleslag og kommunal ressurs."
MOTIVATION = "Vi vil utvikle kulturskolen som skoleslag og kommunal ressurs."
# Bodø's contacts in the journey: the owner and the leader are new to the portal, the resource teacher
# already has a user (in a group of another portfolio) and is told rather than invited.
BODO_CONTACTS = [
    ("Ola Eier", Role.OWNER_ADMINISTRATIVE, "eier@bodo.example.org", ""),
    ("Lise Leder", Role.LEADER, "leder@bodo.example.org", "+47 900 00 001"),
    ("Rune Ressurs", Role.RESOURCE_TEACHER, "ressurs@bodo.example.org", ""),
]


def _call() -> Call:
    call = CallFactory(title="Søk om plass i Veiledningsordningen 2027")
    CriterionFactory(call=call, text=CRITERION)
    CriterionFactory(call=call, text="Kommunegruppen har kulturskoleeier, kulturskoleleder og ressurslærer med.")
    return call


def _path_in(email: Email, pattern: str) -> str:
    # The e-mail's address is SITE_URL's; the live server has an address of its own.
    match = re.search(rf"https?://[^/\s]+({pattern})", email.body)
    assert match, email.body
    return match[1]


def _contact(page: Page, number: int, *, name: str, role: str, email: str, phone: str = "") -> None:
    row = page.get_by_role("group", name=f"Kontaktperson {number}")
    row.get_by_label("Navn").fill(name)
    row.get_by_label("Rolle").select_option(role)
    row.get_by_label("E-post").fill(email)
    if phone:
        row.get_by_label("Telefon").fill(phone)


# The journey's steps, each in a browser of its own.


def apply_on_a_phone(live_server, make_page, call: Call) -> Application:
    """Kari applies for Bodø on a phone and sends the application in; returns it, with its receipt and PDF
    checked."""
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
    link = live_server.url + _path_in(email, r"/sok/soknad/[^/\s]+/")
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
    for number, (name, role, address, phone) in enumerate(BODO_CONTACTS[:2], start=1):
        _contact(page, number, name=name, role=role, email=address, phone=phone)
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
    name, role, address, phone = BODO_CONTACTS[2]
    _contact(page, 3, name=name, role=role, email=address, phone=phone)
    page.get_by_label("Hvorfor søker dere?").fill(MOTIVATION)
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
    page.context.close()
    return application


def review_and_admit(live_server, make_page, application: Application, *, leader: User) -> MunicipalityGroup:
    """The programme leader ticks a criterion, writes a note and admits `application` (from Bodø, sent in
    by Kari Nordmann) with a letter; returns the group the admission made, its page checked."""
    page = make_page()
    login(page, live_server, leader.email, PASSWORD)

    page.get_by_role("link", name="Søknader", exact=True).click()
    expect(page.get_by_role("heading", name="Søknader", level=1)).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Bodø").click()
    expect(page.get_by_role("heading", name="Søknad fra Bodø", level=1)).to_be_visible()
    expect(page.get_by_text(MOTIVATION)).to_be_visible()
    assert_accessible(page)

    page.get_by_label(CRITERION).check()
    with page.expect_navigation():
        page.get_by_role("button", name="Lagre vurderingen").click()
    expect(page.get_by_text("Vurderingen av kriteriene er lagret.")).to_be_visible()
    expect(page.get_by_label(CRITERION)).to_be_checked()

    with page.expect_navigation():
        page.get_by_role("button", name="Lagre notatet").click()
    expect_form_error(page, "Skriv notatet.")
    assert_accessible(page)
    page.get_by_role("textbox", name="Notat").fill("Godt forankret hos kommunalsjefen. Anbefales.")
    with page.expect_navigation():
        page.get_by_role("button", name="Lagre notatet").click()
    expect(page.get_by_text("Godt forankret hos kommunalsjefen. Anbefales.")).to_be_visible()
    expect(page.get_by_text("Under vurdering")).to_be_visible()

    page.get_by_role("link", name="Fatt vedtak").click()
    assert_accessible(page)
    page.get_by_label("Tatt opp").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Skriv brevet").click()
    expect(page.get_by_role("heading", name="Kommunegruppen som opprettes")).to_be_visible()
    expect(page.get_by_text("Ola Eier (kulturskoleeier (administrativt nivå))")).to_contain_text(
        "får invitasjon til å velge passord"
    )
    expect(page.get_by_text("Emne: Bodø er tatt opp i Veiledningsordningen")).to_be_visible()
    assert_accessible(page)
    letter = page.get_by_role("textbox", name="Brevet")
    assert letter.input_value().startswith("Hei Kari Nordmann,")
    letter.fill(letter.input_value() + "\n\nVi gleder oss til å møte dere i {kommunene}.")
    with page.expect_navigation():
        page.get_by_role("button", name="Forhåndsvis").click()
    expect(page.get_by_text("Vi gleder oss til å møte dere i Bodø.")).to_be_visible()
    with page.expect_navigation():
        page.get_by_role("button", name="Send vedtaket").click()

    group = MunicipalityGroup.objects.get(portfolio=application.call.portfolio)
    expect(page).to_have_url(f"{live_server.url}{group.get_absolute_url()}")
    expect(page.get_by_text("Søknaden er innvilget, og kommunegruppen Bodø er opprettet.")).to_be_visible()
    _expect_members(page)
    expect(page.get_by_role("link", name="Søknaden gruppen ble tatt opp på")).to_be_visible()
    assert_accessible(page)
    page.context.close()
    return group


def _expect_members(page: Page) -> None:
    members = page.get_by_role("table", name="Deltakere i Bodø")
    for name, *_ in BODO_CONTACTS:
        expect(members.get_by_role("cell", name=name, exact=True)).to_be_visible()


def accept_invitation(
    live_server, make_page, invitation: Email, group: MunicipalityGroup, *, invited_name: str
) -> None:
    """The invited person opens the link in their e-mail on a phone, chooses a password, and is shown the
    group with its members."""
    page = make_page(viewport=PHONE_VIEWPORT)
    page.goto(live_server.url + _path_in(invitation, r"/konto/invitasjon/[^/\s]+/"))
    expect(page.get_by_role("heading", name=f"Velkommen, {invited_name}")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Nytt passord", exact=False).first.fill("Fjellbekk-i-Saltstraumen-27")
    page.get_by_label("Gjenta nytt passord").fill("Fjellbekk-i-Saltstraumen-27")
    page.get_by_role("button", name="Lagre passord og logg inn").click()
    expect(page.get_by_text("Velkommen! Passordet er lagret, og du er logget inn.")).to_be_visible()
    # Their only group: the start page is the group's.
    expect(page).to_have_url(f"{live_server.url}{group.get_absolute_url()}")
    _expect_members(page)
    assert_no_sideways_scroll(page)
    assert_accessible(page)
    page.context.close()


def test_a_municipality_applies_on_a_phone_the_leader_admits_it_and_an_invited_contact_sees_the_group(
    live_server, make_page
):
    call = _call()
    leader = ProgrammeLeaderFactory()
    rune = UserFactory(email="ressurs@bodo.example.org", full_name="Rune Ressurs")
    MembershipFactory(user=rune)  # in a group of another portfolio

    application = apply_on_a_phone(live_server, make_page, call)
    group = review_and_admit(live_server, make_page, application, leader=leader)

    application.refresh_from_db()
    assert application.status == Application.Status.ADMITTED and application.group == group
    assert set(group.municipalities.values_list("number", flat=True)) == {"1804"}
    # The new people are invited to choose a password; the one with a user already is told.
    invitations = {e.to: e for e in Email.objects.filter(template="accounts/email/invitation")}
    assert set(invitations) == {"eier@bodo.example.org", "leder@bodo.example.org"}
    assert Email.objects.filter(template="municipalities/email/member_added", to="ressurs@bodo.example.org")
    letters = Email.objects.filter(template="applications/email/decision")
    assert {e.to for e in letters} == {"kari@bodo.example.org", *invitations, "ressurs@bodo.example.org"}
    assert "Vi gleder oss til å møte dere i Bodø." in letters.first().body

    accept_invitation(live_server, make_page, invitations["eier@bodo.example.org"], group, invited_name="Ola Eier")
    ola = User.objects.get(email="eier@bodo.example.org")
    assert ola.has_usable_password()
    assert group.memberships.filter(user=ola, role=Role.OWNER_ADMINISTRATIVE).exists()


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


def test_the_review_pages_reflow_at_320_px_and_pass_axe(live_server, make_page):
    leader = ProgrammeLeaderFactory()
    application = SubmittedApplicationFactory(
        call=_call(), municipalities=[municipality("1804")], applicant_name="Kari Nordmann", motivation=MOTIVATION
    )
    for name, role, address, _ in BODO_CONTACTS:
        ContactFactory(application=application, name=name, email=address, role=role, municipality=municipality("1804"))
    page = make_page(NARROW_VIEWPORT)
    login(page, live_server, leader.email, PASSWORD)
    for path in (
        "/soknader/",
        f"/soknader/{application.pk}/",
        f"/soknader/{application.pk}/vedtak/",
        f"/soknader/{application.pk}/vedtak/?vedtak=admitted",
    ):
        page.goto(f"{live_server.url}{path}")
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        assert_no_sideways_scroll(page)
        assert_accessible(page)


def test_a_draft_saved_in_another_tab_is_not_overwritten_and_the_typed_text_stays(live_server, make_page):
    application = ApplicationFactory(call=_call(), needs="")
    first = make_page(viewport=PHONE_VIEWPORT)
    second = first.context.new_page()
    for page in (first, second):
        page.goto(live_server.url + application.get_personal_url())
    needs = "Hvilke behov har kulturskolen og kommunen?"
    first.get_by_label(needs).fill("Skrevet i den første fanen.")
    first.get_by_role("button", name="Lagre utkast").click()
    expect(first.get_by_text("Utkastet er lagret.")).to_be_visible()

    second.get_by_label(needs).fill("Skrevet i den andre fanen.")
    second.get_by_role("button", name="Lagre utkast").click()
    conflict = second.get_by_role("alert").filter(has_text="Ikke lagret:")
    expect(conflict).to_contain_text("Skrevet i den første fanen.")
    expect(second.get_by_label(needs)).to_have_value("Skrevet i den andre fanen.")
    assert_accessible(second)

    # Saving again, knowingly, stores what the form holds.
    second.get_by_role("button", name="Lagre utkast").click()
    expect(second.get_by_text("Utkastet er lagret.")).to_be_visible()
    expect(second.get_by_label(needs)).to_have_value("Skrevet i den andre fanen.")
