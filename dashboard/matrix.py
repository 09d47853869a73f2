"""The programme leader's status matrix of a portfolio: one row per group with what each capability app
knows of it, filtered and sorted, for the page and for its XLSX export.

Every value comes from annotations and prefetches on the one queryset of groups (`matrix_groups`) and one
read of the running survey's invitations, so the page asks the same number of queries for 5 groups as for
all 357 municipalities'. The page adds one query of its own for the attendance warnings."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypedDict

from django.db.models import OuterRef, Subquery
from django.urls import reverse

from accounts.models import AuditEvent, User
from applications.models import Application
from contracts.models import Contract
from contracts.selectors import contracts_with_signatures, pending_among_prefetched
from development_plans.models import DevelopmentPlan
from meetings.selectors import with_meeting_counts, with_meeting_overview
from municipalities.models import County, Municipality, MunicipalityGroup, MunicipalityGroupQuerySet
from portfolios.models import Portfolio
from surveys.selectors import RateRow, RunningSurvey, running_survey_rates

NO_CONTRACT = "Ikke opprettet"
NO_PLAN = "Ikke startet"


class MatrixFilters(TypedDict):
    county: County | None
    adviser: User | None
    status: str


@dataclass
class ContractCell:
    """One municipality of a group and its contract (None before one is made)."""

    municipality: Municipality
    contract: Contract | None
    pending: list[User] = field(default_factory=list)

    @property
    def status(self) -> str:
        return self.contract.status_display if self.contract else NO_CONTRACT

    @property
    def done(self) -> bool:
        """Signed by everyone, or nothing left to sign: what the leader need not chase."""
        return self.contract is not None and self.contract.status in (
            Contract.Status.COUNTERSIGNED,
            Contract.Status.IN_FORCE,
        )

    @property
    def text(self) -> str:
        """The cell in words, as the export writes it: «Bodø: Sendt til signering (venter på Kari Nordmann)»."""
        waiting = f" (venter på {', '.join(u.full_name for u in self.pending)})" if self.pending else ""
        return f"{self.municipality.name}: {self.status}{waiting}"


@dataclass
class MatrixRow:
    group: MunicipalityGroup
    counties: list[str]
    shortcomings: list[str]
    contracts: list[ContractCell]
    plan: DevelopmentPlan | None
    survey_rates: list[RateRow]
    last_activity: datetime | None
    # Advice that is no shortcoming (MunicipalityGroup.warnings), shown under the shortcomings.
    warnings: list[str] = field(default_factory=list)
    # Set by the page (matrix_views.portfolio_matrix): meetings.selectors.attendance_warnings.
    attendance_warnings: list[str] = field(default_factory=list)

    @property
    def plan_status(self) -> str:
        return self.plan.get_status_display() if self.plan else NO_PLAN

    @property
    def plan_url(self) -> str:
        if self.plan:
            return self.plan.get_absolute_url()
        return reverse("development_plans:group_plan", kwargs={"group_pk": self.group.pk})

    @property
    def application_url(self) -> str:
        """The application the group was admitted from (issue 15), or "" for a group made otherwise."""
        pk = getattr(self.group, "application_pk", None)
        return reverse("application_review:detail", kwargs={"pk": pk}) if pk else ""

    @property
    def meetings_url(self) -> str:
        return reverse("meetings:group_meetings", kwargs={"group_pk": self.group.pk})

    @property
    def contracts_open(self) -> int:
        return sum(not cell.done for cell in self.contracts)

    @property
    def survey_answered(self) -> int:
        return sum(rate.answered for rate in self.survey_rates)

    @property
    def survey_invited(self) -> int:
        return sum(rate.invited for rate in self.survey_rates)

    @property
    def survey_percent(self) -> int | None:
        invited = self.survey_invited
        return round(100 * self.survey_answered / invited) if invited else None

    @property
    def survey_text(self) -> str:
        """«Eier 2/3, Leder 1/1», as the export writes it."""
        return ", ".join(f"{rate.label} {rate.answered}/{rate.invited}" for rate in self.survey_rates)

    def count(self, name: str) -> int:
        """An annotated count of the group (see `matrix_groups`)."""
        value: int = getattr(self.group, name)
        return value


def matrix_groups(portfolio: Portfolio) -> MunicipalityGroupQuerySet:
    """The portfolio's groups with everything the matrix shows: 1 query for the groups with their counts,
    plan and last activity, and 4 prefetches (municipalities, memberships, contracts, signatures)."""
    # Group events of people at work; a refused access says nothing of the group's own progress.
    last_event = (
        AuditEvent.objects.filter(group_id=OuterRef("pk"))
        .exclude(action__startswith="access.")
        .order_by("-created_at")
        .values("created_at")[:1]
    )
    # What the group applied with, if it was admitted from an application: two columns of the same query.
    application = Application.objects.filter(group=OuterRef("pk"))
    groups = (
        MunicipalityGroup.objects.filter(portfolio=portfolio)
        .with_overview()
        .select_related("development_plan")
        .prefetch_related(contracts_with_signatures())
        .annotate(
            last_activity=Subquery(last_event),
            application_pk=Subquery(application.values("pk")[:1]),
            application_submitted_at=Subquery(application.values("submitted_at")[:1]),
        )
    )
    return with_meeting_counts(with_meeting_overview(groups))


def filtered(groups: MunicipalityGroupQuerySet, filters: MatrixFilters) -> MunicipalityGroupQuerySet:
    if filters["county"] is not None:
        # A subquery rather than a join, so that a group of two municipalities in the county stays one row.
        in_county = MunicipalityGroup.objects.filter(municipalities__county=filters["county"]).values("pk")
        groups = groups.filter(pk__in=in_county)
    if filters["adviser"] is not None:
        groups = groups.filter(adviser=filters["adviser"])
    if filters["status"]:
        groups = groups.filter(status=filters["status"])
    return groups


def _row(group: MunicipalityGroup, survey: RunningSurvey | None) -> MatrixRow:
    municipalities = sorted(group.municipalities.all(), key=lambda m: m.name)
    contracts = {c.municipality_id: c for c in group.contracts.all()}
    cells = []
    for municipality in municipalities:
        contract = contracts.get(municipality.pk)
        cells.append(ContractCell(municipality, contract, pending_among_prefetched(contract) if contract else []))
    plan: DevelopmentPlan | None = getattr(group, "development_plan", None)
    return MatrixRow(
        group=group,
        counties=sorted({m.county.name for m in municipalities}),
        shortcomings=group.shortcomings(),
        contracts=cells,
        plan=plan,
        survey_rates=survey.by_group.get(group.pk, []) if survey else [],
        last_activity=getattr(group, "last_activity", None),
        warnings=group.warnings(),
    )


PLAN_ORDER: dict[str | None, int] = {
    None: 0,
    **{status: n for n, status in enumerate(DevelopmentPlan.Status.values, start=1)},
}

# The columns the matrix sorts by (?sort=key, or -key for the reverse), each with its key on a row.
SORTS: dict[str, Callable[[MatrixRow], Any]] = {
    "navn": lambda r: r.group.display_name.lower(),
    "fylke": lambda r: ", ".join(r.counties),
    "veileder": lambda r: (r.group.adviser.full_name if r.group.adviser else "").lower(),
    "status": lambda r: r.group.get_status_display(),
    "mangler": lambda r: len(r.shortcomings),
    "kontrakt": lambda r: r.contracts_open,
    "moter": lambda r: r.count("held_meetings"),
    "referat": lambda r: r.count("notes_missing"),
    "oppgaver": lambda r: r.count("open_tasks"),
    "forsinket": lambda r: r.count("overdue_tasks"),
    "plan": lambda r: PLAN_ORDER.get(r.plan.status if r.plan else None, 0),
    "svar": lambda r: r.survey_percent if r.survey_percent is not None else -1,
    "aktivitet": lambda r: r.last_activity.timestamp() if r.last_activity else 0.0,
    "soknad": lambda r: s.timestamp() if (s := getattr(r.group, "application_submitted_at", None)) else 0.0,
}
DEFAULT_SORT = "navn"


def sort_key(value: str) -> tuple[str, bool]:
    """(column, descending) of a ?sort= value; an unknown one sorts by name."""
    descending = value.startswith("-")
    column = value.removeprefix("-")
    return (column, descending) if column in SORTS else (DEFAULT_SORT, False)


def matrix_rows(
    portfolio: Portfolio, filters: MatrixFilters, sort: str = DEFAULT_SORT
) -> tuple[list[MatrixRow], RunningSurvey | None]:
    """The matrix's rows, filtered and sorted (ties by name), and the portfolio's running survey."""
    survey = running_survey_rates(portfolio.pk)
    rows = [_row(group, survey) for group in filtered(matrix_groups(portfolio), filters)]
    column, descending = sort_key(sort)
    rows.sort(key=SORTS[DEFAULT_SORT])
    rows.sort(key=SORTS[column], reverse=descending)
    return rows, survey
