"""Writes for meetings, notes, tasks and reminders.

Every e-mail about a meeting is a `Reminder` row with a due time: the reminders before a meeting, the
adviser's reminder of a missing note, and the notices that a meeting was changed or cancelled or that
its note was published. When a row falls due, `reminders_hand_over` renders its e-mail into the outbox
(core.outbox), which sends it. Notices are due at once, and the hand-over is queued when the
transaction commits so that they go out within seconds."""

import hashlib
import secrets
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from typing import TypedDict

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from accounts.services import audit_log
from core import outbox
from core.background import send_soon
from core.concurrency import lock_for_edit, mark_revised
from core.mail import Attachment, build_mail, queue_mail, site_url
from core.models import Email
from municipalities.models import GroupDocument, Membership, MunicipalityGroup, Role
from portfolios.models import PlanItem, Portfolio

from . import ics
from .models import Attendance, CalendarFeed, Meeting, MeetingNote, Registration, Reminder, Task
from .selectors import following_several_groups

PLAN_FORMATS: dict[str, str] = {
    PlanItem.Format.PHYSICAL: Meeting.Format.PHYSICAL,
    PlanItem.Format.DIGITAL: Meeting.Format.DIGITAL,
}
SCHEDULE_FIELDS = ("starts_at", "ends_at", "format", "place", "link")
# The meetings the group's adviser takes part in, and so gets the reminders of.
ADVISER_KINDS = (Meeting.Kind.GUIDANCE, Meeting.Kind.FOLLOW_UP)


class MeetingError(Exception):
    """A change the meeting's state does not allow; the message is for the user."""


class TaskRow(TypedDict):
    """One task of a note as the adviser left it (note_save): `id` is None for a new task."""

    id: int | None
    text: str
    responsible_role: str
    responsible_user: User | None
    due_on: date | None


# Meeting plans


def _window(item: PlanItem) -> tuple[date | None, date | None]:
    """The dates a planned meeting lies within: the plan row's dates, else its weeks (Monday to Sunday), else
    the months its «Når» names («Juni eller august 25»), so that the meeting sorts where it belongs in time."""
    return item.span or (None, None)


def _meeting_from_plan(
    item: PlanItem, *, portfolio: Portfolio, group: MunicipalityGroup | None, kind: str, user: User
) -> Meeting:
    window_start, window_end = _window(item)
    return Meeting(
        portfolio=portfolio,
        group=group,
        plan_item=item,
        title=item.title,
        kind=kind,
        window_start=window_start,
        window_end=window_end,
        format=PLAN_FORMATS.get(item.format, ""),
        created_by=user,
    )


@transaction.atomic
def meetings_create_from_plan(
    *, group: MunicipalityGroup, user: User, request: HttpRequest | None = None
) -> list[Meeting]:
    """Create `group`'s meetings from its portfolio's plan, one per plan row of kind "meeting", and the
    portfolio's gatherings once. Planned meetings lie in the plan's weeks until someone confirms a time.
    Safe to run again: rows that already have their meeting are left alone. Returns the new meetings."""
    portfolio = group.portfolio
    items = list(portfolio.plan_items.filter(kind__in=[PlanItem.Kind.MEETING, PlanItem.Kind.GATHERING]))
    have_group = set(group.meetings.exclude(plan_item=None).values_list("plan_item_id", flat=True))
    have_portfolio = set(
        portfolio.meetings.filter(group=None).exclude(plan_item=None).values_list("plan_item_id", flat=True)
    )
    new = [
        _meeting_from_plan(item, portfolio=portfolio, group=group, kind=Meeting.Kind.GUIDANCE, user=user)
        for item in items
        if item.kind == PlanItem.Kind.MEETING and item.pk not in have_group
    ] + [
        _meeting_from_plan(item, portfolio=portfolio, group=None, kind=Meeting.Kind.GATHERING, user=user)
        for item in items
        if item.kind == PlanItem.Kind.GATHERING and item.pk not in have_portfolio
    ]
    # ignore_conflicts: a second click or a colleague doing the same at the same moment adds nothing.
    Meeting.objects.bulk_create(new, ignore_conflicts=True)
    audit_log(action="meetings.created_from_plan", actor=user, obj=group, request=request, payload={"new": len(new)})
    return new


