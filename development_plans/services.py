"""Writes for development plans. Every change is written to the audit log (accounts.AuditEvent) against the
plan, with who, when and what (the fields changed, old and new), which is the plan's change log.

Versioning: `plan_approve` freezes the plan in a PlanVersion; the first change after an approval starts the
next version as a draft (`_start_version`). A save or a move that changes nothing starts nothing, so that
pressing «Lagre» on an unchanged form does not throw the owner's approval away: the services that may change
nothing lock the plan (`_lock`), work out the change, and start the version only when there is one."""

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any, Literal, TypeVar

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Max, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from accounts.services import audit_log
from core.concurrency import lock_for_edit, mark_revised
from core.mail import queue_mail, site_url
from meetings.models import Task
from municipalities.models import GroupDocument, MunicipalityGroup
from municipalities.selectors import current_members

from .models import Comment, DevelopmentPlan, Goal, Measure, PlanVersion
from .selectors import PLAN_FIELDS, goals_with_measures, plan_approvers, plan_content_token, plan_snapshot


class PlanStateError(Exception):
    """A transition the plan's status does not allow; the message is for the screen."""


# {field: [old, new]}, the values as JSON for the audit log (see _json).
Changes = dict[str, list[Any]]

# Which way a goal or a measure moves among its siblings.
Direction = Literal["up", "down"]

# A goal among the plan's goals, or a measure among its goal's measures.
_Item = TypeVar("_Item", Goal, Measure)

# The hand-over e-mails: shared (to the adviser), waiting for approval (to the owners who may approve), and
# approved (to the adviser and the group's members).
MAIL_TEMPLATES = {
    "shared": "development_plans/email/shared",
    "awaiting_approval": "development_plans/email/awaiting_approval",
    "approved": "development_plans/email/approved",
}


def _queue_mail(
    *, plan: DevelopmentPlan, users: Iterable[User | None], kind: str, actor: User, skip: Iterable[User] = ()
) -> list[User]:
    """Puts the plan e-mail `kind` (MAIL_TEMPLATES) to each of `users` in the outbox, in the caller's
    transaction, so that it exists exactly when the hand-over it tells of is committed: each person once,
    never `actor`, who did it, nor anyone in `skip` (told already by another of the e-mails). Returns
    the people it went to."""
    group = MunicipalityGroup.objects.prefetch_related("municipalities").get(pk=plan.group_id)
    skipped = {actor.pk, *(user.pk for user in skip)}
    recipients = {user.pk: user for user in users if user is not None and user.pk not in skipped and user.email}
    link = site_url(reverse("development_plans:plan_detail", kwargs={"pk": plan.pk}))
    for user in recipients.values():
        queue_mail(
            to=user.email,
            user=user,
            template=MAIL_TEMPLATES[kind],
            context={"plan": plan, "group": group, "user": user, "actor": actor, "link": link},
        )
    return list(recipients.values())


def _json(value: object) -> object:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, models.Model):
        return value.pk
    return value


def _apply(instance: models.Model, data: Mapping[str, Any]) -> Changes:
    """Sets `data` on `instance`; returns {field: [old, new]} for the fields whose value changed."""
    changes: Changes = {}
    for field, value in data.items():
        old = getattr(instance, field)
        if old != value:
            changes[field] = [_json(old), _json(value)]
            setattr(instance, field, value)
    return changes


def _log(action: str, *, plan: DevelopmentPlan, user: User, request: HttpRequest | None = None, **payload: Any) -> None:
    audit_log(action=action, actor=user, obj=plan, request=request, payload={"version": plan.version, **payload})


def _lock(plan: DevelopmentPlan) -> DevelopmentPlan:
    """Locks the plan's row until the end of the transaction, so that a change and an approval (which reads
    the content under the same lock) never interleave. Returns the locked plan, freshly read."""
    return DevelopmentPlan.objects.select_for_update().get(pk=plan.pk)


def _start_version(
    locked: DevelopmentPlan, plan: DevelopmentPlan, *, user: User, request: HttpRequest | None = None
) -> None:
    """Call before writing a change to the `locked` plan (from `_lock`), and only when something does change.
    If the plan is approved, the change starts a new version as a draft, so the approved version stays as
    the owner approved it (in its PlanVersion). `plan`, the caller's copy, gets the new version and status."""
    if locked.status == DevelopmentPlan.Status.APPROVED:
        locked.version += 1
        locked.status = DevelopmentPlan.Status.DRAFT
        locked.shared_at = locked.approved_at = locked.approved_by = None
        locked.save(update_fields=["version", "status", "shared_at", "approved_at", "approved_by", "updated_at"])
        _log("development_plan.version_started", plan=locked, user=user, request=request)
    plan.version, plan.status = locked.version, locked.status


