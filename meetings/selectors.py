"""Reads of meetings that several views share."""

import itertools
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Exists, F, Func, IntegerField, Model, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.access import AccessRefused
from accounts.models import User
from municipalities.models import (
    OWNER_ROLES,
    ROLE_ORDER,
    Membership,
    MunicipalityGroup,
    MunicipalityGroupQuerySet,
    Role,
)

from .models import Attendance, Meeting, MeetingNote, Registration, Task

# The calendar feed reaches this far back: a year of past meetings to look up, not every year's.
FEED_PAST = timedelta(days=365)

RECOMMENDED_ORDER = ["Veiledningsmøte", "Kommunegruppemøte", "Personalmøte", "Kommunegruppemøte"]


def get_meeting_for_user(user: User, pk: int) -> Meeting:
    """The meeting `pk` if `user` may see it; otherwise AccessRefused (a 404)."""
    meeting = (
        Meeting.objects.visible_to(user).with_details().prefetch_related("group__memberships").filter(pk=pk).first()
    )
    if meeting is None:
        raise AccessRefused("meetings.meeting", pk)
    return meeting


@dataclass
class Gap:
    after: Meeting
    before: Meeting


@dataclass
class MeetingPlan:
    """A group's meetings in time order, with what the plan still lacks."""

    meetings: list[Meeting] = field(default_factory=list)
    gaps: list[Gap] = field(default_factory=list)

    @property
    def guidance(self) -> list[Meeting]:
        return [m for m in self.meetings if m.kind == Meeting.Kind.GUIDANCE and m.status != Meeting.Status.CANCELLED]

    @property
    def is_created(self) -> bool:
        return bool(self.guidance)

    @property
    def undated(self) -> list[Meeting]:
        return [m for m in self.guidance if not m.has_time]

    @property
    def upcoming(self) -> Meeting | None:
        now = timezone.now()
        # A confirmed meeting always has a time (the meeting_confirmed_has_time constraint).
        return next(
            (
                m
                for m in self.meetings
                if m.status == Meeting.Status.CONFIRMED and m.starts_at is not None and m.starts_at >= now
            ),
            None,
        )

    @property
    def is_complete(self) -> bool:
        """«Møtedatoer på plass for hele perioden»: every guidance meeting has its date and time."""
        return self.is_created and not self.undated


def _sort_key(meeting: Meeting) -> tuple[bool, date, datetime, int]:
    day = _day(meeting)  # the Norwegian date: a meeting at 00.30 belongs to its own day, not the UTC one
    return (day is None, day or timezone.localdate(), meeting.starts_at or timezone.now(), meeting.pk)


def _day(meeting: Meeting) -> date | None:
    """The day a meeting is held, or for one without a time the first day the plan gives it: its window, or
    for a meeting made before plan rows that name only months («Juni eller august 25») had one, those months.
    Reads the plan row: load it with the meeting."""
    if meeting.starts_at:
        return timezone.localtime(meeting.starts_at).date()
    if meeting.window_start:
        return meeting.window_start
    span = meeting.plan_item.span if meeting.plan_item_id and meeting.plan_item else None
    return span[0] if span else None


def meeting_plan(group: MunicipalityGroup) -> MeetingPlan:
    """The group's meetings and the portfolio's gatherings, in order, and the periods between two
    guidance meetings with no kommunegruppemøte or personalmøte (the evaluation found that groups lose
    momentum there). Two queries."""
    meetings = sorted(
        Meeting.objects.filter(Q(group=group) | Q(group=None, portfolio=group.portfolio_id)).select_related(
            "note", "plan_item"
        ),
        key=_sort_key,
    )
    plan = MeetingPlan(meetings=meetings)
    guidance = [(m, day) for m in plan.guidance if (day := _day(m))]
    local_days = [day for m in meetings if m.is_local and m.status != Meeting.Status.CANCELLED and (day := _day(m))]
    for (first, first_day), (second, second_day) in itertools.pairwise(guidance):
        if not any(first_day < day < second_day for day in local_days):
            plan.gaps.append(Gap(after=first, before=second))
    return plan


def open_tasks_before(meeting: Meeting) -> QuerySet[Task]:
    """Open tasks from the published notes of the group's earlier meetings: what the group took on
    for the period that ends with this meeting."""
    if meeting.group_id is None:
        return Task.objects.none()
    earlier = Q(note__meeting__starts_at__lt=meeting.starts_at) if meeting.starts_at else Q()
    return (
        Task.objects.open()
        .published()
        .filter(earlier, note__meeting__group=meeting.group_id)
        .exclude(note__meeting=meeting)
        .select_related("note__meeting", "responsible_user")
        .order_by("due_on", "pk")
    )