@transaction.atomic
def local_meeting_add(
    *,
    group: MunicipalityGroup,
    kind: str,
    title: str,
    starts_at: datetime,
    ends_at: datetime,
    format: str,
    place: str = "",
    link: str = "",
    agenda: str = "",
    user: User,
) -> Meeting:
    """A kommunegruppemøte or personalmøte the group holds on its own, confirmed from the start."""
    if kind not in Meeting.LOCAL_KINDS:
        raise MeetingError("Bare kommunegruppemøter og personalmøter kan legges til av kommunen.")
    meeting = Meeting.objects.create(
        portfolio=group.portfolio,
        group=group,
        kind=kind,
        title=title,
        status=Meeting.Status.CONFIRMED,
        starts_at=starts_at,
        ends_at=ends_at,
        format=format,
        place=place,
        link=link,
        agenda=agenda,
        created_by=user,
    )
    reminders_schedule(meeting=meeting)
    return meeting


@transaction.atomic
def meeting_schedule(
    *,
    meeting: Meeting,
    starts_at: datetime,
    ends_at: datetime,
    format: str,
    place: str,
    link: str,
    agenda: str,
    user: User,
    revision: int | None = None,
    request: HttpRequest | None = None,
) -> Meeting:
    """Confirm a meeting's time and place, or change them. Participants of a meeting that was already
    confirmed get a notice of the change with the updated calendar entry; unsent reminders move with it.

    `revision` is the meeting's revision the form was opened at: if the meeting was changed since, nothing
    is saved and StaleEdit is raised (core.concurrency). None checks nothing."""
    meeting = lock_for_edit(Meeting.objects.all(), pk=meeting.pk, revision=revision)
    if meeting.status == Meeting.Status.CANCELLED:
        raise MeetingError("Møtet er avlyst og kan ikke endres.")
    fields = [*SCHEDULE_FIELDS, "agenda"]
    before = {field: getattr(meeting, field) for field in fields}
    was_planned = meeting.status == Meeting.Status.PLANNED
    was_confirmed = meeting.status == Meeting.Status.CONFIRMED
    meeting.starts_at, meeting.ends_at = starts_at, ends_at
    meeting.format, meeting.place, meeting.link, meeting.agenda = format, place, link, agenda
    changed = [field for field in fields if getattr(meeting, field) != before[field]]
    if was_planned:
        meeting.status = Meeting.Status.CONFIRMED
        fields.append("status")
    elif changed:
        # Every change of what the calendar entry holds (the agenda is its description) is a new SEQUENCE,
        # so calendars replace the entry instead of keeping the old one.
        meeting.sequence += 1
        fields.append("sequence")
    if changed:
        fields += mark_revised(meeting, user=user)
    meeting.save(update_fields=fields)
    if changed and not was_planned:
        _reminders_move(meeting)
        # Participants are told of a new time or place; an edited agenda comes with the next reminder.
        if was_confirmed and set(changed) - {"agenda"} and ends_at > timezone.now():
            _notices_add(meeting, Reminder.Kind.CHANGED)
    reminders_schedule(meeting=meeting)
    audit_log(
        action="meeting.scheduled",
        actor=user,
        obj=meeting,
        request=request,
        payload={"starts_at": starts_at.isoformat(), "changed": changed},
    )
    return meeting


@transaction.atomic
def meeting_cancel(*, meeting: Meeting, reason: str, user: User, request: HttpRequest | None = None) -> Meeting:
    """Cancel a meeting: its unsent reminders stop, and if participants knew its time they are told."""
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    if meeting.status in (Meeting.Status.CANCELLED, Meeting.Status.HELD):
        raise MeetingError(f"Et møte som er {meeting.get_status_display().lower()}, kan ikke avlyses.")
    was_confirmed = meeting.status == Meeting.Status.CONFIRMED
    meeting.status = Meeting.Status.CANCELLED
    meeting.cancelled_reason = reason
    meeting.sequence += 1
    meeting.save(update_fields=["status", "cancelled_reason", "sequence"])
    meeting.reminders.filter(status=Reminder.Status.PENDING).update(status=Reminder.Status.CANCELLED)
    _emails_stop(meeting, [Reminder.Kind.BEFORE_MEETING, Reminder.Kind.CHANGED, Reminder.Kind.NOTE_MISSING])
    # A confirmed meeting always has its times (the meeting_confirmed_has_time and meeting_ends_after_start
    # constraints).
    if was_confirmed and meeting.ends_at is not None and meeting.ends_at > timezone.now():
        _notices_add(meeting, Reminder.Kind.CANCELLED)
    audit_log(action="meeting.cancelled", actor=user, obj=meeting, request=request, payload={"reason": reason})
    return meeting


# Notes and tasks


