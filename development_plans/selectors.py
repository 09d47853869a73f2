"""Reads of development plans, and the one place that decides who may do what with a plan.

Rules (issue 5): the kulturskoleleder and the koordinator edit; every other member reads and comments;
the group's adviser reads and comments; an owner (kulturskoleeier or kommunedirektør) also approves;
the programme leader reads every plan. Everyone else gets a 404."""

import hashlib
import json
from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from typing import Any, Literal, TypedDict

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Count, Field, Max, Prefetch, Q, QuerySet
from django.utils import timezone

from accounts.access import AccessRefused, require_programme_leader
from accounts.models import AuditEvent, User
from meetings.models import Task
from municipalities.models import OWNER_ROLES, GroupDocument, Membership, MunicipalityGroup, Role
from portfolios.models import Portfolio
from portfolios.selectors import get_portfolio_for_user

from .models import (
    DevelopmentPlan,
    Goal,
    Level,
    Measure,
    Pillar,
    PlanAccess,
    PlanVersion,
    ProgrammeArea,
    Quality,
)

EDITOR_ROLES = frozenset({Role.LEADER, Role.COORDINATOR})
PLAN_FIELDS = ["needs", "knowledge_base", "opportunities", "focus_area", "overall_goal"]

# A permission of PlanAccess, as the access helpers take it.
Need = Literal["can_read_approved", "can_read", "can_comment", "can_edit", "can_approve"]


NO_ACCESS = PlanAccess()


def plan_access(user: User | AnonymousUser, group: MunicipalityGroup) -> PlanAccess:
    """What `user` may do with `group`'s plan. Reads `group.memberships`, so a prefetch saves the query."""
    if not user.is_authenticated:
        return NO_ACCESS
    own = [m for m in group.memberships.all() if m.user_id == user.pk]
    roles = {m.role for m in own if m.gives_access(group)}
    if roles:
        return PlanAccess(
            can_read_approved=True,
            can_read=True,
            can_comment=True,
            can_edit=bool(roles & EDITOR_ROLES),
            can_approve=bool(roles & OWNER_ROLES),
        )
    if group.adviser_id is not None and group.adviser_id == user.pk:
        return PlanAccess(can_read_approved=True, can_read=True, can_comment=True)
    if user.is_programme_leader:
        return PlanAccess(can_read_approved=True, can_read=True)
    if own:
        # A member who has left, or whose group ended early: the approved plan stays theirs to read, as a
        # record of what the municipality committed to (municipalities.models.MembershipQuerySet).
        return PlanAccess(can_read_approved=True)
    return NO_ACCESS


def _group_queryset() -> QuerySet[MunicipalityGroup]:
    return MunicipalityGroup.objects.select_related("portfolio__programme", "adviser").prefetch_related(
        "municipalities", "memberships"
    )


def get_group_plan_for_user(
    user: User, group_pk: int, *, need: Need = "can_read"
) -> tuple[MunicipalityGroup, DevelopmentPlan | None, PlanAccess]:
    """(group, plan or None, access) for the group `group_pk` if `user` has the permission `need` on its plan;
    else AccessRefused (a 404)."""
    group = _group_queryset().select_related("development_plan").filter(pk=group_pk).first()
    access = plan_access(user, group) if group is not None else NO_ACCESS
    if group is None or not getattr(access, need):
        raise AccessRefused("municipalities.municipalitygroup", group_pk)
    return group, getattr(group, "development_plan", None), access


def get_plan_for_user(user: User, pk: int, *, need: Need = "can_read") -> DevelopmentPlan:
    """Plan `pk`, with `plan.access` what `user` may do with it, if `user` has the permission `need`
    (a PlanAccess field); else AccessRefused (a 404): a reader who may not edit gets a 404 on the edit pages
    too, like anything out of reach."""
    plan = (
        DevelopmentPlan.objects.select_related("approved_by")
        .prefetch_related(Prefetch("group", _group_queryset()))
        .filter(pk=pk)
        .first()
    )
    access = plan_access(user, plan.group) if plan is not None else NO_ACCESS
    if plan is None or not getattr(access, need):
        raise AccessRefused("development_plans.developmentplan", pk)
    plan.access = access
    return plan


