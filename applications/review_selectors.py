"""Reads of the programme leader's review (issue 15, part 2): one application with everything its page
shows, and the filtered, sorted list, each in a fixed number of queries."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypedDict, cast

from django.core.paginator import Page, Paginator
from django.db.models import Case, CharField, Count, F, OuterRef, Prefetch, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce, Lower

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


def _first_name(field: str) -> Subquery:
    """The application's first municipality's `field`, in the order the applicant gave them."""
    links = ApplicationMunicipality.objects.filter(application=OuterRef("pk")).order_by("order", "pk")
    return Subquery(links.values(field)[:1])


# The database's sort key per column, so that the list is sorted before it is paged: only a page is loaded.
SORTS: dict[str, Callable[[], Any]] = {
    "kommune": lambda: Lower(Coalesce(_first_name("municipality__name"), Value("Uten kommune"))),
    "fylke": lambda: Subquery(
        ApplicationMunicipality.objects.filter(application=OuterRef("pk"))
        .order_by("municipality__county__name")
        .values("municipality__county__name")[:1]
    ),
    "utlysning": lambda: Lower("call__title"),
    "status": lambda: Case(
        *(When(status=value, then=Value(label)) for value, label in Application.Status.choices),
        output_field=CharField(),
    ),
    "sendt": lambda: F("submitted_at"),
    "kriterier": lambda: F("criteria_met"),
    "notater": lambda: F("note_count"),
}
DEFAULT_SORT = "kommune"
PAGE_SIZE = 50


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
    user: User, filters: ApplicationFilters, sort: str = DEFAULT_SORT, page: str | None = None
) -> tuple[Page[ApplicationRow], dict[str, int]]:
    """Page `page` (PAGE_SIZE rows) of the applications `user` may read under `filters`, sorted in the
    database (ties by municipality), and how many there are per status under the same filters but the
    status: 3 queries (the number of rows, the page's rows with their counts, their municipalities with
    counties) and 1 for the counts, whatever the number of applications."""
    # Only what the applicant sent in (a draft is theirs until they send it), in whatever state since.
    base = _filtered(Application.objects.visible_to(user).filter(submitted_at__isnull=False), filters)
    counts = {row["status"]: row["n"] for row in base.order_by().values("status").annotate(n=Count("pk"))}
    queryset = base.filter(status=filters["status"]) if filters["status"] else base
    column, descending = sort_key(sort)
    key = SORTS[column]()
    queryset = (
        queryset.select_related("call__portfolio__programme")
        .prefetch_related(_links())
        .annotate(
            criteria_met=Count("criterion_checks", filter=Q(criterion_checks__met=True), distinct=True),
            note_count=Count("review_notes", distinct=True),
        )
        .order_by(key.desc(nulls_last=True) if descending else key.asc(nulls_last=True), SORTS[DEFAULT_SORT](), "pk")
    )
    paged = Paginator(queryset, PAGE_SIZE).get_page(page)
    rows = [ApplicationRow(a) for a in paged.object_list]
    return Page(rows, paged.number, cast(Paginator[ApplicationRow], paged.paginator)), counts


def application_of_group(group_id: int) -> Application | None:
    """The application a group was admitted from, with what the group page shows of it; None for a group
    made otherwise (the admin, the import). One query."""
    return (
        Application.objects.filter(group_id=group_id)
        .only("pk", "status", "submitted_at", "decided_at", "needs", "motivation", "group_id")
        .first()
    )