@transaction.atomic
def note_save(
    *,
    meeting: Meeting,
    author: User,
    summary: str,
    agreements: str,
    staff_note: str,
    tasks: Sequence[TaskRow],
    publish: bool = False,
    revision: int | None = None,
    request: HttpRequest | None = None,
    documents: Sequence[GroupDocument] | None = None,
) -> MeetingNote:
    """Save the adviser's note for `meeting` with its tasks, and publish it if asked.

    `tasks` is the whole list as the adviser left it, with the "id" of each task that exists; tasks not
    in the list are deleted, and a task whose id is no longer the note's is added again.
    `revision` is the note's revision the form was opened at (0 for a note not yet written): if the note
    or its tasks were changed since, nothing is saved and StaleEdit is raised (core.concurrency). None
    checks nothing. Only a save that changes something counts as a change.
    `documents` are the group's documents the note links to (None leaves them as they are); ValidationError
    if one is another group's or taken down.
    Publishing shows the note to the group, e-mails its members and marks the meeting held."""
    if documents is not None and any(d.group_id != meeting.group_id or d.hidden_at is not None for d in documents):
        raise ValidationError({"documents": "Velg blant gruppens dokumenter."})
    created, _ = MeetingNote.objects.get_or_create(meeting=meeting, defaults={"author": author})
    # Locked before the tasks are read, so that two saves never interleave their task changes.
    note = lock_for_edit(MeetingNote.objects.all(), pk=created.pk, revision=revision)
    note.meeting = meeting
    texts = {"summary": summary, "agreements": agreements, "staff_note": staff_note}
    changed = any(getattr(note, field) != value for field, value in texts.items())
    existing = {task.pk: task for task in note.tasks.all()}
    kept: list[int] = []
    for order, data in enumerate(tasks):
        user = data["responsible_user"]
        values = {
            "order": order,
            "text": data["text"],
            "responsible_role": data["responsible_role"],
            "responsible_user_id": user.pk if user is not None else None,
            "due_on": data["due_on"],
        }
        task_id = data.get("id")
        task = existing.get(task_id) if task_id else None
        if task is None:
            kept.append(Task.objects.create(note=note, **values).pk)
            changed = True
            continue
        kept.append(task.pk)
        if any(getattr(task, field) != value for field, value in values.items()):
            for field, value in values.items():
                setattr(task, field, value)
            task.save(update_fields=["order", "text", "responsible_role", "responsible_user", "due_on"])
            changed = True
    if set(existing) - set(kept):
        note.tasks.exclude(pk__in=kept).delete()
        changed = True
    if documents is not None and {d.pk for d in documents} != set(note.documents.values_list("pk", flat=True)):
        note.documents.set(documents)
        changed = True
    if changed:
        note.summary, note.agreements, note.staff_note = summary, agreements, staff_note
        note.save(update_fields=[*texts, "updated_at", *mark_revised(note, user=author)])
    if publish and not note.is_published:
        note_publish(note=note, user=author, request=request)
    return note


def note_publish(*, note: MeetingNote, user: User, request: HttpRequest | None = None) -> None:
    """Show the note to the group and tell its members. The reminder of a missing note stops."""
    now = timezone.now()
    note.status, note.published_at = MeetingNote.Status.PUBLISHED, now
    note.save(update_fields=["status", "published_at", "updated_at"])
    meeting = note.meeting
    if meeting.status != Meeting.Status.HELD:
        meeting.status = Meeting.Status.HELD
        meeting.save(update_fields=["status"])
    meeting.reminders.filter(kind=Reminder.Kind.NOTE_MISSING, status=Reminder.Status.PENDING).update(
        status=Reminder.Status.CANCELLED
    )
    _emails_stop(meeting, [Reminder.Kind.NOTE_MISSING])
    _notices_add(meeting, Reminder.Kind.NOTE_PUBLISHED)
    audit_log(action="meeting_note.published", actor=user, obj=meeting, request=request)


def task_set_done(*, task: Task, user: User, done: bool) -> Task:
    task.done_at, task.done_by = (timezone.now(), user) if done else (None, None)
    task.save(update_fields=["done_at", "done_by"])
    return task


# Attendance (oppmøte)


class Guest(TypedDict):
    name: str
    role: str


def attendance_may_include(meeting: Meeting, membership: Membership) -> bool:
    """Whose attendance a meeting may record: a member of the meeting's group, or for a gathering of any
    group in its portfolio. A former member stays possible, so that a record made before they left keeps
    them. Precondition: `membership.group` is loaded for a gathering."""
    if meeting.group_id is not None:
        return membership.group_id == meeting.group_id
    return membership.group.portfolio_id == meeting.portfolio_id