def _begin_change(plan: DevelopmentPlan, *, user: User, request: HttpRequest | None = None) -> DevelopmentPlan:
    """Locks the plan for a change that always changes something (an addition or a deletion) and starts
    the next version if the plan is approved. Returns the locked plan."""
    locked = _lock(plan)
    _start_version(locked, plan, user=user, request=request)
    return locked


@transaction.atomic
def plan_create(*, group: MunicipalityGroup, user: User, request: HttpRequest | None = None) -> DevelopmentPlan:
    """Start the group's plan, its focus area taken from the group's; returns the existing plan if another
    request started it first (a double click, a second tab).

    Preconditions: `user` may edit the group's plan."""
    plan, created = DevelopmentPlan.objects.get_or_create(group=group, defaults={"focus_area": group.focus_area})
    if created:
        _log("development_plan.created", plan=plan, user=user, request=request)
    return plan


@transaction.atomic
def plan_update(
    *,
    plan: DevelopmentPlan,
    user: User,
    data: Mapping[str, Any],
    revision: int | None = None,
    request: HttpRequest | None = None,
) -> DevelopmentPlan:
    """Change the plan's own fields (needs, knowledge base, opportunities, focus area, overall goal).

    `revision` is the plan's revision the form was opened at: if those fields were changed since, nothing is
    saved and StaleEdit is raised (core.concurrency). None checks nothing. The same for goals and measures."""
    # The same row lock as _lock, taken with the form's revision checked.
    locked = lock_for_edit(DevelopmentPlan.objects.all(), pk=plan.pk, revision=revision)
    changes = _apply(locked, {f: data[f] for f in PLAN_FIELDS if f in data})
    if changes:
        _start_version(locked, plan, user=user, request=request)
        locked.save(update_fields=[*changes, "updated_at", *mark_revised(locked, user=user)])
        _log("development_plan.updated", plan=locked, user=user, request=request, changes=changes)
    return locked


def _next_order(queryset: QuerySet[Goal] | QuerySet[Measure]) -> int:
    return (queryset.aggregate(m=Max("order"))["m"] or 0) + 1


@transaction.atomic
def goal_create(
    *, plan: DevelopmentPlan, user: User, data: Mapping[str, Any], request: HttpRequest | None = None
) -> Goal:
    locked = _begin_change(plan, user=user, request=request)
    goal = Goal(plan=locked, order=_next_order(locked.goals.all()))
    _apply(goal, data)
    goal.save()
    _log("development_plan.goal_added", plan=locked, user=user, request=request, goal_id=goal.pk, title=goal.title)
    return goal


@transaction.atomic
def goal_update(
    *, goal: Goal, user: User, data: Mapping[str, Any], revision: int | None = None, request: HttpRequest | None = None
) -> Goal:
    locked = _lock(goal.plan)
    # After the plan's lock, in the order every service takes them, so that two saves cannot deadlock.
    current = lock_for_edit(Goal.objects.all(), pk=goal.pk, revision=revision)
    changes = _apply(current, data)
    if changes:
        _start_version(locked, goal.plan, user=user, request=request)
        current.save(update_fields=[*changes, *mark_revised(current, user=user)])
        _log(
            "development_plan.goal_changed",
            plan=locked,
            user=user,
            request=request,
            goal_id=current.pk,
            title=current.title,
            changes=changes,
        )
    return current


@transaction.atomic
def goal_delete(*, goal: Goal, user: User, request: HttpRequest | None = None) -> None:
    """Delete a goal with its measures."""
    locked = _begin_change(goal.plan, user=user, request=request)
    measures = list(goal.measures.values_list("title", flat=True))
    _log(
        "development_plan.goal_deleted",
        plan=locked,
        user=user,
        request=request,
        goal_id=goal.pk,
        title=goal.title,
        measures=measures,
    )
    goal.delete()


def _reordered(item: _Item, siblings: QuerySet[_Item], direction: Direction) -> list[_Item] | None:
    """The siblings (`item` among them) with `item` swapped with its neighbour in `direction` ("up" or
    "down") and renumbered 1, 2, 3…, not yet saved; None when `item` is already first or last."""
    items = list(siblings.order_by("order", "pk"))
    index = next(i for i, s in enumerate(items) if s.pk == item.pk)
    other = index - 1 if direction == "up" else index + 1
    if not 0 <= other < len(items):
        return None
    items[index], items[other] = items[other], items[index]
    for order, sibling in enumerate(items, start=1):
        sibling.order = order
    return items


