"""The meetings' part of the permission matrix (see testing/permissions.py)."""

from types import SimpleNamespace

import pytest
from django.core import mail

from meetings.models import Meeting
from meetings.services import calendar_feed_renew, registration_add, registration_settings_save
from meetings.tests.factories import MeetingFactory, MeetingNoteFactory, TaskFactory, in_days
from municipalities.tests.factories import MembershipFactory
from testing.permissions import PERSONAS, check_access, matrix_ids


@pytest.fixture
def world(world):
    for key in ("a", "b"):
        group = world[f"group_{key}"]
        world[f"meeting_{key}"] = MeetingFactory(group=group)
        note = MeetingNoteFactory(meeting__group=group)
        world[f"task_{key}"] = TaskFactory(note=note)
        world[f"gathering_{key}"] = MeetingFactory(
            group=None, portfolio=group.portfolio, kind=Meeting.Kind.GATHERING, title="Dialogkonferanse 1"
        )
    world["feeds"] = SimpleNamespace(a=calendar_feed_renew(user=world["member_a"]))
    # Issue 16: a gathering that was held (for attendance) and one with open registration.
    portfolio_a = world["group_a"].portfolio
    world["held_gathering_a"] = MeetingFactory(
        group=None, portfolio=portfolio_a, kind=Meeting.Kind.GATHERING, title="Samling", starts_at=in_days(-3)
    )
    open_gathering = MeetingFactory(group=None, portfolio=portfolio_a, kind=Meeting.Kind.GATHERING, title="Samling 2")
    world["open_gathering_a"] = registration_settings_save(
        meeting=open_gathering, is_open=True, deadline=None, capacity=None, participant_cost="", user=world["leader"]
    )
    membership_a = world["group_a"].memberships.select_related("user", "group").get(user=world["member_a"])
    world["registration_a"] = registration_add(
        meeting=open_gathering, membership=membership_a, needs="", user=world["member_a"]
    )
    return world


ALL = [302, 200, 200, 200, 200, 200, 200, 302, 200]
A_ONLY = [302, 200, 404, 200, 404, 200, 404, 302, 404]
A_STAFF = [302, 404, 404, 200, 404, 200, 404, 302, 404]  # the group's adviser and the programme leader
A_ADVISER = [302, 404, 404, 200, 404, 404, 404, 302, 404]
LEADER = [302, 404, 404, 404, 404, 200, 404, 302, 404]
NOBODY = [302, 404, 404, 404, 404, 404, 404, 302, 404]
MEMBER_A = [302, 200, 404, 404, 404, 404, 404, 302, 404]

MATRIX = [
    ("meetings:group_meetings", {"group_pk": "group_a.pk"}, A_ONLY),
    ("meetings:group_meetings", {"group_pk": "group_b.pk"}, [302, 404, 200, 404, 200, 200, 404, 302, 404]),
    # Only the kulturskoleleder and the coordinator add local meetings; the world's members are leaders.
    ("meetings:local_meeting_new", {"group_pk": "group_a.pk"}, [302, 200, 404, 404, 404, 404, 404, 302, 404]),
    ("meetings:meeting_detail", {"pk": "meeting_a.pk"}, A_ONLY),
    ("meetings:meeting_detail", {"pk": "gathering_a.pk"}, A_ONLY),
    ("meetings:meeting_edit", {"pk": "meeting_a.pk"}, A_STAFF),
    ("meetings:meeting_edit", {"pk": "gathering_a.pk"}, LEADER),
    ("meetings:meeting_cancel", {"pk": "meeting_a.pk"}, A_STAFF),
    # A note is written once the meeting has started: the note's meeting was five days ago.
    ("meetings:note_edit", {"pk": "task_a.note.meeting.pk"}, A_ADVISER),
    # Attendance: the group's adviser once the meeting has started; the programme leader for a gathering.
    ("meetings:attendance_edit", {"pk": "task_a.note.meeting.pk"}, A_ADVISER),
    ("meetings:attendance_edit", {"pk": "meeting_a.pk"}, NOBODY),  # not started yet
    ("meetings:attendance_edit", {"pk": "held_gathering_a.pk"}, LEADER),
    # Registration: members of the portfolio's groups, while it is open; the leader sets it up and exports.
    ("meetings:registration_new", {"pk": "open_gathering_a.pk"}, MEMBER_A),
    ("meetings:registration_new", {"pk": "gathering_a.pk"}, NOBODY),  # not open
    ("meetings:registration_settings", {"pk": "gathering_a.pk"}, LEADER),
    ("meetings:registration_settings", {"pk": "meeting_a.pk"}, NOBODY),  # not a gathering
    ("meetings:registration_export", {"pk": "open_gathering_a.pk"}, LEADER),
    # Follow-up meetings only for a completed group (test_follow_up.py has one).
    ("meetings:follow_up_new", {"group_pk": "group_a.pk"}, NOBODY),
    ("meetings:calendar", {}, ALL),
    ("meetings:calendar_feed", {"token": "ukjent"}, [404] * 9),
    # member_a's own feed: the address is the key, whoever asks; it stops once member_a is no longer in a group.
    ("meetings:calendar_feed", {"token": "feeds.a"}, [200] * 6 + [404] * 3),
    # The admin is Django's: staff without the permission get its 403, everyone else its login page.
    ("admin:meetings_meeting_changelist", {}, [302, 302, 302, 403, 403, 200, 302, 302, 302]),
    ("admin:meetings_meeting_change", {"object_id": "meeting_a.pk"}, [302, 302, 302, 403, 403, 200, 302, 302, 302]),
    ("admin:meetings_meetingnote_changelist", {}, [302, 302, 302, 403, 403, 200, 302, 302, 302]),
    ("admin:meetings_reminder_changelist", {}, [302, 302, 302, 403, 403, 200, 302, 302, 302]),
]