@transaction.atomic
def attendance_record(
    *,
    meeting: Meeting,
    memberships: Iterable[Membership],
    guests: Sequence[Guest],
    user: User,
    request: HttpRequest | None = None,
) -> Meeting:
    """Record who took part in `meeting`: the members by their memberships and the guests by name and
    role. Replaces what was recorded before, so that the form is the whole list each time. Only for a
    meeting that has started and is not cancelled (who may record is `permissions.can_record_attendance`)."""
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    if meeting.status == Meeting.Status.CANCELLED:
        raise MeetingError("Møtet er avlyst, så det er ikke noe oppmøte å registrere.")
    if meeting.starts_at is None or meeting.starts_at > timezone.now():
        raise MeetingError("Oppmøtet kan registreres når møtet har startet.")
    chosen = list({m.pk: m for m in memberships}.values())
    if any(not attendance_may_include(meeting, m) for m in chosen):
        raise MeetingError("Bare deltakere i kommunegruppene som møtet gjelder, kan krysses av.")
    meeting.attendances.all().delete()
    Attendance.objects.bulk_create(
        [Attendance(meeting=meeting, membership=m) for m in chosen]
        + [
            Attendance(meeting=meeting, guest_name=guest["name"].strip(), guest_role=guest["role"].strip())
            for guest in guests
            if guest["name"].strip()
        ]
    )
    meeting.attendance_recorded_at, meeting.attendance_recorded_by = timezone.now(), user
    meeting.save(update_fields=["attendance_recorded_at", "attendance_recorded_by"])
    audit_log(
        action="meeting.attendance_recorded",
        actor=user,
        obj=meeting,
        request=request,
        payload={"members": len(chosen), "guests": sum(bool(g["name"].strip()) for g in guests)},
    )
    return meeting


# Registration for common gatherings (påmelding)


class RegistrationError(MeetingError):
    """A registration the gathering does not allow (closed, past its deadline, full, twice); the message
    is for the user."""


def _local(moment: datetime) -> str:
    return f"{timezone.localtime(moment):%d.%m.%Y kl. %H.%M}"


def registration_settings_save(
    *,
    meeting: Meeting,
    is_open: bool,
    deadline: datetime | None,
    capacity: int | None,
    participant_cost: str,
    user: User,
    request: HttpRequest | None = None,
) -> Meeting:
    """Open, change or close the registration for gathering `meeting` (the programme leader's)."""
    with transaction.atomic():
        meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
        if not meeting.is_gathering:
            raise RegistrationError("Bare fellessamlinger har påmelding.")
        if is_open and meeting.status == Meeting.Status.CANCELLED:
            raise RegistrationError("Fellessamlingen er avlyst, og påmeldingen kan ikke åpnes.")
        meeting.registration_open = is_open
        meeting.registration_deadline = deadline
        meeting.registration_capacity = capacity
        meeting.participant_cost = participant_cost
        meeting.save(
            update_fields=["registration_open", "registration_deadline", "registration_capacity", "participant_cost"]
        )
        payload = {"deadline": deadline.isoformat() if deadline else None, "capacity": capacity}
        # Two literal codes, so that the audit log's texts are checked for each (test_audit_events).
        if is_open:
            audit_log(action="meeting.registration_opened", actor=user, obj=meeting, request=request, payload=payload)
        else:
            audit_log(action="meeting.registration_closed", actor=user, obj=meeting, request=request, payload=payload)
    return meeting


def may_register_for(user: User, membership: Membership) -> bool:
    """A member registers themselves or a person of their own group (both memberships current); the
    programme leader registers anyone. Precondition: `membership.group` and `.user` are loaded."""
    if not Membership.objects.current().filter(pk=membership.pk).exists():
        return False
    if user.is_programme_leader:
        return True
    return Membership.objects.current().filter(user=user, group=membership.group_id).exists()