def _count(queryset: QuerySet[Model]) -> Coalesce:
    """A correlated COUNT(*) usable as an annotation. COUNT as a plain function makes no GROUP BY, so
    the subquery returns exactly one row."""
    return Coalesce(
        Subquery(queryset.order_by().annotate(n=Func(F("pk"), function="COUNT")).values("n")),
        Value(0),
        output_field=IntegerField(),
    )


def _held_guidance(now: datetime) -> QuerySet[Meeting]:
    """The group's (OuterRef) guidance meetings that have been held: marked held, or confirmed and over."""
    return Meeting.objects.filter(
        Q(status=Meeting.Status.HELD) | Q(status=Meeting.Status.CONFIRMED, ends_at__lt=now),
        group=OuterRef("pk"),
        kind=Meeting.Kind.GUIDANCE,
    )


def with_meeting_counts(groups: MunicipalityGroupQuerySet) -> MunicipalityGroupQuerySet:
    """Annotate groups with how many guidance meetings are confirmed and still ahead (`confirmed_meetings`)
    and how many are held (`held_meetings`), for the programme leader's status matrix; with
    `with_meeting_overview`, part of the one query for the groups."""
    now = timezone.now()
    ahead = Meeting.objects.filter(
        group=OuterRef("pk"), kind=Meeting.Kind.GUIDANCE, status=Meeting.Status.CONFIRMED
    ).exclude(ends_at__lt=now)
    return groups.annotate(confirmed_meetings=_count(ahead), held_meetings=_count(_held_guidance(now)))


def with_meeting_overview(groups: MunicipalityGroupQuerySet) -> MunicipalityGroupQuerySet:
    """Annotate groups with what the adviser's and the programme leader's lists show: the next meeting,
    how many guidance meetings still lack a date, meetings held without a published note, open and
    overdue tasks. Part of the one query for the groups, whatever their number."""
    now = timezone.now()
    upcoming = Meeting.objects.filter(
        group=OuterRef("pk"), status=Meeting.Status.CONFIRMED, starts_at__gte=now
    ).order_by("starts_at")
    held = _held_guidance(now).exclude(note__status=MeetingNote.Status.PUBLISHED)
    tasks = Task.objects.open().published().filter(note__meeting__group=OuterRef("pk"))
    guidance = Meeting.objects.filter(group=OuterRef("pk"), kind=Meeting.Kind.GUIDANCE).exclude(
        status=Meeting.Status.CANCELLED
    )
    return groups.annotate(
        guidance_meetings=_count(guidance),
        undated_meetings=_count(guidance.filter(starts_at=None)),
        next_meeting_pk=Subquery(upcoming.values("pk")[:1]),
        next_meeting_title=Subquery(upcoming.values("title")[:1]),
        next_meeting_at=Subquery(upcoming.values("starts_at")[:1]),
        notes_missing=_count(held),
        open_tasks=_count(tasks),
        overdue_tasks=_count(tasks.filter(due_on__lt=timezone.localdate())),
    )


def feed_still_wanted(user: User) -> bool:
    """A calendar feed keeps working for staff (the programme leader, advisers) and for a person with a
    current membership; for someone whose every membership has ended it stops."""
    return user.is_programme_leader or user.is_adviser or Membership.objects.current().filter(user=user).exists()


def meetings_for_user(user: User) -> QuerySet[Meeting]:
    """Every meeting with a time in the last year (FEED_PAST) or ahead that concerns `user`, for their
    calendar feed: their groups' meetings, the guidance and follow-up meetings of the groups they advise, and the
    gatherings of their portfolios (all gatherings for the programme leader, who runs them)."""
    memberships = Membership.objects.current().filter(user=user)
    query = (
        Q(group__in=memberships.values("group"))
        | Q(group__adviser=user, kind__in=[Meeting.Kind.GUIDANCE, Meeting.Kind.FOLLOW_UP])
        | Q(group=None, portfolio__in=memberships.values("group__portfolio"))
        | Q(group=None, portfolio__in=user.advised_portfolios.values("pk"))
    )
    if user.is_programme_leader:
        query |= Q(group=None)
    return (
        Meeting.objects.filter(query, starts_at__gte=timezone.now() - FEED_PAST)
        .select_related("group")
        .prefetch_related("group__municipalities")
        .order_by("starts_at")
    )


