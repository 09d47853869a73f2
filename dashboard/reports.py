"""The programme reports: the figures the board and the directorate ask for, per portfolio and year by year
across a programme's portfolios (the evaluation report's §1.1 and chapter 3: municipalities and counties taking
part, groups of one and of several municipalities, completed and ended early, contracts, plans, meetings, the
survey's response rate and its key results).

Every figure is counted in the database, for any number of portfolios at once, so that neither the portfolio
report nor the programme's year-by-year table runs a query per portfolio or per group."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q
from django.utils.safestring import SafeString

from contracts.models import Contract
from development_plans.models import DevelopmentPlan
from meetings.models import Meeting
from municipalities.models import Continuation, Municipality, MunicipalityGroup
from portfolios.models import Portfolio, Programme
from surveys import charts
from surveys.models import Invitation, Question, Survey
from surveys.selectors import Bucket, Distribution, largest_remainder_percentages, response_rates, survey_results

# A group that has only applied is not taking part (yet); every other status is.
TAKING_PART = [
    MunicipalityGroup.Status.ADMITTED,
    MunicipalityGroup.Status.ACTIVE,
    MunicipalityGroup.Status.COMPLETED,
    MunicipalityGroup.Status.ENDED_EARLY,
]


@dataclass
class Figures:
    """One portfolio's figures; every field is a count."""

    groups: int = 0
    single: int = 0
    several: int = 0
    completed: int = 0
    ended_early: int = 0
    # How the completed groups go on after the period (MunicipalityGroup.continuation).
    continuing: int = 0
    continuing_in_network: int = 0
    continuing_in_sharing_arena: int = 0
    stopped: int = 0
    municipalities: int = 0
    counties: int = 0
    contracts_sent: int = 0
    contracts_signed: int = 0
    plans: int = 0
    plans_approved: int = 0
    guidance_held: int = 0
    gatherings_held: int = 0
    invited: int = 0
    answered: int = 0

    @property
    def response_percent(self) -> int:
        return round(100 * self.answered / self.invited) if self.invited else 0


# The figures as rows of a table, in the order the report lists them: (label, attribute).
FIGURE_ROWS = [
    ("Kommunegrupper som deltar", "groups"),
    ("Grupper med én kommune", "single"),
    ("Grupper med flere kommuner", "several"),
    ("Kommuner som deltar", "municipalities"),
    ("Fylker", "counties"),
    ("Grupper som har fullført", "completed"),
    ("Grupper som avsluttet før tiden", "ended_early"),
    ("Fullførte grupper som fortsetter på egen hånd", "continuing"),
    ("Fullførte grupper som fortsetter i regionalt nettverk", "continuing_in_network"),
    ("Fullførte grupper som fortsetter i Delingsarena", "continuing_in_sharing_arena"),
    ("Fullførte grupper som har stoppet", "stopped"),
    ("Kontrakter sendt", "contracts_sent"),
    ("Kontrakter signert av kommunen", "contracts_signed"),
    ("Utviklingsplaner påbegynt", "plans"),
    ("Utviklingsplaner godkjent", "plans_approved"),
    ("Veiledningsmøter gjennomført", "guidance_held"),
    ("Fellessamlinger gjennomført", "gatherings_held"),
    ("Invitert til spørreundersøkelsen", "invited"),
    ("Svar på spørreundersøkelsen", "answered"),
    ("Svarprosent", "response_percent"),
]


