"""Registration (påmelding) for common gatherings: the programme leader opens it, members register
themselves or their own group's people, capacity and deadline hold under concurrent registrations, a
confirmation with the calendar entry goes through the outbox, and the leader exports the list (issue 16)."""

import io
import threading
from datetime import timedelta

import pytest
from django.db import connections
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from accounts.models import AuditEvent
from accounts.tests.factories import ProgrammeLeaderFactory
from core.models import Email
from core.testing.ics import calendar_parts
from core.testing.mail import deliver_outbox
from meetings.models import Meeting, Registration, Reminder
from meetings.services import (
    RegistrationError,
    meeting_participants,
    registration_add,
    registration_cancel,
    registration_settings_save,
)
from meetings.tests.factories import MeetingFactory, in_days
from municipalities.models import Role
from municipalities.tests.factories import MembershipFactory, MunicipalityGroupFactory
from portfolios.models import PlanItem
from portfolios.tests.factories import PlanItemFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def leader():
    return ProgrammeLeaderFactory()


@pytest.fixture
def group():
    group = MunicipalityGroupFactory()
    MembershipFactory(group=group, role=Role.LEADER, user__full_name="Lars Leder", user__email="lars@example.org")
    MembershipFactory(group=group, role=Role.RESOURCE_TEACHER, user__full_name="Rita Ressurs")
    return group


@pytest.fixture
def gathering(group, leader):
    gathering = MeetingFactory(
        group=None,
        portfolio=group.portfolio,
        kind=Meeting.Kind.GATHERING,
        title="Dialogkonferanse 1",
        starts_at=in_days(30, hour=9),
        format=Meeting.Format.PHYSICAL,
        place="Scandic Oslo City",
        link="",
    )
    return registration_settings_save(
        meeting=gathering,
        is_open=True,
        deadline=in_days(20),
        capacity=3,
        participant_cost="Reise og overnatting dekkes av kommunen",
        user=leader,
    )


def _member(group, role):
    return group.memberships.select_related("user", "group").get(role=role)


def _register(gathering, membership, user=None, needs=""):
    return registration_add(meeting=gathering, membership=membership, needs=needs, user=user or membership.user)


def test_a_member_registers_themselves_with_their_needs_and_gets_a_confirmation_with_the_calendar_entry(
    client, group, gathering
):
    lars = _member(group, Role.LEADER)
    client.force_login(lars.user)
    page = client.get(gathering.get_absolute_url()).content.decode()
    assert "Påmeldingen er åpen" in page
    assert "0 av 3 plasser er tatt" in page
    assert "Reise og overnatting dekkes av kommunen" in page
    response = client.post(
        reverse("meetings:registration_new", kwargs={"pk": gathering.pk}),
        {"membership": lars.pk, "needs": "Glutenfri mat"},
    )
    assert response.status_code == 302
    registration = Registration.objects.get(meeting=gathering)
    assert (registration.membership, registration.needs, registration.registered_by) == (
        lars,
        "Glutenfri mat",
        lars.user,
    )
    assert AuditEvent.objects.filter(action="meeting.registration_added").exists()
    [message] = [m for m in deliver_outbox() if m.to == ["lars@example.org"]]
    assert message.subject.startswith("Påmeldt: Dialogkonferanse 1")
    assert "Dine behov: Glutenfri mat" in message.body
    [part] = calendar_parts(message)
    assert (part.filename, part.method) == ("mote.ics", "REQUEST")
    [event] = part.calendar.walk("VEVENT")
    assert event.value("UID").startswith(str(gathering.uid))
    assert event.utc("DTSTART") == gathering.starts_at
    assert event.text("LOCATION") == "Scandic Oslo City"
    [attendee] = event.all("ATTENDEE")
    assert attendee.value == "mailto:lars@example.org"


def test_a_member_registers_someone_of_their_own_group_and_is_named_in_the_confirmation(group, gathering):
    lars, rita = _member(group, Role.LEADER), _member(group, Role.RESOURCE_TEACHER)
    _register(gathering, rita, user=lars.user)
    [email] = Email.objects.filter(to=rita.user.email)
    assert "Lars Leder har meldt deg på" in email.body


def test_a_member_cannot_register_someone_of_another_group(group, gathering):
    other = MunicipalityGroupFactory(portfolio=group.portfolio)
    stranger = MembershipFactory(group=other, role=Role.LEADER)
    with pytest.raises(RegistrationError, match="egen kommunegruppe"):
        _register(gathering, stranger, user=_member(group, Role.LEADER).user)
    assert not Registration.objects.exists()