def registration_add(
    *, meeting: Meeting, membership: Membership, needs: str, user: User, request: HttpRequest | None = None
) -> Registration:
    """Register `membership`'s person for gathering `meeting`, with their needs (diet, access). The
    gathering's row is locked while its places are counted, so that two people taking the last place at
    the same moment cannot both get it. The person gets a confirmation with the gathering's calendar entry
    and, like everyone the gathering concerns, its reminders."""
    with transaction.atomic():
        meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
        if not meeting.is_gathering or not meeting.registration_open or meeting.status == Meeting.Status.CANCELLED:
            raise RegistrationError("Påmeldingen til denne fellessamlingen er ikke åpen.")
        if meeting.registration_deadline is not None and meeting.registration_deadline < timezone.now():
            raise RegistrationError(f"Påmeldingsfristen gikk ut {_local(meeting.registration_deadline)}.")
        if membership.group.portfolio_id != meeting.portfolio_id or not may_register_for(user, membership):
            raise RegistrationError("Du kan bare melde på deg selv og andre i din egen kommunegruppe.")
        if meeting.registrations.filter(membership=membership).exists():
            raise RegistrationError(f"{membership.user.full_name} er allerede påmeldt.")
        capacity = meeting.registration_capacity
        if capacity is not None and meeting.registrations.count() >= capacity:
            places = "den ene plassen" if capacity == 1 else f"alle {capacity} plassene"
            raise RegistrationError(f"Fellessamlingen er full: {places} er tatt.")
        registration = Registration.objects.create(
            meeting=meeting, membership=membership, needs=needs.strip(), registered_by=user
        )
        _registration_confirm(registration)
        reminders_schedule(meeting=meeting)
        audit_log(
            action="meeting.registration_added",
            actor=user,
            obj=meeting,
            request=request,
            payload={"membership": membership.pk},
        )
    return registration


def _registration_confirm(registration: Registration) -> None:
    """The confirmation e-mail, with the gathering's calendar entry once it has a time."""
    meeting, person = registration.meeting, registration.membership.user
    attachments: list[Attachment] = []
    if meeting.starts_at is not None:
        attachments = [ics.invitation_attachment(meeting, recipient=person, several_groups=False)]
    queue_mail(
        to=person.email,
        user=person,
        template="meetings/email/registration_confirmed",
        context={
            "meeting": meeting,
            "registration": registration,
            "recipient": person,
            "registered_by": registration.registered_by,
            "url": site_url(meeting.get_absolute_url()),
        },
        attachments=attachments,
    )


def registration_cancel(*, registration: Registration, user: User, request: HttpRequest | None = None) -> None:
    """Cancel a registration before the deadline (who may is `may_register_for`; the leader at any time)."""
    with transaction.atomic():
        meeting = Meeting.objects.select_for_update().get(pk=registration.meeting_id)
        deadline = meeting.registration_deadline
        if not user.is_programme_leader and deadline is not None and deadline < timezone.now():
            raise RegistrationError(
                f"Påmeldingsfristen gikk ut {_local(deadline)}. Kontakt programlederen for å melde av."
            )
        deleted, _ = Registration.objects.filter(pk=registration.pk).delete()
        if deleted:
            audit_log(
                action="meeting.registration_cancelled",
                actor=user,
                obj=meeting,
                request=request,
                payload={"membership": registration.membership_id},
            )


# Follow-up after the period


@transaction.atomic
def follow_up_add(
    *,
    group: MunicipalityGroup,
    title: str,
    starts_at: datetime,
    ends_at: datetime,
    format: str,
    place: str = "",
    link: str = "",
    agenda: str = "",
    user: User,
    request: HttpRequest | None = None,
) -> Meeting:
    """A follow-up meeting (oppfølgingsmøte) with a completed group, e.g. a year after its period, confirmed
    from the start with reminders as for any meeting."""
    if group.status != MunicipalityGroup.Status.COMPLETED:
        raise MeetingError("Oppfølgingsmøter kan planlegges for kommunegrupper som har fullført perioden.")
    meeting = Meeting.objects.create(
        portfolio=group.portfolio,
        group=group,
        kind=Meeting.Kind.FOLLOW_UP,
        title=title,
        status=Meeting.Status.CONFIRMED,
        starts_at=starts_at,
        ends_at=ends_at,
        format=format,
        place=place,
        link=link,
        agenda=agenda,
        created_by=user,
    )
    reminders_schedule(meeting=meeting)
    audit_log(action="meeting.follow_up_added", actor=user, obj=meeting, request=request)
    return meeting


# Reminders


def meeting_participants(meeting: Meeting) -> QuerySet[User]:
    """Who a meeting concerns: the group's members and, for guidance meetings, its adviser; for a
    gathering, everyone in the portfolio's groups (only coordinators and leaders for a coordinator
    gathering) and the portfolio's advisers. Only people who can log in, and of the members only those
    whose membership is current: someone who has left, or whose group ended early, hears no more of it."""
    if meeting.group_id:
        query = Q(pk__in=Membership.objects.current().filter(group=meeting.group_id).values("user"))
        if meeting.kind in ADVISER_KINDS and meeting.group is not None and meeting.group.adviser_id:
            query |= Q(pk=meeting.group.adviser_id)
    else:
        current = Membership.objects.current()
        members = current.filter(group__portfolio=meeting.portfolio_id)
        if meeting.plan_item is not None and meeting.plan_item.audience == PlanItem.Audience.COORDINATORS:
            members = members.filter(role__in=[Role.COORDINATOR, Role.LEADER])
        # Whoever registered is among them, whatever the gathering's audience (issue 16).
        registered = current.filter(registrations__meeting=meeting.pk)
        query = (
            Q(pk__in=members.values("user"))
            | Q(pk__in=registered.values("user"))
            | Q(advised_portfolios=meeting.portfolio_id)
        )
    return User.objects.filter(query, is_active=True).distinct()


