"""The programme leader reviews an application and admits it, in a real browser: the list, the application
with its criteria and a note (and the error summary on an empty one), the decision with its letter, and the
new group with its members; the contacts' invitations wait in the outbox. axe on every page, and the pages
reflow at 320 px."""

import pytest
from playwright.sync_api import expect

from accounts.tests.factories import PASSWORD, ProgrammeLeaderFactory, UserFactory
from core.models import Email
from core.testing.browser import (
    NARROW_VIEWPORT,
    assert_accessible,
    assert_no_sideways_scroll,
    expect_form_error,
    login,
)
from municipalities.models import MunicipalityGroup, Role
from municipalities.tests.factories import MembershipFactory, municipality

from ..models import Application
from .factories import CallFactory, ContactFactory, CriterionFactory, SubmittedApplicationFactory

# The live server answers from another thread, so the data must be committed (see dashboard/tests/test_browser.py).
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

CRITERION = "Søkeren ønsker å utvikle kulturskolen som skoleslag og kommunal ressurs."


def _application():
    call = CallFactory(title="Søk om plass i Veiledningsordningen 2027")
    CriterionFactory(call=call, text=CRITERION)
    CriterionFactory(call=call, text="Kommunegruppen har kulturskoleeier, kulturskoleleder og ressurslærer med.")
    application = SubmittedApplicationFactory(
        call=call,
        municipalities=[municipality("1833")],
        applicant_name="Trond Mo",
        applicant_email="trond.mo@rana.example.org",
        motivation="Vi vil utvikle kulturskolen som skoleslag og kommunal ressurs.",
    )
    ContactFactory(
        application=application,
        name="Elin Strand",
        email="elin.strand@rana.example.org",
        role=Role.OWNER_ADMINISTRATIVE,
        municipality=municipality("1833"),
    )
    ContactFactory(
        application=application,
        name="Trond Mo",
        email="trond.mo@rana.example.org",
        role=Role.LEADER,
        municipality=municipality("1833"),
    )
    ContactFactory(
        application=application,
        name="Sigrid Åsheim",
        email="sigrid.asheim@rana.example.org",
        role=Role.RESOURCE_TEACHER,
        municipality=municipality("1833"),
    )
    # Sigrid already has a user (she is in a group of another portfolio): she is told, not invited.
    MembershipFactory(user=UserFactory(email="sigrid.asheim@rana.example.org", full_name="Sigrid Åsheim"))
    return application


def test_the_leader_reviews_an_application_and_admits_it(live_server, make_page):
    leader = ProgrammeLeaderFactory()
    application = _application()
    page = make_page()
    login(page, live_server, leader.email, PASSWORD)

    page.get_by_role("link", name="Søknader", exact=True).click()
    expect(page.get_by_role("heading", name="Søknader", level=1)).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Rana").click()
    expect(page.get_by_role("heading", name="Søknad fra Rana", level=1)).to_be_visible()
    expect(page.get_by_text("Vi vil utvikle kulturskolen som skoleslag og kommunal ressurs.")).to_be_visible()
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
    expect(page.get_by_text("Elin Strand (kulturskoleeier (administrativt nivå))")).to_contain_text(
        "får invitasjon til å velge passord"
    )
    expect(page.get_by_text("Emne: Rana er tatt opp i Veiledningsordningen")).to_be_visible()
    assert_accessible(page)
    letter = page.get_by_role("textbox", name="Brevet")
    assert letter.input_value().startswith("Hei Trond Mo,")
    letter.fill(letter.input_value() + "\n\nVi gleder oss til å møte dere i {kommunene}.")
    with page.expect_navigation():
        page.get_by_role("button", name="Forhåndsvis").click()
    expect(page.get_by_text("Vi gleder oss til å møte dere i Rana.")).to_be_visible()
    with page.expect_navigation():
        page.get_by_role("button", name="Send vedtaket").click()

    group = MunicipalityGroup.objects.get(portfolio=application.call.portfolio)
    expect(page).to_have_url(f"{live_server.url}{group.get_absolute_url()}")
    expect(page.get_by_text("Søknaden er innvilget, og kommunegruppen Rana er opprettet.")).to_be_visible()
    members = page.get_by_role("table", name="Deltakere i Rana")
    for name in ("Elin Strand", "Trond Mo", "Sigrid Åsheim"):
        expect(members.get_by_role("cell", name=name, exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Søknaden gruppen ble tatt opp på")).to_be_visible()
    assert_accessible(page)

    application.refresh_from_db()
    assert application.status == Application.Status.ADMITTED and application.group == group
    invited = set(Email.objects.filter(template="accounts/email/invitation").values_list("to", flat=True))
    assert invited == {"elin.strand@rana.example.org", "trond.mo@rana.example.org"}
    assert Email.objects.filter(template="municipalities/email/member_added", to="sigrid.asheim@rana.example.org")
    letters = Email.objects.filter(template="applications/email/decision")
    assert letters.count() == 3
    assert "Vi gleder oss til å møte dere i Rana." in letters.first().body


def test_the_review_pages_reflow_at_320_pixels(live_server, make_page):
    leader = ProgrammeLeaderFactory()
    application = _application()
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
