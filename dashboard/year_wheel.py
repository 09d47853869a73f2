"""The year wheel (årshjul): a portfolio's meetings, gatherings and deadlines month by month, with ISO weeks.

The entries come from the capability apps' rows: the plan («Plan for gjennomføring») where no meeting was
made from a row yet, the meetings and gatherings, the agreement period, contracts waiting for signatures,
development plans waiting for (or given) approval, and the survey's opening and closing. What a person sees
follows the apps' own `visible_to`: a member sees their own group's meetings, contracts and plan, and the
portfolio's common items, never another group's."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from itertools import groupby

from django.db.models import Prefetch
from django.utils import timezone

from accounts.models import User
from contracts.models import Contract
from development_plans.models import DevelopmentPlan
from meetings.models import Meeting
from meetings.selectors import _day as meeting_day
from municipalities.models import Municipality, MunicipalityGroup
from portfolios.models import PlanItem, Portfolio
from portfolios.weeks import MONTHS, iso_weeks, weeks_label
from surveys.models import Survey

# What each entry is, as the list names it.
MEETING = "Møte"
GATHERING = "Fellessamling"
DEADLINE = "Frist"
PLAN = "Plan"
DATE = "Dato"


@dataclass
class Entry:
    day: date
    title: str
    kind: str
    last_day: date | None = None
    group: str = ""
    url: str = ""
    # The plan's own wording of the weeks («uke 2–3 eller 4») where it has one.
    weeks_text: str = ""

    @property
    def weeks(self) -> str:
        """«uke 6», «uke 6/7», «uke 40–44»."""
        if self.weeks_text:
            return self.weeks_text
        return "uke " + weeks_label(iso_weeks(self.day, self.last_day or self.day))

    @property
    def when(self) -> str:
        """«05.02.2026», or a span «02.02.–15.02.2026»."""
        if self.last_day is None or self.last_day == self.day:
            return f"{self.day:%d.%m.%Y}"
        return f"{self.day:%d.%m.}–{self.last_day:%d.%m.%Y}"


@dataclass
class Month:
    year: int
    month: int
    entries: list[Entry] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"{MONTHS[self.month - 1]} {self.year}"

    @property
    def key(self) -> str:
        return f"{self.year}-{self.month:02d}"


def by_month(entries: Iterable[Entry]) -> list[Month]:
    """The entries in time order, grouped by the month they start in."""
    ordered = sorted(entries, key=lambda e: (e.day, e.last_day or e.day, e.title))
    return [
        Month(year, month, list(items))
        for (year, month), items in groupby(ordered, key=lambda e: (e.day.year, e.day.month))
    ]


def _meeting_entries(meetings: Iterable[Meeting], *, with_group: bool) -> list[Entry]:
    """Meetings that are not cancelled, on their day (or the first day of their window). Reads each one's
    plan row and, with `with_group`, its group's name: load them with the meetings."""
    entries = []
    for meeting in meetings:
        if meeting.status == Meeting.Status.CANCELLED:
            continue
        day = meeting_day(meeting)
        if day is None:
            continue
        last = meeting.window_end if meeting.starts_at is None else None
        entries.append(
            Entry(
                day=day,
                last_day=last,
                title=meeting.title,
                kind=GATHERING if meeting.is_gathering else MEETING,
                group=meeting.group.display_name if with_group and meeting.group is not None else "",
                url=meeting.get_absolute_url(),
                weeks_text=meeting.week_display if meeting.starts_at is None else "",
            )
        )
    return entries


def _contract_entries(contracts: Iterable[Contract], *, with_group: bool) -> list[Entry]:
    """A contract sent and not yet signed: due by its reminder (the day the signatories are reminded), else
    by the start of the agreement period."""
    entries = []
    for contract in contracts:
        if contract.status != Contract.Status.SENT or contract.is_expired:
            continue
        due = timezone.localtime(contract.reminder_due_at).date() if contract.reminder_due_at else None
        entries.append(
            Entry(
                day=due or contract.group.portfolio.agreement_start,
                title=f"Kontrakt for {contract.municipality.display_name} skal signeres",
                kind=DEADLINE,
                group=contract.group.display_name if with_group else "",
                url=contract.get_absolute_url(),
            )
        )
    return entries