def _before_offsets() -> list[timedelta]:
    return [timedelta(days=days) for days in settings.MEETING_REMINDER_DAYS]


def _due(meeting: Meeting, kind: str, offset: timedelta) -> datetime:
    """Precondition: the meeting has its times (it is confirmed)."""
    assert meeting.starts_at is not None and meeting.ends_at is not None
    if kind == Reminder.Kind.BEFORE_MEETING:
        return meeting.starts_at - offset
    return meeting.ends_at + offset


def reminders_schedule(*, meeting: Meeting) -> None:
    """Create the reminders a confirmed meeting should have: one per participant and offset before its
    current time (none already past), and for a guidance meeting the adviser's reminder of a missing note.
    Idempotent: existing rows stay as they are."""
    if meeting.status != Meeting.Status.CONFIRMED:
        return
    participants = meeting_participants(meeting).values_list("pk", flat=True)
    Reminder.objects.bulk_create(_reminder_rows(meeting, participants, timezone.now()), ignore_conflicts=True)


def _reminder_rows(meeting: Meeting, participants: Iterable[int], now: datetime) -> list[Reminder]:
    """The reminders confirmed `meeting` should have, unsaved, for the people (pks) it concerns: one per
    participant and offset that is still ahead of `now`, and the adviser's reminder of a missing note."""
    # A confirmed meeting has both times (the meeting_confirmed_has_time and meeting_ends_after_start
    # constraints); they are checked so that the type checker knows it too.
    if meeting.starts_at is None or meeting.ends_at is None:
        return []
    starts_at, ends_at = meeting.starts_at, meeting.ends_at
    # The meeting's SEQUENCE is part of a reminder's identity: after a move, the reminders for the new time
    # are new rows, even where the one for the old time was already sent.
    rows = [
        Reminder(
            meeting=meeting,
            recipient_id=user_id,
            kind=Reminder.Kind.BEFORE_MEETING,
            offset=offset,
            sequence=meeting.sequence,
            due_at=due,
        )
        for user_id in participants
        for offset in _before_offsets()
        if (due := starts_at - offset) > now
    ]
    if meeting.kind == Meeting.Kind.GUIDANCE and meeting.group is not None and meeting.group.adviser_id:
        offset = timedelta(days=settings.MEETING_NOTE_MISSING_DAYS)
        rows.append(
            Reminder(
                meeting=meeting,
                recipient_id=meeting.group.adviser_id,
                kind=Reminder.Kind.NOTE_MISSING,
                offset=offset,
                due_at=ends_at + offset,
            )
        )
    return rows


def _participants_by_meeting(meetings: Sequence[Meeting]) -> dict[int, set[int]]:
    """`meeting_participants` of many meetings at once, as pks, in at most three queries whatever their
    number: the groups' members, the members of the gatherings' portfolios, and those portfolios' advisers.
    Precondition: each meeting's group with its adviser, and its plan row, are loaded (select_related)."""
    group_ids = {m.group_id for m in meetings if m.group_id}
    portfolio_ids = {m.portfolio_id for m in meetings if not m.group_id}
    in_group: dict[int, set[int]] = defaultdict(set)
    in_portfolio: dict[int, list[tuple[int, str]]] = defaultdict(list)
    advisers: dict[int, set[int]] = defaultdict(set)
    if group_ids:
        members = Membership.objects.current().filter(group__in=group_ids).order_by()
        for group_id, user_id in members.values_list("group_id", "user_id"):
            in_group[group_id].add(user_id)
    if portfolio_ids:
        members = Membership.objects.current().filter(group__portfolio__in=portfolio_ids).order_by()
        for portfolio_id, user_id, role in members.values_list("group__portfolio_id", "user_id", "role"):
            in_portfolio[portfolio_id].append((user_id, role))
        portfolio_advisers = Portfolio.advisers.through.objects.filter(
            portfolio__in=portfolio_ids, user__is_active=True
        )
        for portfolio_id, user_id in portfolio_advisers.values_list("portfolio_id", "user_id"):
            advisers[portfolio_id].add(user_id)
    result: dict[int, set[int]] = {}
    for meeting in meetings:
        if meeting.group is not None:
            people = set(in_group[meeting.group.pk])
            adviser = meeting.group.adviser
            if meeting.kind in ADVISER_KINDS and adviser is not None and adviser.is_active:
                people.add(adviser.pk)
        else:
            coordinators = (
                meeting.plan_item is not None and meeting.plan_item.audience == PlanItem.Audience.COORDINATORS
            )
            people = {
                user_id
                for user_id, role in in_portfolio[meeting.portfolio_id]
                if not coordinators or role in (Role.COORDINATOR, Role.LEADER)
            } | advisers[meeting.portfolio_id]
        result[meeting.pk] = people
    return result


