"""Reads of the audit log that the log page and its export share."""

import csv
import io
import json
from collections.abc import Iterator, Mapping
from datetime import date, datetime, time, timedelta
from typing import TypedDict

from django.db.models import Q, QuerySet
from django.utils import timezone

from .audit_texts import action_text, actions_of_kind
from .models import AuditEvent

# dd.mm.åååå kl. tt.mm, in Europe/Oslo (the current time zone of every request).
TIME_FORMAT = "%d.%m.%Y kl. %H.%M"
# A spreadsheet reads a cell starting with one of these as a formula (OWASP, "CSV Injection"), and the log
# holds what anyone typed into the login form.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class AuditFilters(TypedDict, total=False):
    person: str
    group: int | None
    kind: str
    date_from: date | None
    date_to: date | None


def audit_events(filters: AuditFilters) -> QuerySet[AuditEvent]:
    """The log's events matching `filters`, newest first, each with its actor.

    `person` matches the actor's name or e-mail address, or the address typed into a login or «Glemt
    passord» form (events without an actor); `kind` is a kind from audit_texts.KINDS or one action code;
    the dates are whole days in Europe/Oslo, both included."""
    events = AuditEvent.objects.select_related("actor")
    if person := (filters.get("person") or "").strip():
        events = events.filter(
            Q(actor__full_name__icontains=person)
            | Q(actor__email__icontains=person)
            | Q(payload__username__icontains=person)
            | Q(payload__email__icontains=person)
        )
    if (group := filters.get("group")) is not None:
        events = events.filter(group_id=group)
    if kind := filters.get("kind"):
        events = events.filter(action__in=actions_of_kind(kind) or [kind])
    zone = timezone.get_current_timezone()
    if date_from := filters.get("date_from"):
        events = events.filter(created_at__gte=datetime.combine(date_from, time.min, tzinfo=zone))
    if date_to := filters.get("date_to"):
        events = events.filter(created_at__lt=datetime.combine(date_to + timedelta(days=1), time.min, tzinfo=zone))
    return events.order_by("-created_at", "-pk")


def event_time(event: AuditEvent) -> str:
    """When the event happened, in Europe/Oslo: «01.12.2026 kl. 09.15»."""
    return timezone.localtime(event.created_at).strftime(TIME_FORMAT)


def event_who(event: AuditEvent) -> str:
    """Who did it: the actor's name, or for events without one (a failed login, a «Glemt passord» request)
    the address typed, or «–»."""
    if event.actor is not None:
        return event.actor.full_name or event.actor.email
    payload = event.payload if isinstance(event.payload, dict) else {}
    typed = payload.get("username") or payload.get("email")
    return str(typed) if typed else "–"


def _safe(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


EXPORT_HEADER = [
    "Tidspunkt (norsk tid)",
    "Hendelse",
    "Kode",
    "Hvem",
    "E-post",
    "Gjelder",
    "Kommunegruppe",
    "IP-adresse",
    "Detaljer",
]


def audit_csv(events: QuerySet[AuditEvent], group_names: Mapping[int, str]) -> Iterator[str]:
    """The events as CSV for Excel (semicolons, a byte order mark, Oslo times), one chunk per row, read
    from the database in batches so that a large export never sits in memory whole. Every cell that a
    spreadsheet would take for a formula starts with an apostrophe."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")

    def flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    writer.writerow(EXPORT_HEADER)
    yield "\ufeff" + flush()
    for event in events.iterator(chunk_size=2000):
        writer.writerow(
            [
                _safe(value)
                for value in (
                    event_time(event),
                    action_text(event.action),
                    event.action,
                    event_who(event),
                    event.actor.email if event.actor is not None else "",
                    event.object_repr,
                    group_names.get(event.group_id, "") if event.group_id is not None else "",
                    event.ip_address or "",
                    json.dumps(event.payload, ensure_ascii=False) if event.payload else "",
                )
            ]
        )
        yield flush()