def following_several_groups(user_ids: Iterable[int]) -> set[int]:
    """Of `user_ids`, those who follow more than one group: as a current member, or as the adviser of a
    group that is admitted or running. Their calendar entries name the group (meetings.ics.event_title).
    Two queries, however many users."""
    user_ids = list(user_ids)
    followed: defaultdict[int, set[int]] = defaultdict(set)
    memberships = Membership.objects.current().filter(user__in=user_ids).values_list("user_id", "group_id")
    advised = MunicipalityGroup.objects.filter(
        adviser__in=user_ids, status__in=[MunicipalityGroup.Status.ADMITTED, MunicipalityGroup.Status.ACTIVE]
    ).values_list("adviser_id", "pk")
    for user_id, group_id in itertools.chain(memberships, advised):
        followed[user_id].add(group_id)
    return {user_id for user_id, groups in followed.items() if len(groups) > 1}


# How far ahead an open task's deadline counts as due soon on a member's «Å gjøre».
TASKS_DUE_WITHIN_DAYS = 14


def tasks_due_for(user: User, *, group: MunicipalityGroup | None = None) -> list[Task]:
    """The open tasks from published notes of `user`'s current groups (or of `group` alone) that are theirs:
    given to them by name, or to nobody by name and to their role in that group or to no role (the whole
    group); overdue or due within TASKS_DUE_WITHIN_DAYS. One query."""
    current = Membership.objects.current().filter(user=user)
    own_role = Exists(current.filter(group=OuterRef("note__meeting__group"), role=OuterRef("responsible_role")))
    tasks = (
        Task.objects.open()
        .published()
        .filter(
            Q(responsible_user=user) | Q(responsible_user=None) & (Q(responsible_role="") | own_role),
            note__meeting__group__in=current.values("group"),
            due_on__lte=timezone.localdate() + timedelta(days=TASKS_DUE_WITHIN_DAYS),
        )
        .select_related("note__meeting")
        .order_by("due_on", "pk")
    )
    if group is not None:
        tasks = tasks.filter(note__meeting__group=group)
    return list(tasks)


def _advised_guidance(user: User) -> QuerySet[Meeting]:
    # With the group's municipalities, which its display name reads; the plan row for the week it lies in.
    return (
        Meeting.objects.filter(group__adviser=user, kind=Meeting.Kind.GUIDANCE)
        .exclude(status=Meeting.Status.CANCELLED)
        .exclude(group__status=MunicipalityGroup.Status.ENDED_EARLY)
        .select_related("group", "plan_item")
        .prefetch_related("group__municipalities")
    )


def meetings_without_date(user: User) -> list[Meeting]:
    """The guidance meetings of the groups `user` advises that have no date and time yet. Two queries."""
    return sorted(_advised_guidance(user).filter(starts_at=None), key=_sort_key)


def meetings_without_note(user: User) -> list[Meeting]:
    """The guidance meetings of the groups `user` advises that were held (or are past) without a published
    note, as with_meeting_overview counts them. Two queries."""
    held = Q(status=Meeting.Status.HELD) | Q(status=Meeting.Status.CONFIRMED, ends_at__lt=timezone.now())
    meetings = _advised_guidance(user).filter(held).exclude(note__status=MeetingNote.Status.PUBLISHED)
    return sorted(meetings, key=_sort_key)


# Attendance (issue 16)


def attendance_of(meeting: Meeting) -> list[Attendance]:
    """Who took part in `meeting`: members in role order and by name, then guests. One query (two for a
    gathering, whose members' groups are named by their municipalities)."""
    rows = Attendance.objects.filter(meeting=meeting).select_related("membership__user", "membership__group")
    if meeting.group_id is None:
        rows = rows.prefetch_related("membership__group__municipalities")
    return sorted(rows, key=_attendance_key)


def _attendance_key(row: Attendance) -> tuple[int, int, str]:
    if row.membership is None:
        return (1, 0, row.guest_name.lower())
    return (0, ROLE_ORDER.index(row.membership.role), row.membership.user.full_name.lower())


def attendance_candidates(meeting: Meeting) -> list[Membership]:
    """The people the attendance form offers: the group's current members, or for a gathering those
    registered first and then the current members of every group in the portfolio; and anyone already
    recorded, who may have left since. Two queries."""
    recorded = Attendance.objects.filter(meeting=meeting, membership__isnull=False).values("membership")
    if meeting.group_id is not None:
        current = Membership.objects.current().filter(group=meeting.group_id)
    else:
        current = Membership.objects.current().filter(group__portfolio=meeting.portfolio_id)
    registered = set(Registration.objects.filter(meeting=meeting).values_list("membership_id", flat=True))
    people = (
        Membership.objects.filter(Q(pk__in=current.values("pk")) | Q(pk__in=recorded))
        .select_related("user", "group")
        .prefetch_related("group__municipalities")
    )
    return sorted(
        people,
        key=lambda m: (
            m.pk not in registered,
            m.group.display_name if meeting.group_id is None else "",
            ROLE_ORDER.index(m.role),
            m.user.full_name.lower(),
        ),
    )