def reminders_top_up(*, now: datetime | None = None) -> int:
    """Give people who joined a group after its meetings were confirmed their reminders too: schedules
    every confirmed meeting whose first reminder falls within the next day. Run hourly by beat;
    idempotent, so existing rows are untouched. Returns how many meetings it looked at.

    Set-based, so that it costs the same handful of queries for 5 meetings as for 5 000: the meetings, who
    they concern (_participants_by_meeting), the reminders they already have, and one insert of the missing."""
    now = now or timezone.now()
    horizon = now + max(_before_offsets(), default=timedelta(0)) + timedelta(days=1)
    window = Q(status=Meeting.Status.CONFIRMED, starts_at__gt=now, starts_at__lte=horizon)
    meetings = list(Meeting.objects.filter(window).select_related("group__adviser", "plan_item"))
    if not meetings:
        return 0
    participants = _participants_by_meeting(meetings)
    # The rows the meetings already have, by the fields of reminder_once_per_recipient; the same filter as
    # the meetings', so that the query needs no list of their pks.
    existing = set(
        Reminder.objects.filter(
            kind__in=[Reminder.Kind.BEFORE_MEETING, Reminder.Kind.NOTE_MISSING],
            meeting__status=Meeting.Status.CONFIRMED,
            meeting__starts_at__gt=now,
            meeting__starts_at__lte=horizon,
        ).values_list("meeting_id", "recipient_id", "kind", "offset", "sequence")
    )
    missing = [
        row
        for meeting in meetings
        for row in _reminder_rows(meeting, participants[meeting.pk], now)
        if (row.meeting_id, row.recipient_id, row.kind, row.offset, row.sequence) not in existing
    ]
    # ignore_conflicts: a meeting confirmed or a reminder created since the reads above adds nothing twice.
    Reminder.objects.bulk_create(missing, ignore_conflicts=True)
    return len(meetings)


def _reminders_move(meeting: Meeting) -> None:
    """Move unsent reminders with their meeting (to its new time and SEQUENCE); those whose time has passed
    are dropped, since the change notice already carries the new time. reminders_schedule then adds the
    reminders for the new time whose rows for the old time were already sent."""
    now = timezone.now()
    for reminder in meeting.reminders.filter(
        status=Reminder.Status.PENDING, kind__in=[Reminder.Kind.BEFORE_MEETING, Reminder.Kind.NOTE_MISSING]
    ):
        reminder.due_at = _due(meeting, reminder.kind, reminder.offset)
        if reminder.kind == Reminder.Kind.BEFORE_MEETING:
            reminder.sequence = meeting.sequence
            if reminder.due_at <= now:
                reminder.status = Reminder.Status.SKIPPED
                reminder.reason = "Møtet ble flyttet, og tidspunktet for påminnelsen var passert."
        reminder.save(update_fields=["due_at", "status", "sequence", "reason"])
    # E-mails already in the outbox but not yet sent (waiting for a retry) would carry the old time.
    _emails_stop(meeting, [Reminder.Kind.BEFORE_MEETING, Reminder.Kind.CHANGED])


def _emails_stop(meeting: Meeting, kinds: Iterable[str]) -> None:
    """Stops the unsent e-mails of `meeting`'s reminders of `kinds`: what they say is no longer true."""
    outbox.cancel_pending(Email.objects.filter(pk__in=meeting.reminders.filter(kind__in=kinds).values("email")))


def _notices_add(meeting: Meeting, kind: str) -> None:
    """Notices due at once to everyone the meeting concerns (the group only for a published note)."""
    recipients = meeting_participants(meeting)
    if kind == Reminder.Kind.NOTE_PUBLISHED:
        recipients = recipients.filter(memberships__group=meeting.group_id)
    now = timezone.now()
    Reminder.objects.bulk_create(
        [
            Reminder(meeting=meeting, recipient=user, kind=kind, sequence=meeting.sequence, due_at=now)
            for user in recipients
        ],
        ignore_conflicts=True,
    )
    send_soon("meetings.tasks.send_due_reminders")