def test_nobody_outside_the_portfolio_can_be_registered(group, gathering, leader):
    elsewhere = MembershipFactory(role=Role.LEADER)
    with pytest.raises(RegistrationError):
        _register(gathering, elsewhere, user=leader)


def test_registering_twice_is_refused_in_norwegian(group, gathering):
    lars = _member(group, Role.LEADER)
    _register(gathering, lars)
    with pytest.raises(RegistrationError, match=r"Lars Leder er allerede påmeldt\."):
        _register(gathering, lars)


def test_a_full_gathering_refuses_the_next_registration(group, gathering):
    for _ in range(3):
        _register(gathering, MembershipFactory(group=group, role=Role.OTHER))
    with pytest.raises(RegistrationError, match=r"Fellessamlingen er full: alle 3 plassene er tatt\."):
        _register(gathering, _member(group, Role.LEADER))


def test_the_deadline_closes_registration_and_cancelling_after_it(group, gathering, leader):
    lars = _member(group, Role.LEADER)
    registration = _register(gathering, lars)
    Meeting.objects.filter(pk=gathering.pk).update(registration_deadline=timezone.now() - timedelta(minutes=1))
    gathering.refresh_from_db()
    with pytest.raises(RegistrationError, match="Påmeldingsfristen gikk ut"):
        _register(gathering, _member(group, Role.RESOURCE_TEACHER))
    with pytest.raises(RegistrationError, match="Kontakt programlederen"):
        registration_cancel(registration=registration, user=lars.user)
    # The programme leader may still take someone off the list.
    registration_cancel(registration=registration, user=leader)
    assert not Registration.objects.exists()


def test_a_member_cancels_before_the_deadline_from_the_gathering_page(client, group, gathering):
    lars = _member(group, Role.LEADER)
    registration = _register(gathering, lars)
    client.force_login(lars.user)
    assert "Meld av" in client.get(gathering.get_absolute_url()).content.decode()
    response = client.post(reverse("meetings:registration_cancel", kwargs={"pk": registration.pk}))
    assert response.status_code == 302
    assert not Registration.objects.exists()
    assert AuditEvent.objects.filter(action="meeting.registration_cancelled").exists()


def test_a_closed_registration_takes_no_one_and_its_page_is_a_404(client, group, gathering, leader):
    registration_settings_save(
        meeting=gathering, is_open=False, deadline=None, capacity=None, participant_cost="", user=leader
    )
    gathering.refresh_from_db()
    with pytest.raises(RegistrationError, match="ikke åpen"):
        _register(gathering, _member(group, Role.LEADER))
    client.force_login(_member(group, Role.LEADER).user)
    assert client.get(reverse("meetings:registration_new", kwargs={"pk": gathering.pk})).status_code == 404


def test_the_leader_opens_registration_from_the_gathering_page_and_the_form_keeps_what_was_typed(client, group, leader):
    gathering = MeetingFactory(group=None, portfolio=group.portfolio, kind=Meeting.Kind.GATHERING, title="Samling")
    client.force_login(leader)
    assert "Åpne påmelding" in client.get(gathering.get_absolute_url()).content.decode()
    url = reverse("meetings:registration_settings", kwargs={"pk": gathering.pk})
    response = client.post(
        url, {"is_open": "on", "deadline_time": "12:00", "capacity": "0", "participant_cost": "Reise"}
    )
    html = response.content.decode()
    assert "Velg datoen for fristen." in html
    assert 'value="Reise"' in html
    day = in_days(5).date().isoformat()
    response = client.post(url, {"is_open": "on", "deadline_day": day, "deadline_time": "12:00", "capacity": "40"})
    assert response.status_code == 302
    gathering.refresh_from_db()
    assert gathering.registration_open and gathering.registration_capacity == 40
    assert timezone.localtime(gathering.registration_deadline).hour == 12
    assert AuditEvent.objects.filter(action="meeting.registration_opened").exists()


def test_the_participant_cost_has_a_limit(client, group, leader, gathering):
    client.force_login(leader)
    url = reverse("meetings:registration_settings", kwargs={"pk": gathering.pk})
    response = client.post(url, {"is_open": "on", "participant_cost": "x" * 301})
    assert "Teksten er for lang: høyst 300 tegn" in response.content.decode()
    needs = client.post(
        reverse("meetings:registration_new", kwargs={"pk": gathering.pk}),
        {"membership": MembershipFactory(group=group).pk, "needs": "x" * 501},
    )
    # The programme leader belongs to no group, so they register nobody from the member's page.
    assert needs.status_code == 404


