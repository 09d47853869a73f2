"""iCalendar (RFC 5545) for meetings: the e-mail attachments (RFC 5546 iTIP) and the personal calendar feed.

Times are written in UTC, which every calendar converts to its own zone, so no VTIMEZONE is needed.
The UID is the meeting's own and never changes; SEQUENCE rises with every change participants should
see, so calendars replace the old version of the event instead of adding a second one.

An e-mail carries an iTIP message to one person: REQUEST for a new or changed meeting, CANCEL for a
cancelled one, with the organisation as ORGANIZER and the recipient as ATTENDEE, so that Outlook and
Gmail update or remove the entry they already have. The feed is a PUBLISH calendar: a subscription is
for information and is never answered."""

from collections.abc import Iterable
from datetime import UTC
from typing import Literal

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event, vCalAddress

from accounts.models import User

from .models import Meeting

PRODID = f"-//{settings.ORGANISATION['name']}//Veiledning//NO"

Method = Literal["PUBLISH", "REQUEST", "CANCEL"]


def _location(meeting: Meeting) -> str:
    return meeting.place or meeting.link or meeting.get_format_display()


def event_title(meeting: Meeting, *, several_groups: bool) -> str:
    """The meeting's title, with its group's name for someone who follows more than one group: an adviser
    with eight groups would otherwise see eight «Veiledningsmøte 3» in one week."""
    if several_groups and meeting.group is not None:
        return f"{meeting.title} – {meeting.group.display_name}"
    return meeting.title


def _address(email: str, name: str) -> vCalAddress:
    address = vCalAddress(f"mailto:{email}")
    address.params["cn"] = name
    return address


def meeting_event(meeting: Meeting, *, title: str, attendee: User | None = None) -> Event:
    """Precondition: the meeting has its times."""
    assert meeting.starts_at is not None and meeting.ends_at is not None
    event = Event()
    event.add("uid", f"{meeting.uid}@{settings.ORGANISATION['calendar_domain']}")
    event.add("sequence", meeting.sequence)
    event.add("dtstamp", timezone.now())
    event.add("dtstart", meeting.starts_at.astimezone(UTC))
    event.add("dtend", meeting.ends_at.astimezone(UTC))
    event.add("summary", title)
    event.add("status", "CANCELLED" if meeting.status == Meeting.Status.CANCELLED else "CONFIRMED")
    if location := _location(meeting):
        event.add("location", location)
    description = [meeting.agenda.strip(), f"{settings.SITE_URL}{meeting.get_absolute_url()}"]
    event.add("description", "\n\n".join(part for part in description if part))
    event.add("url", f"{settings.SITE_URL}{meeting.get_absolute_url()}")
    event.add("organizer", _address(settings.ORGANISATION["email"], settings.ORGANISATION["name"]))
    if attendee is not None:
        address = _address(attendee.email, attendee.full_name or attendee.email)
        # Informational: the portal takes no replies, so calendars must not offer to send one.
        address.params.update({"role": "REQ-PARTICIPANT", "partstat": "NEEDS-ACTION", "rsvp": "FALSE"})
        event.add("attendee", address)
    return event


def _calendar(method: Method, events: Iterable[Event], *, name: str | None = None) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", method)
    if name:
        calendar.add("x-wr-calname", name)
    for event in events:
        calendar.add_component(event)
    return calendar.to_ical()


def invitation_method(meeting: Meeting) -> Method:
    return "CANCEL" if meeting.status == Meeting.Status.CANCELLED else "REQUEST"


def invitation_attachment(meeting: Meeting, *, recipient: User, several_groups: bool) -> tuple[str, bytes, str]:
    """The meeting's iTIP message to `recipient` as an e-mail attachment (core.mail.Attachment), with the
    method on the MIME type as RFC 6047 asks. Precondition: the meeting has its times."""
    method = invitation_method(meeting)
    event = meeting_event(meeting, title=event_title(meeting, several_groups=several_groups), attendee=recipient)
    return ("mote.ics", _calendar(method, [event]), f"text/calendar; charset=utf-8; method={method}")


def feed_bytes(meetings: Iterable[Meeting], *, name: str, several_groups: bool) -> bytes:
    """A PUBLISH calendar of the meetings that have a time."""
    events = (
        meeting_event(meeting, title=event_title(meeting, several_groups=several_groups))
        for meeting in meetings
        if meeting.starts_at
    )
    return _calendar("PUBLISH", events, name=name)