def get_goal(plan: DevelopmentPlan, goal_pk: int) -> Goal:
    """Goal `goal_pk` of `plan` (whose access was checked); another plan's goal is refused like a missing one."""
    goal = plan.goals.filter(pk=goal_pk).first()
    if goal is None:
        raise AccessRefused("development_plans.goal", goal_pk)
    return goal


def get_measure(plan: DevelopmentPlan, measure_pk: int) -> Measure:
    """Measure `measure_pk` under one of `plan`'s goals; another plan's measure is refused like a missing one."""
    measure = Measure.objects.select_related("goal").filter(pk=measure_pk, goal__plan=plan).first()
    if measure is None:
        raise AccessRefused("development_plans.measure", measure_pk)
    measure.goal.plan = plan
    return measure


def get_version(plan: DevelopmentPlan, number: int) -> PlanVersion:
    """Approved version `number` of `plan` (whose access was checked); else AccessRefused (a 404)."""
    version = PlanVersion.objects.select_related("approved_by").filter(plan=plan, number=number).first()
    if version is None:
        raise AccessRefused("development_plans.planversion", f"{plan.pk}/{number}")
    return version


def get_portfolio_for_programme_leader(user: User, portfolio_pk: int) -> Portfolio:
    """The portfolio, for the programme leader's overview of every group's plan; 404 for everyone else."""
    require_programme_leader(user, "portfolios.portfolio", portfolio_pk)
    return get_portfolio_for_user(user, portfolio_pk)


def goals_with_measures(plan: DevelopmentPlan) -> list[Goal]:
    """The plan's goals in order, each with its measures (their responsible people, their tasks from
    meeting notes and the group's documents they link to) prefetched."""
    measures = (
        Measure.objects.select_related("responsible_person")
        .prefetch_related(
            Prefetch("tasks", Task.objects.select_related("note__meeting").order_by("pk")),
            # The group's documents the measure links to, as long as they are shared.
            Prefetch(
                "documents",
                GroupDocument.objects.filter(hidden_at__isnull=True).select_related("latest").order_by("title", "pk"),
            ),
        )
        .order_by("order", "pk")
    )
    return list(plan.goals.order_by("order", "pk").prefetch_related(Prefetch("measures", measures)))


def plan_page_data(plan: DevelopmentPlan) -> dict[str, Any]:
    """Everything the plan page shows besides the plan itself, in a fixed number of queries; with
    `content_token`, which the owner's approve form posts back (see `plan_content_token`)."""
    goals = goals_with_measures(plan)
    return {
        "goals": goals,
        "content_token": plan_content_token(plan, goals=goals),
        "comments": list(plan.comments.select_related("author")),
        "versions": list(plan.versions.select_related("approved_by").defer("snapshot")),
    }


def plan_snapshot(plan: DevelopmentPlan, *, goals: Sequence[Goal] | None = None) -> dict[str, Any]:
    """The plan's content as JSON, with the screen words of every choice, so that an approved version reads
    the same whatever later happens to the live plan or to the choices in the code. `goals`, if given, are
    the plan's `goals_with_measures(plan)` already fetched."""
    if goals is None:
        goals = goals_with_measures(plan)
    content = []
    for goal in goals:
        content.append(
            {
                "level": goal.get_level_display(),
                "title": goal.title,
                "tags": goal.tag_labels,
                "success_criteria": goal.success_criteria,
                "attainment": goal.attainment,
                "attainment_text": goal.attainment_text,
                "new_practice": goal.new_practice,
                "measures": [
                    {
                        "title": m.title,
                        "responsible": m.responsible_display,
                        "starts_on": m.starts_on.isoformat() if m.starts_on else None,
                        "ends_on": m.ends_on.isoformat() if m.ends_on else None,
                        "status": m.status,
                        "status_label": m.get_status_display(),
                        "dropped_reason": m.dropped_reason,
                        "evaluation": m.evaluation,
                        "tasks": [task.text for task in m.tasks.all()],
                    }
                    for m in goal.measures.all()
                ],
            }
        )
    return {"plan": {f: getattr(plan, f) for f in PLAN_FIELDS}, "goals": content}