def test_the_needs_have_a_limit_in_the_form(client, group, gathering):
    lars = _member(group, Role.LEADER)
    client.force_login(lars.user)
    response = client.post(
        reverse("meetings:registration_new", kwargs={"pk": gathering.pk}), {"membership": lars.pk, "needs": "x" * 501}
    )
    assert "Teksten er for lang: høyst 500 tegn" in response.content.decode()
    assert not Registration.objects.exists()


def test_the_leader_exports_the_list_and_the_export_is_logged(client, group, gathering, leader):
    _register(gathering, _member(group, Role.LEADER), needs='=HYPERLINK("x")')
    client.force_login(leader)
    response = client.get(reverse("meetings:registration_export", kwargs={"pk": gathering.pk}))
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("Navn", "Rolle", "Kommunegruppe")
    assert rows[1][:2] == ("Lars Leder", "Kulturskoleleder")
    assert rows[1][5] == '=HYPERLINK("x")'
    assert sheet.cell(row=2, column=6).data_type == "s"  # a text, never a formula
    assert AuditEvent.objects.filter(action="meeting.registrations_exported").exists()


def test_registrants_are_among_the_recipients_of_a_coordinator_gatherings_reminders(group, leader):
    item = PlanItemFactory(
        portfolio=group.portfolio, kind=PlanItem.Kind.GATHERING, audience=PlanItem.Audience.COORDINATORS
    )
    gathering = MeetingFactory(
        group=None, portfolio=group.portfolio, kind=Meeting.Kind.GATHERING, plan_item=item, title="Koordinatorsamling"
    )
    registration_settings_save(
        meeting=gathering, is_open=True, deadline=None, capacity=None, participant_cost="", user=leader
    )
    rita = _member(group, Role.RESOURCE_TEACHER)
    assert rita.user not in meeting_participants(gathering)
    _register(gathering, rita, user=_member(group, Role.LEADER).user)
    assert rita.user in meeting_participants(gathering)
    assert Reminder.objects.filter(meeting=gathering, recipient=rita.user, kind=Reminder.Kind.BEFORE_MEETING).exists()


def test_the_leader_records_attendance_from_the_registration_list(client, group, gathering, leader):
    _register(gathering, _member(group, Role.LEADER))
    Meeting.objects.filter(pk=gathering.pk).update(starts_at=in_days(-1), ends_at=in_days(-1) + timedelta(hours=5))
    client.force_login(leader)
    assert "Registrer oppmøte" in client.get(gathering.get_absolute_url()).content.decode()
    html = client.get(reverse("meetings:attendance_edit", kwargs={"pk": gathering.pk})).content.decode()
    assert html.index("Lars Leder") < html.index("Rita Ressurs")


def test_the_gathering_page_costs_the_same_queries_for_few_and_many_registrations(
    client, group, gathering, leader, django_assert_num_queries
):
    client.force_login(leader)
    _register(gathering, _member(group, Role.LEADER))
    # session, user, device, staff roles, the meeting (a gathering: no group's memberships, no earlier tasks),
    # the registrations and their groups' municipalities (2), their count, and whom the user may register: 9.
    with django_assert_num_queries(QUERIES):
        client.get(gathering.get_absolute_url())
    for _ in range(2):
        other = MunicipalityGroupFactory(portfolio=group.portfolio)
        _register(gathering, MembershipFactory(group=other), user=leader)
    with django_assert_num_queries(QUERIES):
        client.get(gathering.get_absolute_url())


QUERIES = 9


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_of_many_simultaneous_registrations_for_the_last_place_exactly_one_gets_it(group, leader):
    gathering = MeetingFactory(group=None, portfolio=group.portfolio, kind=Meeting.Kind.GATHERING, title="Samling")
    registration_settings_save(
        meeting=gathering, is_open=True, deadline=None, capacity=1, participant_cost="", user=leader
    )
    people = [MembershipFactory(group=group, role=Role.OTHER) for _ in range(6)]
    for person in people:
        person.group = group
    start = threading.Barrier(len(people))
    outcomes: list[str] = []

    def register(membership):
        try:
            start.wait(timeout=30)
            _register(gathering, membership)
            outcomes.append("ok")
        except RegistrationError as error:
            outcomes.append(str(error))
        finally:
            connections.close_all()  # this thread's own connection

    threads = [threading.Thread(target=register, args=(person,)) for person in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert outcomes.count("ok") == 1
    assert outcomes.count("Fellessamlingen er full: den ene plassen er tatt.") == len(people) - 1
    assert Registration.objects.filter(meeting=gathering).count() == 1