POST_MATRIX = [
    ("meetings:meetings_create", {"group_pk": "group_a.pk"}, [302, 404, 404, 302, 404, 302, 404, 302, 404]),
    ("meetings:task_toggle", {"pk": "task_a.pk"}, [302, 302, 404, 302, 404, 404, 404, 302, 404]),
    ("meetings:meeting_cancel", {"pk": "meeting_b.pk"}, [302, 404, 404, 404, 200, 200, 404, 302, 404]),
    # member_a's own registration: they and the programme leader take it off the list.
    ("meetings:registration_cancel", {"pk": "registration_a.pk"}, [302, 302, 404, 404, 404, 302, 404, 302, 404]),
    # Without the guests' rows the allowed get the form back (200); nobody else learns the meeting exists.
    ("meetings:attendance_edit", {"pk": "task_a.note.meeting.pk"}, [302, 404, 404, 200, 404, 404, 404, 302, 404]),
    ("meetings:registration_new", {"pk": "open_gathering_a.pk"}, MEMBER_A),
]


@pytest.mark.parametrize(("url_name", "kwargs", "expected"), MATRIX, ids=matrix_ids(MATRIX))
@pytest.mark.parametrize("persona", PERSONAS)
def test_permission_matrix(client, world, url_name, kwargs, expected, persona):
    check_access(client, world, url_name, kwargs, expected, persona)


@pytest.mark.parametrize(("url_name", "kwargs", "expected"), POST_MATRIX, ids=matrix_ids(POST_MATRIX))
@pytest.mark.parametrize("persona", PERSONAS)
def test_post_permission_matrix(client, world, url_name, kwargs, expected, persona):
    # The cancel POST has no reason, so the allowed get the form back (200) and nothing changes.
    check_access(client, world, url_name, kwargs, expected, persona, method="post", data={"done": "1"})


def test_the_staff_note_never_reaches_a_member(client, world):
    client.force_login(world["member_a"])
    note = world["task_a"].note
    html = client.get(note.meeting.get_absolute_url()).content.decode()
    assert note.summary in html
    assert note.staff_note not in html
    assert "Internt notat" not in html


def test_the_staff_note_is_shown_to_the_adviser_and_the_programme_leader(client, world):
    note = world["task_a"].note
    for persona in ("adviser_a", "leader"):
        client.force_login(world[persona])
        assert note.staff_note in client.get(note.meeting.get_absolute_url()).content.decode()


def test_a_draft_note_is_hidden_from_the_group(client, world):
    note = MeetingNoteFactory(meeting__group=world["group_a"], status="draft", published_at=None)
    client.force_login(world["member_a"])
    html = client.get(note.meeting.get_absolute_url()).content.decode()
    assert note.summary not in html
    assert "Det er ikke publisert noe referat" in html
    client.force_login(world["adviser_a"])
    assert note.summary in client.get(note.meeting.get_absolute_url()).content.decode()


def test_the_feed_shows_a_person_their_meetings_and_no_one_elses(client, world):
    token = calendar_feed_renew(user=world["member_a"])
    body = client.get(f"/moter/kalender/{token}.ics").content.decode()
    assert str(world["meeting_a"].uid) in body
    assert str(world["gathering_a"].uid) in body
    assert str(world["meeting_b"].uid) not in body
    assert str(world["gathering_b"].uid) not in body
    assert mail.outbox == []


def test_a_member_cannot_move_a_guidance_meeting(client, world):
    client.force_login(world["member_a"])
    data = {"day": in_days(3).date().isoformat(), "start": "10:00", "end": "11:00", "format": "digital"}
    response = client.post(f"/moter/{world['meeting_a'].pk}/endre/", data)
    assert response.status_code == 404
    world["meeting_a"].refresh_from_db()
    assert world["meeting_a"].starts_at != in_days(3)


def test_an_adviser_who_is_also_a_member_of_another_group_sees_neither_its_staff_note_nor_its_drafts(client, world):
    published = world["task_a"].note
    draft = MeetingNoteFactory(meeting__group=world["group_a"], status="draft", published_at=None)
    MembershipFactory(group=world["group_a"], user=world["adviser_b"])
    client.force_login(world["adviser_b"])
    html = client.get(published.meeting.get_absolute_url()).content.decode()
    assert published.summary in html
    assert published.staff_note not in html
    assert draft.summary not in client.get(draft.meeting.get_absolute_url()).content.decode()


def test_no_note_for_a_meeting_that_has_not_taken_place(client, world):
    client.force_login(world["adviser_a"])
    assert client.get(f"/moter/{world['meeting_a'].pk}/referat/").status_code == 404
    planned = MeetingFactory(group=world["group_a"], status=Meeting.Status.PLANNED, starts_at=None, ends_at=None)
    response = client.post(f"/moter/{planned.pk}/referat/", {"summary": "x", "publish": ""})
    assert response.status_code == 404
