"""Attendance (oppmøte): who took part in a meeting or gathering, shown on its page, counted per role, and
the warning when the owner or the kulturskoleleder missed the last two guidance meetings (issue 16)."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent
from accounts.tests.factories import ProgrammeLeaderFactory
from meetings.models import Attendance, Meeting
from meetings.selectors import attendance_warnings, group_attendance
from meetings.services import MeetingError, attendance_record
from meetings.tests.factories import MeetingFactory, in_days
from municipalities.models import Role
from municipalities.tests.factories import MembershipFactory, MunicipalityGroupFactory

pytestmark = pytest.mark.django_db

QUERIES = 11


@pytest.fixture
def group():
    group = MunicipalityGroupFactory()
    MembershipFactory(group=group, role=Role.OWNER_POLITICAL, user__full_name="Eva Eier")
    MembershipFactory(group=group, role=Role.LEADER, user__full_name="Lars Leder")
    MembershipFactory(group=group, role=Role.RESOURCE_TEACHER, user__full_name="Rita Ressurs")
    return group


def _member(group, role):
    return group.memberships.get(role=role)


def _held(group, days_ago, **kwargs):
    return MeetingFactory(group=group, status=Meeting.Status.HELD, starts_at=in_days(-days_ago), **kwargs)


def _record(meeting, *roles, guests=()):
    group = meeting.group
    return attendance_record(
        meeting=meeting,
        memberships=[_member(group, role) for role in roles],
        guests=list(guests),
        user=group.adviser,
    )


def _attendance_url(meeting):
    return reverse("meetings:attendance_edit", kwargs={"pk": meeting.pk})


def test_the_adviser_records_members_and_guests_and_the_meeting_page_shows_them_to_the_group(client, group):
    meeting = _held(group, 3)
    owner, leader = _member(group, Role.OWNER_POLITICAL), _member(group, Role.LEADER)
    client.force_login(group.adviser)
    form = client.get(_attendance_url(meeting)).content.decode()
    assert "Eva Eier – Kulturskoleeier (politisk nivå)" in form
    response = client.post(
        _attendance_url(meeting),
        {
            "members": [owner.pk, leader.pk],
            "guests-TOTAL_FORMS": "3",
            "guests-INITIAL_FORMS": "0",
            "guests-0-name": "Per Rådgiver",
            "guests-0-role": "Rådgiver i oppvekst",
            "guests-1-name": "",
            "guests-1-role": "",
            "guests-2-name": "",
            "guests-2-role": "",
        },
    )
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.attendance_recorded_at is not None
    assert meeting.attendance_recorded_by == group.adviser
    assert {a.name for a in meeting.attendances.all()} == {"Eva Eier", "Lars Leder", "Per Rådgiver"}
    assert AuditEvent.objects.filter(action="meeting.attendance_recorded", object_id=str(meeting.pk)).exists()
    client.force_login(_member(group, Role.RESOURCE_TEACHER).user)
    page = client.get(meeting.get_absolute_url()).content.decode()
    assert "Eva Eier – Kulturskoleeier (politisk nivå)" in page
    assert "Per Rådgiver – Rådgiver i oppvekst" in page
    assert "Rita Ressurs – Ressurslærer" not in page  # her name is in the header: she is logged in
    assert "Registrer oppmøte" not in page  # members see it, they do not record it


def test_recording_again_replaces_the_list_and_an_empty_list_still_counts_as_recorded(group):
    meeting = _held(group, 3)
    _record(meeting, Role.OWNER_POLITICAL, Role.LEADER, guests=[{"name": "Gjest", "role": ""}])
    _record(meeting)
    meeting.refresh_from_db()
    assert meeting.attendances.count() == 0
    assert meeting.attendance_recorded


def test_a_former_member_stays_named_in_the_attendance_of_a_meeting_they_were_at(client, group):
    meeting = _held(group, 3)
    _record(meeting, Role.RESOURCE_TEACHER)
    teacher = _member(group, Role.RESOURCE_TEACHER)
    teacher.ended_on = timezone.localdate() - timedelta(days=1)
    teacher.save(update_fields=["ended_on"])
    client.force_login(group.adviser)
    assert "Rita Ressurs – Ressurslærer" in client.get(meeting.get_absolute_url()).content.decode()
    # The form still offers them, marked as gone, so that saving it again does not drop them.
    assert "Rita Ressurs – Ressurslærer (har sluttet)" in client.get(_attendance_url(meeting)).content.decode()


def test_no_attendance_before_the_meeting_has_started_nor_for_a_cancelled_one(client, group):
    ahead = MeetingFactory(group=group, starts_at=in_days(2))
    with pytest.raises(MeetingError, match="når møtet har startet"):
        _record(ahead, Role.LEADER)
    cancelled = _held(group, 3, cancelled_reason="Sykdom")
    Meeting.objects.filter(pk=cancelled.pk).update(status=Meeting.Status.CANCELLED)
    cancelled.refresh_from_db()
    with pytest.raises(MeetingError, match="avlyst"):
        _record(cancelled, Role.LEADER)
    client.force_login(group.adviser)
    assert client.get(_attendance_url(ahead)).status_code == 404


def test_a_member_of_another_group_cannot_be_recorded_at_a_group_meeting(group):
    meeting = _held(group, 3)
    stranger = MembershipFactory(role=Role.LEADER)
    with pytest.raises(MeetingError, match="Bare deltakere"):
        attendance_record(meeting=meeting, memberships=[stranger], guests=[], user=group.adviser)
    assert not meeting.attendances.exists()


def test_a_guest_role_without_a_name_is_refused_in_norwegian_and_kept(client, group):
    meeting = _held(group, 3)
    client.force_login(group.adviser)
    response = client.post(
        _attendance_url(meeting),
        {"guests-TOTAL_FORMS": "1", "guests-INITIAL_FORMS": "0", "guests-0-name": "", "guests-0-role": "Lærer"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Skriv gjestens navn, eller fjern rollen." in html
    assert 'value="Lærer"' in html
    assert not Meeting.objects.get(pk=meeting.pk).attendance_recorded


def test_a_guest_name_over_its_limit_is_refused(client, group):
    meeting = _held(group, 3)
    client.force_login(group.adviser)
    response = client.post(
        _attendance_url(meeting),
        {"guests-TOTAL_FORMS": "1", "guests-INITIAL_FORMS": "0", "guests-0-name": "x" * 201, "guests-0-role": ""},
    )
    assert "Teksten er for lang: høyst 200 tegn" in response.content.decode()


def test_the_database_refuses_an_attendance_that_is_neither_member_nor_guest_or_a_member_twice(group):
    meeting = _held(group, 3)
    with pytest.raises(IntegrityError), transaction.atomic():
        Attendance.objects.create(meeting=meeting)
    leader = _member(group, Role.LEADER)
    Attendance.objects.create(meeting=meeting, membership=leader)
    with pytest.raises(IntegrityError), transaction.atomic():
        Attendance.objects.create(meeting=meeting, membership=leader)


def test_the_programme_leader_records_a_gathering_from_every_group_of_the_portfolio_registered_first(client, group):
    other = MunicipalityGroupFactory(portfolio=group.portfolio)
    coordinator = MembershipFactory(group=other, role=Role.COORDINATOR, user__full_name="Kari Koordinator")
    gathering = MeetingFactory(
        group=None, portfolio=group.portfolio, kind=Meeting.Kind.GATHERING, starts_at=in_days(-1), title="Samling"
    )
    gathering.registrations.create(membership=coordinator, registered_by=coordinator.user)
    leader = ProgrammeLeaderFactory()
    client.force_login(leader)
    html = client.get(_attendance_url(gathering)).content.decode()
    assert html.index("Kari Koordinator") < html.index("Eva Eier")
    assert "påmeldt" in html
    client.post(
        _attendance_url(gathering),
        {
            "members": [coordinator.pk, _member(group, Role.LEADER).pk],
            "guests-TOTAL_FORMS": "0",
            "guests-INITIAL_FORMS": "0",
        },
    )
    assert {a.membership for a in gathering.attendances.all()} == {coordinator, _member(group, Role.LEADER)}
    # Not the advisers: a gathering's attendance is the programme leader's.
    client.force_login(group.adviser)
    assert client.get(_attendance_url(gathering)).status_code == 404


def test_the_group_meetings_page_counts_how_often_each_role_took_part(client, group):
    first, second = _held(group, 30), _held(group, 10)
    _held(group, 20)  # attendance not recorded: not counted
    _record(first, Role.OWNER_POLITICAL, Role.LEADER)
    _record(second, Role.LEADER)
    gathering = MeetingFactory(
        group=None, portfolio=group.portfolio, kind=Meeting.Kind.GATHERING, starts_at=in_days(-5), title="Samling"
    )
    attendance_record(
        meeting=gathering, memberships=[_member(group, Role.LEADER)], guests=[], user=ProgrammeLeaderFactory()
    )
    summary = group_attendance(group)
    assert (summary.guidance_recorded, summary.gatherings_recorded) == (2, 1)
    assert [(r.role, r.guidance, r.gatherings) for r in summary.roles] == [
        ("Kulturskoleeier (politisk nivå)", 1, 0),
        ("Kulturskoleleder", 2, 1),
    ]
    client.force_login(_member(group, Role.LEADER).user)
    html = client.get(reverse("meetings:group_meetings", kwargs={"group_pk": group.pk})).content.decode()
    assert "Oppmøte etter rolle" in html
    assert "2 av 2" in html


def test_the_warning_needs_two_recorded_meetings_both_missed(group):
    older = _held(group, 30)
    _record(older, Role.LEADER)
    assert attendance_warnings([group.pk]) == {}  # one recorded meeting is not two
    latest = _held(group, 10)
    _record(latest, Role.LEADER)
    assert attendance_warnings([group.pk]) == {
        group.pk: ["Kulturskoleeier var ikke med på de to siste veiledningsmøtene."]
    }
    # Present at one of the two: no warning.
    _record(older, Role.LEADER, Role.OWNER_POLITICAL)
    assert attendance_warnings([group.pk]) == {}


def test_the_warning_reads_only_the_last_two_recorded_meetings_and_any_owner_role(group):
    _record(_held(group, 40), Role.RESOURCE_TEACHER)  # everyone but the teacher missed it, long ago
    _record(_held(group, 30), Role.OWNER_POLITICAL)
    _record(_held(group, 20), Role.LEADER)
    _held(group, 5)  # held, but nobody recorded who came: it does not count as missed
    assert attendance_warnings([group.pk]) == {}
    director = MembershipFactory(group=group, role=Role.MUNICIPAL_DIRECTOR)
    latest = _held(group, 10)
    attendance_record(meeting=latest, memberships=[director], guests=[], user=group.adviser)
    # The last two recorded: day -10 (the kommunedirektør, an owner role) and day -20 (the leader).
    assert attendance_warnings([group.pk]) == {}
    _record(latest)
    assert attendance_warnings([group.pk]) == {
        group.pk: ["Kulturskoleeier var ikke med på de to siste veiledningsmøtene."]
    }
    _record(Meeting.objects.get(group=group, starts_at=in_days(-20)))
    assert attendance_warnings([group.pk]) == {
        group.pk: [
            "Kulturskoleeier var ikke med på de to siste veiledningsmøtene.",
            "Kulturskoleleder var ikke med på de to siste veiledningsmøtene.",
        ]
    }


def test_the_warnings_cost_one_query_however_many_groups(group, django_assert_num_queries):
    _record(_held(group, 20), Role.LEADER)
    _record(_held(group, 10), Role.LEADER)
    groups = [group.pk]
    for _ in range(5):
        other = MunicipalityGroupFactory(portfolio=group.portfolio)
        MembershipFactory(group=other, role=Role.LEADER)
        for days in (20, 10):
            meeting = _held(other, days)
            attendance_record(meeting=meeting, memberships=list(other.memberships.all()), guests=[], user=other.adviser)
        groups.append(other.pk)
    # The recorded guidance meetings of the groups, with whether an owner and a leader took part (1).
    with django_assert_num_queries(1):
        warnings = attendance_warnings(groups)
    assert len(warnings) == 6


def test_the_attendance_form_costs_the_same_queries_for_few_and_many_members(client, group, django_assert_num_queries):
    meeting = _held(group, 3)
    client.force_login(group.adviser)
    # session, user, device, staff roles, the meeting and its group's memberships (2), the candidates: the
    # registered, the memberships and their groups' municipalities (3), what was recorded (1), and the
    # municipalities of the group's name in the heading (1): 11.
    with django_assert_num_queries(QUERIES) as few:
        assert client.get(_attendance_url(meeting)).status_code == 200
    for _ in range(10):
        MembershipFactory(group=group, role=Role.RESOURCE_TEACHER)
    _record(meeting, Role.LEADER, Role.OWNER_POLITICAL)
    with django_assert_num_queries(QUERIES):
        assert client.get(_attendance_url(meeting)).status_code == 200
    assert few
