"""Issue 16 in a real browser on a phone: the adviser ticks off who came to a meeting, a member registers for
a common gathering; axe-core and no sideways scrolling on every page."""

import pytest
from playwright.sync_api import expect

from accounts.tests.factories import PASSWORD, ProgrammeLeaderFactory, UserFactory
from core.models import Email
from core.testing.browser import PHONE_VIEWPORT, assert_accessible, assert_no_sideways_scroll, expect_form_error, login
from meetings.models import Meeting, Registration
from meetings.services import registration_settings_save
from meetings.tests.factories import MeetingFactory, in_days
from municipalities.models import Role
from municipalities.tests.factories import MembershipFactory, MunicipalityGroupFactory, municipality

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _checked(page):
    assert_accessible(page)
    assert_no_sideways_scroll(page)


def test_the_adviser_records_attendance_on_a_phone(live_server, make_page):
    group = MunicipalityGroupFactory(municipalities=[municipality("5612")])
    owner = MembershipFactory(group=group, role=Role.OWNER_POLITICAL, user=UserFactory(full_name="Ánte Mikkel Gaup"))
    leader = MembershipFactory(group=group, role=Role.LEADER, user=UserFactory(full_name="Sárá Marja Hætta"))
    MembershipFactory(group=group, role=Role.RESOURCE_TEACHER, user=UserFactory(full_name="Niillas Somby Eira"))
    meeting = MeetingFactory(group=group, title="Veiledningsmøte 3", status=Meeting.Status.HELD, starts_at=in_days(-1))

    page = make_page(viewport=PHONE_VIEWPORT)
    login(page, live_server, group.adviser.email, PASSWORD)
    page.goto(f"{live_server.url}{meeting.get_absolute_url()}")
    expect(page.get_by_text("Oppmøtet er ikke registrert ennå.")).to_be_visible()
    page.get_by_role("link", name="Registrer oppmøte").click()
    _checked(page)
    # The whole row is the checkbox's label: a tap on the name ticks it.
    page.get_by_text("Sárá Marja Hætta – Kulturskoleleder").click()
    page.get_by_text("Niillas Somby Eira – Ressurslærer").click()
    guest = page.get_by_role("group", name="Gjest 1")
    guest.get_by_label("Rolle").fill("Rådgiver for oppvekst")
    page.get_by_role("button", name="Lagre oppmøtet").click()
    expect_form_error(page, "Skriv gjestens navn, eller fjern rollen.")
    _checked(page)
    # What was ticked and typed stays.
    expect(page.get_by_label("Sárá Marja Hætta – Kulturskoleleder")).to_be_checked()
    expect(guest.get_by_label("Rolle")).to_have_value("Rådgiver for oppvekst")
    guest.get_by_label("Gjestens navn").fill("Siri Haugen")
    page.get_by_role("button", name="Lagre oppmøtet").click()
    expect(page.get_by_text("Oppmøtet er lagret.")).to_be_visible()
    expect(page.get_by_text("Sárá Marja Hætta – Kulturskoleleder")).to_be_visible()
    expect(page.get_by_text("Siri Haugen – Rådgiver for oppvekst")).to_be_visible()
    expect(page.get_by_text("Ánte Mikkel Gaup – Kulturskoleeier")).to_have_count(0)
    _checked(page)
    recorded = {a.membership_id for a in meeting.attendances.exclude(membership=None)}
    assert recorded == {leader.pk, meeting.group.memberships.get(role=Role.RESOURCE_TEACHER).pk}
    assert owner.pk not in recorded


def test_a_member_registers_for_a_gathering_on_a_phone(live_server, make_page):
    group = MunicipalityGroupFactory(municipalities=[municipality("1804")])
    lena = MembershipFactory(group=group, role=Role.LEADER, user=UserFactory(full_name="Lena Bakken Ødegård"))
    MembershipFactory(group=group, role=Role.RESOURCE_TEACHER, user=UserFactory(full_name="Jørgen Å. Nilsen"))
    gathering = MeetingFactory(
        group=None,
        portfolio=group.portfolio,
        kind=Meeting.Kind.GATHERING,
        title="Dialogkonferanse 2",
        starts_at=in_days(30, hour=9),
        format=Meeting.Format.PHYSICAL,
        place="Scandic Oslo City",
        link="",
    )
    registration_settings_save(
        meeting=gathering,
        is_open=True,
        deadline=in_days(20),
        capacity=40,
        participant_cost="Reise og overnatting dekkes av kommunen",
        user=ProgrammeLeaderFactory(),
    )

    page = make_page(viewport=PHONE_VIEWPORT)
    login(page, live_server, lena.user.email, PASSWORD)
    page.goto(f"{live_server.url}{gathering.get_absolute_url()}")
    expect(page.get_by_text("0 av 40 plasser er tatt.")).to_be_visible()
    _checked(page)
    page.get_by_role("link", name="Meld på").click()
    _checked(page)
    expect(page.get_by_label("Hvem melder du på?")).to_have_value(str(lena.pk))
    page.get_by_label("Behov").fill("Vegetarmat, og rullestoltilgang")
    page.get_by_role("button", name="Meld på").click()
    expect(page.get_by_text("Lena Bakken Ødegård er påmeldt og får en bekreftelse på e-post.")).to_be_visible()
    expect(page.get_by_text("1 av 40 plasser er tatt.")).to_be_visible()
    expect(page.get_by_role("cell", name="Vegetarmat, og rullestoltilgang")).to_be_visible()
    _checked(page)
    # Herself a second time is refused, and what was typed stays; then a colleague of her own group.
    page.get_by_role("link", name="Meld på").click()
    page.get_by_label("Behov").fill("Ingen")
    page.get_by_role("button", name="Meld på").click()
    expect_form_error(page, "Lena Bakken Ødegård er allerede påmeldt.")
    expect(page.get_by_label("Behov")).to_have_value("Ingen")
    _checked(page)
    page.get_by_label("Hvem melder du på?").select_option(label="Jørgen Å. Nilsen – Ressurslærer")
    page.get_by_role("button", name="Meld på").click()
    expect(page.get_by_text("2 av 40 plasser er tatt.")).to_be_visible()
    assert Registration.objects.filter(meeting=gathering).count() == 2
    assert Email.objects.filter(template="meetings/email/registration_confirmed").count() == 2
    page.get_by_role("button", name="Meld av Jørgen Å. Nilsen").click()
    expect(page.get_by_text("Påmeldingen er trukket.")).to_be_visible()
    _checked(page)
    assert Registration.objects.filter(meeting=gathering).count() == 1
