"""iCalendar (RFC 5545) for meetings: e-mail attachments and the personal calendar feed.

Times are written in UTC, which every calendar converts to its own zone, so no VTIMEZONE is needed.
The UID is the meeting's own and never changes; SEQUENCE rises with every change participants should
see, so calendars replace the old version of the event instead of adding a second one."""

from collections.abc import Iterable
from datetime import UTC
from email.utils import parseaddr

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event, vCalAddress

from .models import Meeting

PRODID = f"-//{settings.ORGANISATION['name']}//Veiledning//NO"


def _location(meeting: Meeting) -> str:
    return meeting.place or meeting.link or meeting.get_format_display()


def meeting_event(meeting: Meeting) -> Event:
    """Precondition: the meeting has its times."""
    assert meeting.starts_at is not None and meeting.ends_at is not None
    event = Event()
    event.add("uid", f"{meeting.uid}@{settings.ORGANISATION['calendar_domain']}")
    event.add("sequence", meeting.sequence)
    event.add("dtstamp", timezone.now())
    event.add("dtstart", meeting.starts_at.astimezone(UTC))
    event.add("dtend", meeting.ends_at.astimezone(UTC))
    event.add("summary", meeting.title)
    event.add("status", "CANCELLED" if meeting.status == Meeting.Status.CANCELLED else "CONFIRMED")
    if location := _location(meeting):
        event.add("location", location)
    description = [meeting.agenda.strip(), f"{settings.SITE_URL}{meeting.get_absolute_url()}"]
    event.add("description", "\n\n".join(part for part in description if part))
    event.add("url", f"{settings.SITE_URL}{meeting.get_absolute_url()}")
    organizer = vCalAddress(f"mailto:{parseaddr(settings.DEFAULT_FROM_EMAIL)[1]}")
    organizer.params["cn"] = settings.ORGANISATION["name"]
    event.add("organizer", organizer)
    return event


def calendar_bytes(meetings: Iterable[Meeting], *, name: str | None = None) -> bytes:
    """A calendar of the meetings that have a time. PUBLISH: the events are for information, no replies."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    if name:
        calendar.add("x-wr-calname", name)
    for meeting in meetings:
        if meeting.starts_at:
            calendar.add_component(meeting_event(meeting))
    return calendar.to_ical()