def _move(
    item: _Item,
    siblings: QuerySet[_Item],
    direction: Direction,
    *,
    locked: DevelopmentPlan,
    plan: DevelopmentPlan,
    user: User,
    request: HttpRequest | None,
) -> bool:
    """Moves `item` among `siblings` on the `locked` plan; returns False, changing nothing, when it is
    already first or last."""
    items = _reordered(item, siblings, direction)
    if items is None:
        return False
    _start_version(locked, plan, user=user, request=request)
    type(item).objects.bulk_update(items, ["order"])
    return True


@transaction.atomic
def goal_move(*, goal: Goal, user: User, direction: Direction, request: HttpRequest | None = None) -> None:
    locked = _lock(goal.plan)
    if _move(goal, locked.goals.all(), direction, locked=locked, plan=goal.plan, user=user, request=request):
        _log(
            "development_plan.goal_moved",
            plan=locked,
            user=user,
            request=request,
            goal_id=goal.pk,
            title=goal.title,
            direction=direction,
        )


def _task_changes(measure: Measure, tasks: Iterable[Task]) -> Changes:
    """{"tasks": [old, new]} if linking the measure to `tasks` (from meeting notes) changes its links, else {}.
    Writes nothing; the caller sets the tasks."""
    tasks = list(tasks)
    linked = list(measure.tasks.all())
    if {t.pk for t in linked} == {t.pk for t in tasks}:
        return {}
    return {"tasks": [sorted(task.text for task in linked), sorted(task.text for task in tasks)]}


def _document_changes(measure: Measure, documents: Iterable[GroupDocument], *, group_id: int) -> Changes:
    """{"documents": [old, new]} if linking the measure to `documents` changes its links, else {}. Writes
    nothing; the caller sets them. ValidationError if one is another group's or taken down: the form offers
    only the group's own, and this holds for every caller."""
    documents = list(documents)
    if any(d.group_id != group_id or d.hidden_at is not None for d in documents):
        raise ValidationError({"documents": "Velg blant gruppens dokumenter."})
    linked = list(measure.documents.all()) if measure.pk else []
    if {d.pk for d in linked} == {d.pk for d in documents}:
        return {}
    return {"documents": [sorted(d.title for d in linked), sorted(d.title for d in documents)]}


@transaction.atomic
def measure_create(*, goal: Goal, user: User, data: Mapping[str, Any], request: HttpRequest | None = None) -> Measure:
    """`data` holds the measure's fields and, under "tasks", the meeting tasks it is linked to, and under
    "documents" the group's documents."""
    locked = _begin_change(goal.plan, user=user, request=request)
    data = dict(data)
    tasks = data.pop("tasks", [])
    documents = data.pop("documents", [])
    measure = Measure(goal=goal, order=_next_order(goal.measures.all()))
    _document_changes(measure, documents, group_id=locked.group_id)
    _apply(measure, data)
    measure.save()
    measure.tasks.set(tasks)
    measure.documents.set(documents)
    _log(
        "development_plan.measure_added",
        plan=locked,
        user=user,
        request=request,
        goal_id=goal.pk,
        measure_id=measure.pk,
        title=measure.title,
    )
    return measure


@transaction.atomic
def measure_update(
    *,
    measure: Measure,
    user: User,
    data: Mapping[str, Any],
    revision: int | None = None,
    request: HttpRequest | None = None,
) -> Measure:
    """`data` holds the measure's fields and, under "tasks" and "documents" if the form had them, the meeting
    tasks and the group's documents it is linked to; the links are part of the measure's revision."""
    locked = _lock(measure.goal.plan)
    current = lock_for_edit(Measure.objects.all(), pk=measure.pk, revision=revision)
    data = dict(data)
    tasks = data.pop("tasks", None)
    documents = data.pop("documents", None)
    document_changes = _document_changes(current, documents, group_id=locked.group_id) if documents is not None else {}
    fields = _apply(current, data)
    task_changes = _task_changes(current, tasks) if tasks is not None else {}
    changes = fields | task_changes | document_changes
    if changes:
        _start_version(locked, measure.goal.plan, user=user, request=request)
        current.save(update_fields=[*fields, *mark_revised(current, user=user)])
        if task_changes:
            current.tasks.set(tasks)
        if document_changes:
            current.documents.set(documents)
        _log(
            "development_plan.measure_changed",
            plan=locked,
            user=user,
            request=request,
            measure_id=current.pk,
            title=current.title,
            changes=changes,
        )
    return current