def _plan_entries(plans: Iterable[DevelopmentPlan], *, with_group: bool) -> list[Entry]:
    entries = []
    for plan in plans:
        group = plan.group.display_name if with_group else ""
        if plan.status == DevelopmentPlan.Status.SHARED and plan.shared_at:
            title, day = "Utviklingsplanen venter på godkjenning av kulturskoleeier", plan.shared_at
            kind = DEADLINE
        elif plan.status == DevelopmentPlan.Status.APPROVED and plan.approved_at:
            title, day, kind = "Utviklingsplanen er godkjent", plan.approved_at, DATE
        else:
            continue
        entries.append(Entry(timezone.localtime(day).date(), title, kind, group=group, url=plan.get_absolute_url()))
    return entries


def _period_entries(portfolio: Portfolio) -> list[Entry]:
    return [
        Entry(portfolio.agreement_start, "Avtaleperioden begynner", DATE),
        Entry(portfolio.agreement_end, "Avtaleperioden slutter, og kontraktene utløper", DEADLINE),
    ]


def _survey_entries(surveys: Iterable[Survey]) -> list[Entry]:
    entries = []
    for survey in surveys:
        entries.append(Entry(timezone.localtime(survey.opens_at).date(), f"«{survey.title}» åpner", DATE))
        entries.append(
            Entry(timezone.localtime(survey.closes_at).date(), f"Frist for å svare på «{survey.title}»", DEADLINE)
        )
    return entries


def _plan_item_entries(items: Iterable[PlanItem], made: set[int]) -> list[Entry]:
    """The plan's rows that say when, except those a meeting was made from (`made`): the meeting stands for
    its row, with its own date."""
    entries = []
    for item in items:
        span = item.span
        if span is None or item.pk in made:
            continue
        weeks = f"uke {item.weeks_display}" if item.weeks or item.weeks_text else ""
        entries.append(Entry(span[0], item.title, PLAN, last_day=span[1], weeks_text=weeks))
    return entries


def portfolio_year_wheel(user: User, portfolio: Portfolio) -> list[Month]:
    """The portfolio's year wheel as `user` may see it. Seven queries, whatever the number of groups and
    meetings: the visible meetings (with their plan rows and groups) and the groups' municipalities, the
    plan, contracts, development plans with their groups' municipalities, and the surveys."""
    groups = MunicipalityGroup.objects.visible_to(user).filter(portfolio=portfolio)
    municipalities = Prefetch("group__municipalities", Municipality.objects.order_by("name"))
    meetings = list(
        Meeting.objects.visible_to(user)
        .filter(portfolio=portfolio)
        .select_related("plan_item", "group")
        .prefetch_related(municipalities)
    )
    made = {m.plan_item_id for m in meetings if m.plan_item_id is not None}
    # Staff see several groups' items and need to know whose; a member sees only their own group's.
    with_group = user.is_staff
    contracts = (
        Contract.objects.filter(group__in=groups, status=Contract.Status.SENT)
        .select_related("municipality", "group__portfolio")
        .prefetch_related(municipalities)
    )
    plans = DevelopmentPlan.objects.filter(group__in=groups).select_related("group").prefetch_related(municipalities)
    entries = [
        *_plan_item_entries(portfolio.plan_items.all(), made),
        *_meeting_entries(meetings, with_group=with_group),
        *_period_entries(portfolio),
        *_contract_entries(contracts, with_group=with_group),
        *_plan_entries(plans, with_group=with_group),
        *_survey_entries(Survey.objects.filter(portfolio=portfolio)),
    ]
    return by_month(entries)


def group_year_wheel(
    meetings: Sequence[Meeting], contracts: Sequence[Contract], plan: DevelopmentPlan | None
) -> list[Month]:
    """A group's own year wheel for its page, from what the page has loaded already (meetings.selectors
    .meeting_plan, contracts.selectors.contracts_of_group, the plan): no query of its own."""
    entries = [
        *_meeting_entries(meetings, with_group=False),
        *_contract_entries(contracts, with_group=False),
        *_plan_entries([plan] if plan is not None else [], with_group=False),
    ]
    return by_month(entries)
