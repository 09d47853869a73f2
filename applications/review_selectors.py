"""Reads of the programme leader's review (issue 15, part 2): one application with everything its page
shows, and the filtered, sorted list, each in a fixed number of queries."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypedDict

from django.db.models import Count, Prefetch, Q, QuerySet

from accounts.access import AccessRefused
from accounts.models import User
from municipalities.models import County, joined_names
from portfolios.models import Programme

from .models import Application, ApplicationMunicipality, ApplicationShare, Call, CriterionCheck, ReviewNote


class ApplicationFilters(TypedDict):
    call: Call | None
    programme: Programme | None
    county: County | None
    status: str


def _links() -> Prefetch[Any]:
    return Prefetch(
        "application_municipalities",
        ApplicationMunicipality.objects.select_related("municipality__county"),
    )


def get_application_for_user(user: User, pk: int) -> Application:
    """Application `pk` with its call, municipalities, contacts, answers and review if `user` may read it
    (the programme leader; an adviser it is shared with); otherwise AccessRefused (a 404)."""
    application = (
        Application.objects.visible_to(user)
        # Only what the applicant sent in: a draft is theirs until they send it.
        .filter(submitted_at__isnull=False)
        .select_related("call__portfolio__programme", "decided_by", "group")
        .prefetch_related(
            _links(),
            "contacts__municipality",
            "answers__question",
            "call__criteria",
            Prefetch("criterion_checks", CriterionCheck.objects.select_related("checked_by")),
            Prefetch("review_notes", ReviewNote.objects.select_related("author")),
            Prefetch("shares", ApplicationShare.objects.select_related("adviser", "shared_by")),
        )
        .filter(pk=pk)
        .first()
    )
    if application is None:
        raise AccessRefused("applications.application", pk)
    return application


@dataclass
class ApplicationRow:
    application: Application

    @property
    def municipalities(self) -> list[Any]:
        return [link.municipality for link in self.application.application_municipalities.all()]

    @property
    def name(self) -> str:
        return joined_names([m.name for m in self.municipalities]) if self.municipalities else "Uten kommune"

    @property
    def counties(self) -> list[str]:
        return sorted({m.county.name for m in self.municipalities})

    @property
    def non_members(self) -> list[str]:
        return [m.name for m in self.municipalities if not m.is_member]

    def count(self, name: str) -> int:
        value: int = getattr(self.application, name)
        return value


SORTS: dict[str, Callable[[ApplicationRow], Any]] = {
    "kommune": lambda r: r.name.lower(),
    "fylke": lambda r: ", ".join(r.counties),
    "utlysning": lambda r: r.application.call.title.lower(),
    "status": lambda r: r.application.get_status_display(),
    "sendt": lambda r: r.application.submitted_at.timestamp() if r.application.submitted_at else 0.0,
    "kriterier": lambda r: r.count("criteria_met"),
    "notater": lambda r: r.count("note_count"),
}
DEFAULT_SORT = "kommune"


def sort_key(value: str) -> tuple[str, bool]:
    """(column, descending) of a ?sort= value; an unknown one sorts by municipality."""
    descending = value.startswith("-")
    column = value.removeprefix("-")
    return (column, descending) if column in SORTS else (DEFAULT_SORT, False)


def _filtered(queryset: QuerySet[Application], filters: ApplicationFilters) -> QuerySet[Application]:
    if filters["call"] is not None:
        queryset = queryset.filter(call=filters["call"])
    if filters["programme"] is not None:
        queryset = queryset.filter(call__portfolio__programme=filters["programme"])
    if filters["county"] is not None:
        # A subquery rather than a join, so that an application of two municipalities in the county stays one row.
        in_county = ApplicationMunicipality.objects.filter(municipality__county=filters["county"]).values("application")
        queryset = queryset.filter(pk__in=in_county)
    return queryset


def application_rows(
    user: User, filters: ApplicationFilters, sort: str = DEFAULT_SORT
) -> tuple[list[ApplicationRow], dict[str, int]]:
    """The applications `user` may read under `filters`, sorted (ties by municipality), and how many there
    are per status under the same filters but the status: 2 queries (the rows with their counts, their
    municipalities with counties) and 1 for the counts, whatever the number of applications."""
    # Only what the applicant sent in (a draft is theirs until they send it), in whatever state since.
    base = _filtered(Application.objects.visible_to(user).filter(submitted_at__isnull=False), filters)
    counts = {row["status"]: row["n"] for row in base.order_by().values("status").annotate(n=Count("pk"))}
    queryset = base.filter(status=filters["status"]) if filters["status"] else base
    queryset = (
        queryset.select_related("call__portfolio__programme")
        .prefetch_related(_links())
        .annotate(
            criteria_met=Count("criterion_checks", filter=Q(criterion_checks__met=True), distinct=True),
            note_count=Count("review_notes", distinct=True),
        )
    )
    rows = [ApplicationRow(a) for a in queryset]
    column, descending = sort_key(sort)
    rows.sort(key=SORTS[DEFAULT_SORT])
    rows.sort(key=SORTS[column], reverse=descending)
    return rows, counts


def application_of_group(group_id: int) -> Application | None:
    """The application a group was admitted from, with what the group page shows of it; None for a group
    made otherwise (the admin, the import). One query."""
    return (
        Application.objects.filter(group_id=group_id)
        .only("pk", "status", "submitted_at", "decided_at", "needs", "motivation", "group_id")
        .first()
    )