def reminders_hand_over(*, now: datetime | None = None) -> int:
    """Puts the e-mail of every due reminder in the outbox, each once (core.outbox.hand_over), or records
    why it is no longer worth sending. Returns how many e-mails were queued."""
    return outbox.hand_over(Reminder.objects.all(), load=_load_claimed, build=_build, now=now)


def _load_claimed(reminders: QuerySet[Reminder]) -> list[Reminder]:
    claimed = list(
        reminders.select_related(
            "recipient", "meeting__group__adviser", "meeting__portfolio__programme", "meeting__note"
        ).prefetch_related("meeting__group__municipalities")
    )
    # Who each meeting concerns now: someone who has left the group gets no more reminders.
    participants = {
        meeting.pk: set(meeting_participants(meeting).values_list("pk", flat=True))
        for meeting in {reminder.meeting for reminder in claimed}
    }
    several_groups = following_several_groups({reminder.recipient_id for reminder in claimed})
    for reminder in claimed:
        reminder.participants = participants[reminder.meeting_id]
        reminder.several_groups = several_groups
    return claimed


def _skip_reason(reminder: Reminder) -> str:
    """Why a claimed reminder is no longer worth sending, or ""."""
    meeting = reminder.meeting
    if not reminder.recipient.is_active:
        return "Mottakeren er deaktivert."
    if reminder.kind == Reminder.Kind.NOTE_MISSING:
        # Only the group's adviser now writes the note.
        if meeting.group is None or meeting.group.adviser_id != reminder.recipient_id:
            return "Mottakeren er ikke lenger veileder for gruppen."
        note = getattr(meeting, "note", None)
        if meeting.status == Meeting.Status.CANCELLED or (note and note.is_published):
            return "Referatet er publisert, eller møtet er avlyst."
        return ""
    if reminder.recipient_id not in reminder.participants:
        return "Mottakeren er ikke lenger med."
    if reminder.kind == Reminder.Kind.BEFORE_MEETING and not (
        meeting.status == Meeting.Status.CONFIRMED
        and meeting.starts_at is not None
        and meeting.starts_at > timezone.now()
    ):
        return "Møtet er ikke lenger bekreftet og foran oss."
    # A later change or a cancellation has its own notice; only the newest one is worth sending.
    if reminder.kind == Reminder.Kind.CHANGED and (
        meeting.sequence != reminder.sequence or meeting.status == Meeting.Status.CANCELLED
    ):
        return "Møtet er endret igjen eller avlyst."
    return ""


def _build(reminder: Reminder) -> Email | str:
    """The reminder's e-mail, unsaved; or why it is no longer worth sending (core.outbox.hand_over)."""
    if reason := _skip_reason(reminder):
        return reason
    meeting = reminder.meeting
    context = {
        "meeting": meeting,
        "reminder": reminder,
        "recipient": reminder.recipient,
        "days": reminder.offset.days,
        "url": site_url(meeting.get_absolute_url()),
        "note_url": site_url(reverse("meetings:note_edit", kwargs={"pk": meeting.pk})),
        # A common gathering belongs to no one group, so its notice links to the gathering itself («Se møtet»).
        "plan_url": (
            site_url(reverse("meetings:group_meetings", kwargs={"group_pk": meeting.group_id}))
            if meeting.group_id
            else ""
        ),
    }
    attachments: list[Attachment] = []
    if reminder.kind != Reminder.Kind.NOTE_MISSING and meeting.starts_at:
        attachments = [
            ics.invitation_attachment(
                meeting,
                recipient=reminder.recipient,
                several_groups=reminder.recipient_id in reminder.several_groups,
            )
        ]
    return build_mail(
        to=reminder.recipient.email,
        user=reminder.recipient,
        template=f"meetings/email/{reminder.kind}",
        context=context,
        attachments=attachments,
    )


# Calendar feed


def calendar_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def calendar_feed_renew(*, user: User, request: HttpRequest | None = None) -> str:
    """A new secret calendar address for `user`; the old one stops working. Returns the token, which
    is not stored and can be shown only now."""
    token = secrets.token_urlsafe(32)
    CalendarFeed.objects.update_or_create(user=user, defaults={"token_hash": calendar_token_hash(token)})
    audit_log(action="calendar_feed.renewed", actor=user, obj=user, request=request)
    return token