@dataclass
class RoleAttendance:
    """How often a role of the group took part: in how many of the meetings with attendance recorded."""

    role: str
    guidance: int
    gatherings: int


@dataclass
class GroupAttendance:
    guidance_recorded: int
    gatherings_recorded: int
    roles: list[RoleAttendance]


def group_attendance(group: MunicipalityGroup) -> GroupAttendance:
    """Per role of `group`, in how many of its guidance meetings and of its portfolio's gatherings with
    attendance recorded someone in that role took part. Two queries, whatever the number of meetings."""
    meetings = list(
        Meeting.objects.filter(
            Q(group=group, kind=Meeting.Kind.GUIDANCE) | Q(group=None, portfolio=group.portfolio_id),
            attendance_recorded_at__isnull=False,
        )
        .exclude(status=Meeting.Status.CANCELLED)
        .values_list("pk", "group_id")
    )
    present: dict[str, set[int]] = defaultdict(set)
    rows = Attendance.objects.filter(meeting__in=[pk for pk, _ in meetings], membership__group=group)
    for meeting_id, role in rows.values_list("meeting_id", "membership__role"):
        present[role].add(meeting_id)
    gatherings = {pk for pk, group_id in meetings if group_id is None}
    return GroupAttendance(
        guidance_recorded=len(meetings) - len(gatherings),
        gatherings_recorded=len(gatherings),
        roles=[
            RoleAttendance(
                role=Role(role).label,
                guidance=len(present[role] - gatherings),
                gatherings=len(present[role] & gatherings),
            )
            for role in ROLE_ORDER
            if role in present
        ],
    )


# The roles whose absence from the last two guidance meetings is warned of (001 §2.3.2: the owner's
# participation decides much of the outcome), with the warning's words.
WATCHED_ROLES = {"owner": "Kulturskoleeier", "leader": "Kulturskoleleder"}


def attendance_warnings(group_ids: Iterable[int]) -> dict[int, list[str]]:
    """For each of `group_ids` whose owner (any of OWNER_ROLES) or kulturskoleleder took part in neither of
    its last two held guidance meetings with attendance recorded, the warnings in words. Groups with fewer
    than two such meetings have none. One query, however many groups and meetings."""
    taking_part = Attendance.objects.filter(meeting=OuterRef("pk"), membership__group=OuterRef("group"))
    meetings = (
        Meeting.objects.filter(
            group__in=list(group_ids), kind=Meeting.Kind.GUIDANCE, attendance_recorded_at__isnull=False
        )
        .exclude(status=Meeting.Status.CANCELLED)
        .annotate(
            owner=Exists(taking_part.filter(membership__role__in=OWNER_ROLES)),
            leader=Exists(taking_part.filter(membership__role=Role.LEADER)),
        )
        .order_by("group_id", "-starts_at", "-pk")
        .values_list("group_id", "owner", "leader")
    )
    last_two: dict[int, list[tuple[bool, bool]]] = defaultdict(list)
    for group_id, owner, leader in meetings:
        if len(last_two[group_id]) < 2:
            last_two[group_id].append((owner, leader))
    warnings: dict[int, list[str]] = {}
    for group_id, rows in last_two.items():
        if len(rows) < 2:
            continue
        missed = [
            f"{WATCHED_ROLES[key]} var ikke med på de to siste veiledningsmøtene."
            for index, key in enumerate(WATCHED_ROLES)
            if not any(row[index] for row in rows)
        ]
        if missed:
            warnings[group_id] = missed
    return warnings


# Registration for common gatherings (issue 16)


def registrations_of(meeting: Meeting) -> list[Registration]:
    """The gathering's registrations in the order they came, with each person's group. Two queries."""
    return list(
        Registration.objects.filter(meeting=meeting)
        .select_related("membership__user", "membership__group", "registered_by")
        .prefetch_related("membership__group__municipalities")
        .order_by("created_at", "pk")
    )


def registerable_memberships(user: User, meeting: Meeting) -> list[Membership]:
    """Whom `user` may register for gathering `meeting`: the current members of their own current groups in
    its portfolio (themselves among them). One query."""
    own_groups = Membership.objects.current().filter(user=user, group__portfolio=meeting.portfolio_id)
    return list(
        Membership.objects.current()
        .filter(group__in=own_groups.values("group"))
        .select_related("user", "group")
        .order_by("user__full_name", "pk")
    )