@transaction.atomic
def measure_delete(*, measure: Measure, user: User, request: HttpRequest | None = None) -> None:
    locked = _begin_change(measure.goal.plan, user=user, request=request)
    _log(
        "development_plan.measure_deleted",
        plan=locked,
        user=user,
        request=request,
        measure_id=measure.pk,
        title=measure.title,
    )
    measure.delete()


@transaction.atomic
def measure_move(*, measure: Measure, user: User, direction: Direction, request: HttpRequest | None = None) -> None:
    locked = _lock(measure.goal.plan)
    siblings = measure.goal.measures.all()
    if _move(measure, siblings, direction, locked=locked, plan=measure.goal.plan, user=user, request=request):
        _log(
            "development_plan.measure_moved",
            plan=locked,
            user=user,
            request=request,
            measure_id=measure.pk,
            title=measure.title,
            direction=direction,
        )


@transaction.atomic
def plan_share(
    *, plan: DevelopmentPlan, user: User, request: HttpRequest | None = None, notify: bool = True
) -> DevelopmentPlan:
    """Draft → shared with the adviser. The plan needs at least one goal. Tells the adviser and asks the
    owners to approve, by e-mail; `notify=False` (the demo data) sends none."""
    locked = DevelopmentPlan.objects.select_for_update().get(pk=plan.pk)
    if locked.status != DevelopmentPlan.Status.DRAFT:
        raise PlanStateError("Bare et utkast kan deles med veilederen.")
    if not locked.goals.exists():
        raise PlanStateError("Planen må ha minst ett mål før den kan deles.")
    locked.status = DevelopmentPlan.Status.SHARED
    locked.shared_at = timezone.now()
    locked.save(update_fields=["status", "shared_at", "updated_at"])
    _log("development_plan.shared", plan=locked, user=user, request=request)
    if not notify:
        return locked
    # The plan now waits for the owners' approval as well as for the adviser's comments.
    owners = _queue_mail(plan=locked, users=plan_approvers(locked.group), kind="awaiting_approval", actor=user)
    _queue_mail(plan=locked, users=[locked.group.adviser], kind="shared", actor=user, skip=owners)
    return locked


@transaction.atomic
def plan_approve(
    *,
    plan: DevelopmentPlan,
    user: User,
    content_token: str | None = None,
    request: HttpRequest | None = None,
    notify: bool = True,
) -> PlanVersion:
    """Shared → approved by the owner: freezes the plan as version `plan.version`.

    A shared plan can still be edited, so the owner approves the content they read: `content_token` is
    `selectors.plan_content_token` of the plan as their page showed it, and the approval is refused if the
    content has changed since. The approve view always passes what the form posted; None (the demo seed,
    tests) approves the content as it is. The adviser and the group's members are told by e-mail;
    `notify=False` (the demo data) sends none.

    Preconditions: `user` is an owner of the group (selectors.plan_access)."""
    locked = DevelopmentPlan.objects.select_for_update().get(pk=plan.pk)
    if locked.status != DevelopmentPlan.Status.SHARED:
        raise PlanStateError("Planen må være delt med veilederen før den kan godkjennes.")
    # Read under the lock: every edit takes the same lock, so nothing changes between this check and the freeze.
    goals = goals_with_measures(locked)
    if content_token is not None and content_token != plan_content_token(locked, goals=goals):
        raise PlanStateError("Planen er endret siden du åpnet den. Les den igjen før du godkjenner.")
    now = timezone.now()
    locked.status = DevelopmentPlan.Status.APPROVED
    locked.approved_at = now
    locked.approved_by = user
    locked.save(update_fields=["status", "approved_at", "approved_by", "updated_at"])
    version = PlanVersion.objects.create(
        plan=locked,
        number=locked.version,
        approved_by=user,
        approved_at=now,
        snapshot=plan_snapshot(locked, goals=goals),
    )
    _log("development_plan.approved", plan=locked, user=user, request=request)
    if notify:
        group = locked.group
        _queue_mail(plan=locked, users=[group.adviser, *current_members(group)], kind="approved", actor=user)
    return version


@transaction.atomic
def comment_add(*, plan: DevelopmentPlan, user: User, text: str, request: HttpRequest | None = None) -> Comment:
    comment = Comment.objects.create(plan=plan, author=user, text=text)
    _log("development_plan.commented", plan=plan, user=user, request=request, comment_id=comment.pk)
    return comment


def plan_exported(*, plan: DevelopmentPlan, user: User, request: HttpRequest | None = None) -> None:
    """Records that `user` downloaded the plan as PDF."""
    _log("development_plan.exported", plan=plan, user=user, request=request)