def figures_for(portfolio_ids: Sequence[int]) -> dict[int, Figures]:
    """{portfolio id: its figures} for every portfolio in `portfolio_ids`, in six queries whatever their number:
    groups, municipalities and counties, contracts, plans, meetings and survey invitations."""
    figures = {pk: Figures() for pk in portfolio_ids}
    groups = (
        MunicipalityGroup.objects.filter(portfolio__in=portfolio_ids, status__in=TAKING_PART)
        .annotate(size=Count("municipalities"))
        .values_list("portfolio_id", "status", "size", "continuation")
    )
    continuations: dict[str, str] = {
        Continuation.OWN: "continuing",
        Continuation.NETWORK: "continuing_in_network",
        Continuation.SHARING_ARENA: "continuing_in_sharing_arena",
        Continuation.STOPPED: "stopped",
    }
    for portfolio_id, status, size, continuation in groups:
        row = figures[portfolio_id]
        row.groups += 1
        row.single += size == 1
        row.several += size > 1
        row.completed += status == MunicipalityGroup.Status.COMPLETED
        row.ended_early += status == MunicipalityGroup.Status.ENDED_EARLY
        if continuation and status == MunicipalityGroup.Status.COMPLETED:
            name = continuations[continuation]
            setattr(row, name, getattr(row, name) + 1)
    places = (
        Municipality.objects.filter(groups__portfolio__in=portfolio_ids, groups__status__in=TAKING_PART)
        .values("groups__portfolio")
        .annotate(municipalities=Count("pk", distinct=True), counties=Count("county", distinct=True))
        .order_by()
    )
    for place in places:
        figures[place["groups__portfolio"]].municipalities = place["municipalities"]
        figures[place["groups__portfolio"]].counties = place["counties"]
    contracts = (
        Contract.objects.filter(group__portfolio__in=portfolio_ids)
        .exclude(status=Contract.Status.DRAFT)
        .values("group__portfolio")
        .annotate(sent=Count("pk"), signed=Count("pk", filter=Q(signed_at__isnull=False)))
        .order_by()
    )
    for contract in contracts:
        figures[contract["group__portfolio"]].contracts_sent = contract["sent"]
        figures[contract["group__portfolio"]].contracts_signed = contract["signed"]
    # A plan approved once counts as approved, even while its next version is being written.
    plans = (
        DevelopmentPlan.objects.filter(group__portfolio__in=portfolio_ids)
        .values("group__portfolio")
        .annotate(
            total=Count("pk", distinct=True), approved=Count("pk", filter=Q(versions__isnull=False), distinct=True)
        )
        .order_by()
    )
    for plan in plans:
        figures[plan["group__portfolio"]].plans = plan["total"]
        figures[plan["group__portfolio"]].plans_approved = plan["approved"]
    meetings = (
        Meeting.objects.filter(portfolio__in=portfolio_ids, status=Meeting.Status.HELD)
        .values("portfolio", "kind")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for meeting in meetings:
        if meeting["kind"] == Meeting.Kind.GUIDANCE:
            figures[meeting["portfolio"]].guidance_held = meeting["n"]
        elif meeting["kind"] == Meeting.Kind.GATHERING:
            figures[meeting["portfolio"]].gatherings_held = meeting["n"]
    # Counted from the invitations, as surveys.selectors.response_rates does: a used one has answered.
    invitations = (
        Invitation.objects.filter(survey__portfolio__in=portfolio_ids)
        .values("survey__portfolio")
        .annotate(invited=Count("pk"), answered=Count("pk", filter=Q(used_at__isnull=False)))
        .order_by()
    )
    for invitation in invitations:
        figures[invitation["survey__portfolio"]].invited = invitation["invited"]
        figures[invitation["survey__portfolio"]].answered = invitation["answered"]
    return figures


def figure_rows(figures: Figures) -> list[tuple[str, int]]:
    return [(label, getattr(figures, name)) for label, name in FIGURE_ROWS]


def status_chart(chart_id: str, figures: Figures) -> SafeString:
    """The groups by how far they came, drawn with the survey charts (the table of figures is its text)."""
    labels = ["Fullført", "Avsluttet før tiden", "Pågår eller tatt opp"]
    counts = [figures.completed, figures.ended_early, figures.groups - figures.completed - figures.ended_early]
    percents = largest_remainder_percentages(counts)
    distribution = Distribution(
        buckets=[Bucket(label, n, p) for label, n, p in zip(labels, counts, percents, strict=True)], n=figures.groups
    )
    return charts.distribution_svg(chart_id, "Kommunegrupper etter status", distribution)


@dataclass
class KeyResult:
    """A scale question (or one item of a matrix) with its overall numbers."""

    question: str
    n: int | None
    mean: float | None
    median: float | None
    suppressed: bool
    svg: str = ""


@dataclass
class PortfolioReport:
    portfolio: Portfolio
    figures: Figures
    rows: list[tuple[str, int]]
    chart: SafeString
    survey: Survey | None
    rates: dict[str, Any] | None = None
    results: list[KeyResult] = field(default_factory=list)


def portfolio_report(portfolio: Portfolio) -> PortfolioReport:
    """The portfolio's figures, and its latest survey's response rates and key results: the mean and
    distribution of its scale questions. A fixed number of queries, whatever the number of groups."""
    figures = figures_for([portfolio.pk])[portfolio.pk]
    survey = Survey.objects.filter(portfolio=portfolio).order_by("-opens_at", "-pk").first()
    report = PortfolioReport(
        portfolio=portfolio,
        figures=figures,
        rows=figure_rows(figures),
        chart=status_chart(f"status-{portfolio.pk}", figures),
        survey=survey,
    )
    if survey is not None:
        report.rates = dict(response_rates(survey))
        report.results = key_results(survey)
    return report


def key_results(survey: Survey) -> list[KeyResult]:
    """The survey's scale questions with mean, median and answers; a chart for each single scale question
    (the matrices' items are in the table only, so that the page does not carry dozens of charts)."""
    results = []
    for result in survey_results(survey):
        question = result.question
        if not question.is_scale:
            continue
        for row in result.rows:
            title = question.text + (f" – {row.label}" if row.label else "")
            overall = row.overall
            key = KeyResult(title, overall.n, overall.mean, overall.median, overall.suppressed)
            if question.kind == Question.Kind.SCALE and not overall.suppressed and overall.n:
                key.svg = charts.distribution_svg(f"resultat-{row.chart_id}", title, overall)
            results.append(key)
    return results


@dataclass
class YearRow:
    portfolio: Portfolio
    figures: Figures


def programme_years(programme: Programme) -> list[YearRow]:
    """The programme's portfolios, oldest first, each with its figures: seven queries in all."""
    portfolios = list(Portfolio.objects.filter(programme=programme).order_by("agreement_start", "pk"))
    figures = figures_for([p.pk for p in portfolios])
    return [YearRow(p, figures[p.pk]) for p in portfolios]


# The year-by-year table's columns, beside the portfolio and its period.
YEAR_COLUMNS = [
    ("Grupper", "groups"),
    ("Én kommune", "single"),
    ("Flere kommuner", "several"),
    ("Kommuner", "municipalities"),
    ("Fylker", "counties"),
    ("Fullført", "completed"),
    ("Avsluttet før tiden", "ended_early"),
    ("Kontrakter signert", "contracts_signed"),
    ("Planer godkjent", "plans_approved"),
    ("Veiledningsmøter", "guidance_held"),
    ("Fellessamlinger", "gatherings_held"),
    ("Svarprosent", "response_percent"),
]


def year_table(rows: Sequence[YearRow]) -> tuple[list[str], list[list[Any]]]:
    """The header and rows of the year-by-year table, shared by the page, the XLSX and the PDF."""
    header = ["Portefølje", "Startår", *(label for label, _ in YEAR_COLUMNS)]
    body = [
        [row.portfolio.name, row.portfolio.agreement_start.year, *(getattr(row.figures, a) for _, a in YEAR_COLUMNS)]
        for row in rows
    ]
    return header, body


def years_chart(programme: Programme, rows: Sequence[YearRow]) -> SafeString:
    """Groups taking part per portfolio, drawn with the survey charts; the year table is its text."""
    counts = [row.figures.groups for row in rows]
    percents = largest_remainder_percentages(counts)
    distribution = Distribution(
        buckets=[Bucket(row.portfolio.name, n, p) for row, n, p in zip(rows, counts, percents, strict=True)],
        n=sum(counts),
    )
    return charts.distribution_svg(f"aar-{programme.pk}", "Kommunegrupper per portefølje", distribution)


@dataclass
class ProgrammeReport:
    programme: Programme
    years: list[YearRow]
    header: list[str]
    body: list[list[Any]]
    totals: Figures
    chart: SafeString


def programme_report(programme: Programme) -> ProgrammeReport:
    """The programme's portfolios year by year, and the sums over them (a municipality that took part in two
    portfolios is counted in each: the sums are of participations)."""
    years = programme_years(programme)
    header, body = year_table(years)
    totals = Figures()
    for row in years:
        for name in Figures.__dataclass_fields__:
            setattr(totals, name, getattr(totals, name) + getattr(row.figures, name))
    return ProgrammeReport(programme, years, header, body, totals, years_chart(programme, years))
