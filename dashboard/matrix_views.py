"""The programme leader's status matrix of a portfolio and its exports (issue 14). Everyone else gets a 404."""

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from accounts.access import AuthenticatedRequest, require_programme_leader
from accounts.services import audit_log
from core.downloads import attachment, download_name
from core.xlsx import workbook_bytes
from meetings.selectors import attendance_warnings
from municipalities.selectors import current_members_of_portfolio
from portfolios.models import Portfolio
from portfolios.selectors import get_portfolio_for_user

from .exports import contacts_sheet, matrix_sheet
from .matrix import DEFAULT_SORT, MatrixFilters, matrix_rows, sort_key
from .matrix_forms import MatrixFilterForm

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# The matrix's columns: (sort key, header). Every column sorts.
COLUMNS = [
    ("navn", "Kommunegruppe"),
    ("fylke", "Fylke"),
    ("veileder", "Veileder"),
    ("status", "Status"),
    ("mangler", "Sammensetning"),
    ("kontrakt", "Kontrakter"),
    ("moter", "Møter"),
    ("referat", "Uten referat"),
    ("oppgaver", "Åpne oppgaver"),
    ("forsinket", "Forsinkede oppgaver"),
    ("plan", "Utviklingsplan"),
    ("svar", "Svar på undersøkelsen"),
    ("aktivitet", "Siste aktivitet"),
    ("soknad", "Søknad"),
]


def _portfolio(request: AuthenticatedRequest, pk: int) -> Portfolio:
    require_programme_leader(request.user, "portfolios.portfolio", pk)
    return get_portfolio_for_user(request.user, pk)


def _filters(form: MatrixFilterForm) -> MatrixFilters:
    """The valid filters of the form; a filter with an error is left out (the form shows the error)."""
    form.is_valid()
    data = {name: value for name, value in getattr(form, "cleaned_data", {}).items() if name not in form.errors}
    return {"county": data.get("county"), "adviser": data.get("adviser"), "status": data.get("status") or ""}


def _headers(request: AuthenticatedRequest, sort: str) -> list[dict[str, Any]]:
    """Each column's header: a link that sorts by it (ascending, or descending if it is sorted ascending
    now), and its aria-sort when it is the sorted column."""
    column, descending = sort_key(sort)
    headers = []
    for key, label in COLUMNS:
        query = request.GET.copy()
        query["sort"] = f"-{key}" if key == column and not descending else key
        headers.append(
            {
                "label": label,
                "url": f"?{query.urlencode()}",
                "aria_sort": ("descending" if descending else "ascending") if key == column else "",
            }
        )
    return headers


@login_required
def portfolio_matrix(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """The status matrix: one row per group, filtered by county, adviser and status, sorted by any column.

    Queries, whatever the number of groups: session, user, second-factor device, staff roles, the portfolio,
    the counties and the advisers for the filter (and the chosen ones when filtering), the running survey and
    its invitations' counts, the groups with their counts, their municipalities, memberships, contracts and
    the contracts' signatures (see test_matrix.py for the exact count)."""
    portfolio = _portfolio(request, pk)
    form = MatrixFilterForm(request.GET or None, portfolio=portfolio)
    sort = request.GET.get("sort") or DEFAULT_SORT
    rows, survey = matrix_rows(portfolio, _filters(form), sort)
    # The owner or the kulturskoleleder away from the last two guidance meetings (issue 16): one query.
    warnings = attendance_warnings([row.group.pk for row in rows])
    for row in rows:
        row.attendance_warnings = warnings.get(row.group.pk, [])
    return render(
        request,
        "dashboard/portfolio_matrix.html",
        {
            "portfolio": portfolio,
            "form": form,
            "rows": rows,
            "survey": survey,
            "headers": _headers(request, sort),
            "export_query": request.GET.urlencode(),
        },
    )


@login_required
def portfolio_matrix_export(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """The matrix as XLSX, with the page's filter and sort applied; the export is an event in the log."""
    portfolio = _portfolio(request, pk)
    form = MatrixFilterForm(request.GET or None, portfolio=portfolio)
    filters = _filters(form)
    rows, _survey = matrix_rows(portfolio, filters, request.GET.get("sort") or DEFAULT_SORT)
    audit_log(
        action="portfolio.matrix_exported",
        obj=portfolio,
        request=request,
        payload={
            "format": "xlsx",
            "rows": len(rows),
            **{key: str(value) for key, value in filters.items() if value not in (None, "")},
        },
    )
    stamp = timezone.localdate().isoformat()
    return attachment(
        workbook_bytes([matrix_sheet(rows)]),
        content_type=XLSX,
        filename=download_name("statusoversikt", portfolio.name, stamp, extension="xlsx"),
    )


@login_required
def portfolio_contacts_export(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Every current member of the portfolio's groups, with role, group, municipality, e-mail and phone."""
    portfolio = _portfolio(request, pk)
    memberships = current_members_of_portfolio(portfolio.pk)
    audit_log(
        action="portfolio.contacts_exported",
        obj=portfolio,
        request=request,
        payload={"format": "xlsx", "rows": len(memberships)},
    )
    stamp = timezone.localdate().isoformat()
    return attachment(
        workbook_bytes([contacts_sheet(memberships)]),
        content_type=XLSX,
        filename=download_name("kontaktliste", portfolio.name, stamp, extension="xlsx"),
    )