def plan_content_token(plan: DevelopmentPlan, *, goals: Sequence[Goal] | None = None) -> str:
    """A digest of the plan's content (its snapshot: the plan's fields, goals and measures in order, and the
    measures' tasks), which the owner's approve form carries so that an approval is refused if the content
    changed after the owner opened the page. The plan's `updated_at` would not do: editing a goal or a
    measure does not touch the plan's row. `goals` as for `plan_snapshot`."""
    snapshot = plan_snapshot(plan, goals=goals)
    encoded = json.dumps(snapshot, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(encoded.encode()).hexdigest()


def snapshot_for_display(snapshot: Mapping[str, Any]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """(content, goals) of a snapshot, with the measures' dates as dates again; the snapshot is left as it is."""

    def day(value: str | None) -> date | None:
        return date.fromisoformat(value) if value else None

    goals = [
        {
            **goal,
            "measures": [
                {**m, "starts_on": day(m["starts_on"]), "ends_on": day(m["ends_on"])} for m in goal["measures"]
            ],
        }
        for goal in snapshot["goals"]
    ]
    return snapshot["plan"], goals


def plan_change_log(plan: DevelopmentPlan) -> QuerySet[AuditEvent]:
    """Every recorded change to the plan, newest first (the audit events written by the services)."""
    return AuditEvent.objects.filter(
        object_type=DevelopmentPlan._meta.label_lower, object_id=str(plan.pk)
    ).select_related("actor")


ACTION_LABELS = {
    "development_plan.created": "Planen ble startet",
    "development_plan.updated": "Behov, muligheter eller hovedmål endret",
    "development_plan.version_started": "Ny versjon startet etter godkjenning",
    "development_plan.goal_added": "Mål lagt til",
    "development_plan.goal_changed": "Mål endret",
    "development_plan.goal_deleted": "Mål slettet",
    "development_plan.goal_moved": "Mål flyttet",
    "development_plan.measure_added": "Tiltak lagt til",
    "development_plan.measure_changed": "Tiltak endret",
    "development_plan.measure_deleted": "Tiltak slettet",
    "development_plan.measure_moved": "Tiltak flyttet",
    "development_plan.shared": "Delt med veilederen",
    "development_plan.approved": "Godkjent av kulturskoleeier",
    "development_plan.commented": "Kommentar skrevet",
    "development_plan.exported": "Lastet ned som PDF",
}

_CHOICES = {
    "level": dict(Level.choices),
    "status": dict(Measure.Status.choices),
    "responsible_role": dict(Role.choices),
    "pillars": dict(Pillar.choices),
    "programme_areas": dict(ProgrammeArea.choices),
    "qualities": dict(Quality.choices),
}


def _field_label(name: str) -> str:
    for model in (Measure, Goal, DevelopmentPlan):
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:
            continue
        # A changed value is a model's own field; a reverse relation of the same name has no label.
        if isinstance(field, Field):
            return str(field.verbose_name)
    return name


def _value_display(name: str, value: Any) -> str:
    """`value` of field `name` as logged (JSON: see services._json), for the screen."""
    choices = _CHOICES.get(name)
    if isinstance(value, list):
        return ", ".join(str(choices.get(v, v)) if choices else str(v) for v in value) or "ingen"
    if value in (None, ""):
        return "tomt"
    if name == "responsible_person":
        return "en annen person"
    if choices:
        return str(choices.get(value, value))
    text = str(value)
    return text if len(text) <= 80 else text[:79] + "…"


class ChangeLogEntry(TypedDict):
    event: AuditEvent
    label: str
    title: str
    changes: list[str]


def change_log_entries(plan: DevelopmentPlan) -> list[ChangeLogEntry]:
    """The change log as lines for the screen: what happened, to which goal or measure, and each field's
    old and new value."""
    entries: list[ChangeLogEntry] = []
    for event in plan_change_log(plan):
        payload = event.payload
        changes = [
            f"{_field_label(name).capitalize()}: {_value_display(name, old)} → {_value_display(name, new)}"
            for name, (old, new) in payload.get("changes", {}).items()
        ]
        if payload.get("direction"):
            changes.append("opp" if payload["direction"] == "up" else "ned")
        entries.append(
            {
                "event": event,
                "label": ACTION_LABELS.get(event.action, event.action),
                "title": payload.get("title", ""),
                "changes": changes,
            }
        )
    return entries


class GroupPlanSummary(TypedDict):
    plan: DevelopmentPlan | None
    access: PlanAccess
    group: MunicipalityGroup


def group_plan_summary(user: User | AnonymousUser, group: MunicipalityGroup) -> GroupPlanSummary:
    """For the group page: the plan (or None) and what `user` may do with it. No query beyond the plan's own
    when `group` comes from `with_overview()`."""
    return {
        "plan": DevelopmentPlan.objects.filter(group=group).first(),
        "access": plan_access(user, group),
        "group": group,
    }


# The progress view's chart: a time line of the measures that have dates.
CHART_WIDTH = 720
# Room left of the bars for each measure's number (1.2), which the table beside the chart repeats.
CHART_LABEL_WIDTH = 40
ROW_HEIGHT = 28
BAR_HEIGHT = 16
AXIS_HEIGHT = 30


class ProgressRow(TypedDict):
    """A measure in the progress view (see progress_data); `number` is «goal.measure», e.g. «1.2»."""

    number: str
    measure: Measure
    goal: Goal
    overdue: bool


def progress_data(plan: DevelopmentPlan, *, today: date | None = None) -> dict[str, Any]:
    """Measures by status and the data of the time line; each measure appears once in `rows`, in plan order.

    `rows` are dicts with the measure, its goal, whether it is overdue and, where it has dates, the bar's
    geometry in the SVG's coordinates.
    """
    today = today or timezone.localdate()
    goals = goals_with_measures(plan)
    rows: list[ProgressRow] = []
    for goal_number, goal in enumerate(goals, start=1):
        for measure_number, measure in enumerate(goal.measures.all(), start=1):
            rows.append(
                {
                    "number": f"{goal_number}.{measure_number}",
                    "measure": measure,
                    "goal": goal,
                    "overdue": measure.is_overdue(today),
                }
            )
    counts = dict.fromkeys(Measure.Status, 0)
    for row in rows:
        counts[Measure.Status(row["measure"].status)] += 1
    by_status = [(Measure.Status(s).label, s, n) for s, n in counts.items()]
    dated = [r for r in rows if r["measure"].starts_on or r["measure"].ends_on]
    chart = _timeline(dated, today) if dated else None
    return {
        "goals": goals,
        "rows": rows,
        "by_status": by_status,
        "total": len(rows),
        "overdue_count": sum(r["overdue"] for r in rows),
        "chart": chart,
        "today": today,
    }


def _span(measure: Measure) -> tuple[date, date]:
    """The first and the last day of a measure that has a date; a single date is both."""
    start, end = measure.starts_on or measure.ends_on, measure.ends_on or measure.starts_on
    if start is None or end is None:
        raise ValueError(f"Measure {measure.pk} has no dates to draw.")
    return start, end


def _timeline(rows: Sequence[ProgressRow], today: date) -> dict[str, Any]:
    """The time line's geometry. Precondition: every row's measure has a start or an end date."""
    spans = [_span(r["measure"]) for r in rows]
    starts = [start for start, _ in spans]
    ends = [end for _, end in spans]
    first = min([*starts, today])
    last = max([*ends, today])
    # Whole months on the axis, so that the ticks fall on the first of each month.
    first = first.replace(day=1)
    last = (last.replace(day=28) + timedelta(days=4)).replace(day=1)
    span = (last - first).days or 1

    def x(day: date) -> float:
        return round(CHART_LABEL_WIDTH + (day - first).days / span * (CHART_WIDTH - CHART_LABEL_WIDTH), 1)

    bars: list[dict[str, Any]] = []
    for index, (row, start, end) in enumerate(zip(rows, starts, ends, strict=True)):
        bars.append(
            {
                **row,
                "x": x(start),
                "width": max(x(end + timedelta(days=1)) - x(start), 3),
                "y": AXIS_HEIGHT + index * ROW_HEIGHT + (ROW_HEIGHT - BAR_HEIGHT) / 2,
                "text_y": AXIS_HEIGHT + index * ROW_HEIGHT + ROW_HEIGHT / 2 + 4,
            }
        )
    ticks = []
    month = first
    while month <= last:
        ticks.append({"x": x(month), "label": f"{month:%m.%y}"})
        month = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
    height = AXIS_HEIGHT + len(rows) * ROW_HEIGHT + 4
    return {
        "bars": bars,
        "ticks": ticks,
        "today_x": x(today),
        "width": CHART_WIDTH,
        "height": height,
        "bar_height": BAR_HEIGHT,
        "first": first,
        "last": last - timedelta(days=1),
    }


class PlanOverviewRow(TypedDict):
    group: MunicipalityGroup
    plan: DevelopmentPlan | None


def portfolio_plan_overview(portfolio: Portfolio, *, today: date | None = None) -> dict[str, Any]:
    """Every group of `portfolio` with its plan (or None) and the plan's counts, in three queries."""
    today = today or timezone.localdate()
    open_measure = Q(goals__measures__status__in=Measure.OPEN_STATUSES)
    plans = (
        DevelopmentPlan.objects.filter(group__portfolio=portfolio)
        .select_related("approved_by")
        .annotate(
            goal_count=Count("goals", distinct=True),
            measure_count=Count("goals__measures", distinct=True),
            done_count=Count("goals__measures", filter=Q(goals__measures__status=Measure.Status.DONE), distinct=True),
            last_approved=Max("versions__approved_at"),
            overdue_count=Count(
                "goals__measures", filter=open_measure & Q(goals__measures__ends_on__lt=today), distinct=True
            ),
        )
    )
    by_group = {plan.group_id: plan for plan in plans}
    groups = list(
        MunicipalityGroup.objects.filter(portfolio=portfolio)
        .select_related("adviser")
        .prefetch_related("municipalities")
        .order_by("name", "pk")
    )
    rows: list[PlanOverviewRow] = [{"group": g, "plan": by_group.get(g.pk)} for g in groups]
    counts = dict.fromkeys(["Ikke startet", *DevelopmentPlan.Status.labels], 0)
    for row in rows:
        counts[row["plan"].get_status_display() if row["plan"] else "Ikke startet"] += 1
    return {"rows": rows, "status_counts": counts}


def _shared_plans() -> QuerySet[DevelopmentPlan]:
    # With the group's municipalities, which its display name reads.
    return (
        DevelopmentPlan.objects.filter(status=DevelopmentPlan.Status.SHARED)
        .select_related("group")
        .prefetch_related("group__municipalities")
        .order_by("group__name", "pk")
    )


def plans_awaiting_approval(user: User, *, group: MunicipalityGroup | None = None) -> list[DevelopmentPlan]:
    """The shared plans that `user` may approve (plan_access: a current member in an owner's role), of all
    their groups or of `group` alone. Two queries."""
    owned = Membership.objects.current().filter(user=user, role__in=OWNER_ROLES).values("group")
    plans = _shared_plans().filter(group__in=owned)
    if group is not None:
        plans = plans.filter(group=group)
    return list(plans)


def plans_shared_with_adviser(user: User) -> list[DevelopmentPlan]:
    """The shared plans of the groups `user` advises: theirs to read and comment on. Two queries."""
    return list(_shared_plans().filter(group__adviser=user))


def plan_approvers(group: MunicipalityGroup) -> list[User]:
    """The people who may approve `group`'s plan (plan_access): its current members in an owner's role."""
    memberships = Membership.objects.current().filter(group=group, role__in=OWNER_ROLES).select_related("user")
    return list({m.user_id: m.user for m in memberships}.values())
