"""«Å gjøre»: each person's next steps at the top of their landing page, composed from the capability apps'
selectors. Each item is one line in Norwegian with a link straight to where the step is taken.

Every list costs a fixed number of queries, whatever the number of groups, contracts or tasks: the
selectors each read what they need in one to four queries, and nothing here reads per item."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TypeVar

from django.db.models import Prefetch
from django.urls import reverse
from django.utils import formats, timezone

from accounts.models import User
from contracts.selectors import contracts_awaiting_signature, contracts_to_countersign
from core import outbox
from development_plans.selectors import plans_awaiting_approval, plans_shared_with_adviser
from meetings.models import Meeting
from meetings.selectors import attendance_warnings, meetings_without_date, meetings_without_note, tasks_due_for
from municipalities.models import Membership, MunicipalityGroup
from surveys.selectors import invitations_to_answer

# More items of one kind than this are one line with their count, linking to the list where they are.
MANY = 3

# The groups whose people the programme leader must complete: applicants are not admitted yet, and
# completed or ended groups no longer need anyone.
STAFFED_STATUSES = [MunicipalityGroup.Status.ADMITTED, MunicipalityGroup.Status.ACTIVE]

T = TypeVar("T")


@dataclass(frozen=True)
class TodoItem:
    text: str
    url: str


def _day(day: date) -> str:
    return formats.date_format(day, "d.m.Y")


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _each_or_count(
    found: Sequence[T], each: Callable[[T], TodoItem], count: Callable[[int], TodoItem]
) -> list[TodoItem]:
    """One line per item, or, when there are more than MANY, one line with their count."""
    if len(found) > MANY:
        return [count(len(found))]
    return [each(item) for item in found]


def group_todo(user: User, group: MunicipalityGroup) -> list[TodoItem] | None:
    """A current member's steps in `group`, for the group's page, which is a member's landing page; None for
    anyone else (the staff land elsewhere). Reads the prefetched memberships (with_overview)."""
    if any(m.user_id == user.pk and m.gives_access(group) for m in group.memberships.all()):
        return member_todo(user, group=group)
    return None


def member_todo(user: User, *, group: MunicipalityGroup | None = None) -> list[TodoItem]:
    """A member's steps in their current groups (or in `group`): contracts to sign, plans to approve, tasks
    due, surveys to answer. Eight queries."""
    items = [
        TodoItem(
            f"Signer kontrakten for {contract.municipality.display_name} kommune",
            contract.get_absolute_url(),
        )
        for contract in contracts_awaiting_signature(user, group=group)
    ]
    items += [
        TodoItem(
            f"Godkjenn utviklingsplanen for {plan.group.display_name}",
            reverse("development_plans:plan_detail", kwargs={"pk": plan.pk}),
        )
        for plan in plans_awaiting_approval(user, group=group)
    ]
    today = timezone.localdate()
    for task in tasks_due_for(user, group=group):
        # Only tasks with a deadline are listed (tasks_due_for), so `due_on` is set.
        assert task.due_on is not None
        when = "fristen gikk ut" if task.due_on < today else "frist"
        items.append(
            TodoItem(f"Oppgave: {task.text} ({when} {_day(task.due_on)})", task.note.meeting.get_absolute_url())
        )
    items += [
        TodoItem(
            f"Svar på «{invitation.survey.title}» (innen {_day(timezone.localdate(invitation.survey.closes_at))})",
            invitation.get_answer_url(),
        )
        for invitation in invitations_to_answer(user, group=group)
    ]
    return items


def _meeting_name(meeting: Meeting) -> str:
    return f"«{meeting.title}» med {meeting.group.display_name if meeting.group else meeting.portfolio}"


def adviser_todo(user: User) -> list[TodoItem]:
    """An adviser's steps in the groups they advise: meetings to date, notes to publish, shared plans to
    comment on. Six queries."""
    my_groups = reverse("dashboard:my_groups")
    items = _each_or_count(
        meetings_without_date(user),
        lambda m: TodoItem(
            f"Sett dato for {_meeting_name(m)}{f' ({m.week_display})' if m.week_display else ''}",
            reverse("meetings:meeting_edit", kwargs={"pk": m.pk}),
        ),
        lambda n: TodoItem(f"{_plural(n, 'veiledningsmøte', 'veiledningsmøter')} mangler dato", my_groups),
    )
    items += _each_or_count(
        meetings_without_note(user),
        lambda m: TodoItem(
            f"Skriv og publiser referat fra {_meeting_name(m)}", reverse("meetings:note_edit", kwargs={"pk": m.pk})
        ),
        lambda n: TodoItem(f"{_plural(n, 'veiledningsmøte', 'veiledningsmøter')} mangler publisert referat", my_groups),
    )
    items += _each_or_count(
        plans_shared_with_adviser(user),
        lambda p: TodoItem(
            f"Les og kommenter utviklingsplanen til {p.group.display_name}",
            reverse("development_plans:plan_detail", kwargs={"pk": p.pk}) + "#kommentarer",
        ),
        lambda n: TodoItem(
            f"{_plural(n, 'utviklingsplan', 'utviklingsplaner')} er delt med deg for kommentar", my_groups
        ),
    )
    return items


def leader_todo() -> list[TodoItem]:
    """The programme leader's steps: contracts to countersign, e-mails that failed, groups that lack people,
    groups whose owner or kulturskoleleder missed the last two guidance meetings. Six queries."""
    items = []
    countersign = contracts_to_countersign().count()
    if countersign:
        items.append(
            TodoItem(
                f"{_plural(countersign, 'kontrakt', 'kontrakter')} venter på kontrasignatur",
                reverse("admin:contracts_contract_changelist") + "?status=signed",
            )
        )
    failed = outbox.failed().count()
    if failed:
        items.append(
            TodoItem(
                f"{_plural(failed, 'e-post', 'e-poster')} kunne ikke sendes",
                reverse("admin:core_email_changelist") + "?status__exact=failed",
            )
        )
    groups = (
        MunicipalityGroup.objects.filter(status__in=STAFFED_STATUSES)
        .select_related("portfolio__programme")
        .prefetch_related("municipalities", Prefetch("memberships", Membership.objects.select_related("user")))
        .order_by("name", "pk")
    )
    lacking = [(group, lacks) for group in groups if (lacks := group.shortcomings())]
    items += _each_or_count(
        lacking,
        lambda found: TodoItem(f"{found[0].display_name}: {' '.join(found[1])}", found[0].get_absolute_url()),
        lambda n: TodoItem(
            f"{_plural(n, 'kommunegruppe', 'kommunegrupper')} mangler deltakere", reverse("dashboard:portfolio_list")
        ),
    )
    warnings = attendance_warnings(group.pk for group in groups)
    away = [(group, warnings[group.pk]) for group in groups if group.pk in warnings]
    items += _each_or_count(
        away,
        lambda found: TodoItem(f"{found[0].display_name}: {' '.join(found[1])}", found[0].get_absolute_url()),
        lambda n: TodoItem(
            f"I {_plural(n, 'kommunegruppe', 'kommunegrupper')} var eier eller leder ikke med på de to siste "
            "veiledningsmøtene",
            reverse("dashboard:portfolio_list"),
        ),
    )
    return items
