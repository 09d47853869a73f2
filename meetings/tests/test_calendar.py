"""Calendar entries as RFC 5546 asks (REQUEST and CANCEL from the organisation to each recipient, the method
on the MIME type), titles that name the group for whoever follows several, and the feed's window; every
entry read back with the strict reader of core.testing.ics, not with the icalendar package that wrote it."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from core.testing.ics import calendar_parts, parse
from core.testing.mail import deliver_outbox
from meetings.models import Reminder
from meetings.services import calendar_feed_renew, meeting_cancel, reminders_hand_over, reminders_schedule
from meetings.tests.factories import MeetingFactory, in_days
from municipalities.models import Role
from municipalities.tests.factories import MembershipFactory, MunicipalityGroupFactory, municipality

pytestmark = pytest.mark.django_db


@pytest.fixture
def meeting():
    meeting = MeetingFactory(title="Veiledningsmøte 2", starts_at=in_days(10))
    MembershipFactory(
        group=meeting.group, role=Role.LEADER, user__email="leder@example.org", user__full_name="Åse Ørnulf"
    )
    reminders_schedule(meeting=meeting)
    return meeting


def _events_by_recipient(method):
    """Every message's one VEVENT, by its recipient; each message's calendar is checked for `method`."""
    events = {}
    for message in deliver_outbox():
        [part] = calendar_parts(message)
        assert part.method == method, part.content_type
        assert part.calendar.value("METHOD") == method
        [events[message.to[0]]] = part.calendar.walk("VEVENT")
    return events


def _check_itip(event, recipient):
    organizer = event.one("ORGANIZER")
    assert (organizer.value, organizer.param("CN")) == ("mailto:veiledning@kulturskoleradet.no", "Norsk kulturskoleråd")
    attendee = event.one("ATTENDEE")
    assert attendee.value == f"mailto:{recipient.email}"
    assert (attendee.param("CN"), attendee.param("ROLE"), attendee.param("PARTSTAT"), attendee.param("RSVP")) == (
        recipient.full_name,
        "REQ-PARTICIPANT",
        "NEEDS-ACTION",
        "FALSE",
    )


def test_a_reminder_carries_a_request_from_the_organisation_to_its_recipient(meeting):
    Reminder.objects.filter(meeting=meeting, offset=timedelta(days=7)).update(due_at=timezone.now())
    reminders_hand_over()
    events = _events_by_recipient("REQUEST")
    leader = meeting.group.memberships.get().user
    assert set(events) == {leader.email, meeting.group.adviser.email}
    _check_itip(events[leader.email], leader)
    _check_itip(events[meeting.group.adviser.email], meeting.group.adviser)
    # Both follow only this group: the title is the meeting's own.
    assert {event.text("SUMMARY") for event in events.values()} == {"Veiledningsmøte 2"}
    assert {event.value("STATUS") for event in events.values()} == {"CONFIRMED"}


def test_a_cancellation_is_a_cancel_with_the_same_uid_and_a_higher_sequence(meeting):
    meeting_cancel(meeting=meeting, reason="Sykdom", user=meeting.group.adviser)
    reminders_hand_over()
    events = _events_by_recipient("CANCEL")
    assert len(events) == 2
    for email, event in events.items():
        assert (event.value("UID"), event.value("SEQUENCE"), event.value("STATUS")) == (
            f"{meeting.uid}@veiledning.kulturskoleradet.no",
            "1",
            "CANCELLED",
        )
        _check_itip(
            event,
            meeting.group.adviser if email == meeting.group.adviser.email else meeting.group.memberships.get().user,
        )


def test_the_title_names_the_group_for_an_adviser_with_two_groups(meeting):
    MunicipalityGroupFactory(
        portfolio=meeting.portfolio, adviser=meeting.group.adviser, municipalities=[municipality("1840")]
    )
    Reminder.objects.filter(meeting=meeting, offset=timedelta(days=7)).update(due_at=timezone.now())
    reminders_hand_over()
    events = _events_by_recipient("REQUEST")
    assert events[meeting.group.adviser.email].text("SUMMARY") == "Veiledningsmøte 2 – Bodø"
    assert events["leder@example.org"].text("SUMMARY") == "Veiledningsmøte 2"


def test_the_method_survives_into_the_sent_message(meeting):
    Reminder.objects.filter(meeting=meeting, offset=timedelta(days=7)).update(due_at=timezone.now())
    reminders_hand_over()
    message = next(m for m in deliver_outbox() if m.to == ["leder@example.org"])
    wire = message.message().as_string()
    assert 'Content-Type: text/calendar; charset="utf-8"; method="REQUEST"' in wire
    assert 'Content-Disposition: attachment; filename="mote.ics"' in wire
    assert mail.outbox[0].body  # the text part is still there beside the attachment


def _feed(client, user):
    response = client.get(f"/moter/kalender/{calendar_feed_renew(user=user)}.ics")
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    calendar = parse(response.content)
    assert calendar.value("METHOD") == "PUBLISH"
    return {event.value("UID").split("@")[0]: event for event in calendar.walk("VEVENT")}


def test_the_feed_holds_the_last_twelve_months_and_everything_ahead(client, meeting):
    old = MeetingFactory(group=meeting.group, starts_at=in_days(-400))
    recent = MeetingFactory(group=meeting.group, starts_at=in_days(-330))
    later = MeetingFactory(group=meeting.group, starts_at=in_days(800))
    events = _feed(client, meeting.group.adviser)
    assert set(events) == {str(m.uid) for m in (meeting, recent, later)}
    assert str(old.uid) not in events
    # Not an invitation: the feed is for information, to no one in particular.
    assert not events[str(meeting.uid)].all("ATTENDEE")


def test_the_feed_names_the_group_for_a_member_of_two_groups(client, meeting):
    leader = meeting.group.memberships.get().user
    other = MeetingFactory(group__municipalities=[municipality("1840")], title="Veiledningsmøte 1")
    MembershipFactory(group=other.group, user=leader)
    events = _feed(client, leader)
    assert events[str(meeting.uid)].text("SUMMARY") == "Veiledningsmøte 2 – Bodø"
    assert events[str(other.uid)].text("SUMMARY") == "Veiledningsmøte 1 – Saltdal"
    # The adviser of the first group follows only that one.
    assert _feed(client, meeting.group.adviser)[str(meeting.uid)].text("SUMMARY") == "Veiledningsmøte 2"


def test_the_feed_costs_the_same_queries_however_many_meetings_and_groups(client, meeting, django_assert_num_queries):
    adviser = meeting.group.adviser
    token = calendar_feed_renew(user=adviser)

    def feed_queries():
        # 1 the feed with its user by the token's hash, 2 the adviser's staff roles (feed_still_wanted),
        # 3–4 the groups the adviser follows (memberships, advised groups), 5 the meetings with their groups,
        # 6 the groups' municipalities
        with django_assert_num_queries(6):
            assert client.get(f"/moter/kalender/{token}.ics").status_code == 200

    feed_queries()
    for number in ("1840", "1841", "1845"):
        MeetingFactory(
            group=MunicipalityGroupFactory(
                portfolio=meeting.portfolio, adviser=adviser, municipalities=[municipality(number)]
            )
        )
    feed_queries()
    assert len(_feed(client, adviser)) == 4
