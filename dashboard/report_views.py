"""The programme reports (per portfolio, and a programme's portfolios year by year) as pages, XLSX and PDF,
and the portfolio's year wheel. The reports are the programme leader's alone; the year wheel is for everyone
who takes part in the portfolio."""

import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts.access import AccessRefused, AuthenticatedRequest, require_programme_leader
from accounts.services import audit_log
from core.downloads import attachment, download_name
from core.storage import DocumentTampered, read_verified
from core.xlsx import workbook_bytes
from portfolios.models import Portfolio, Programme
from portfolios.selectors import get_portfolio_for_user

from .models import ReportPdf
from .report_files import portfolio_sheets, programme_sheets
from .reports import portfolio_report, programme_report
from .services import report_pdf_request
from .year_wheel import portfolio_year_wheel

logger = logging.getLogger(__name__)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _leaders_portfolio(request: AuthenticatedRequest, pk: int) -> Portfolio:
    require_programme_leader(request.user, "portfolios.portfolio", pk)
    return get_portfolio_for_user(request.user, pk)


def _leaders_programme(request: AuthenticatedRequest, pk: int) -> Programme:
    require_programme_leader(request.user, "portfolios.programme", pk)
    programme = Programme.objects.filter(pk=pk).first()
    if programme is None:
        raise AccessRefused("portfolios.programme", pk)
    return programme


@login_required
def report_index(request: AuthenticatedRequest) -> HttpResponse:
    """«Rapporter»: every programme and its portfolios, each with its report."""
    require_programme_leader(request.user)
    programmes = Programme.objects.prefetch_related("portfolios").order_by("name")
    return render(request, "dashboard/report_index.html", {"programmes": programmes})


@login_required
def portfolio_report_page(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    portfolio = _leaders_portfolio(request, pk)
    return render(
        request,
        "dashboard/report_portfolio.html",
        {"report": portfolio_report(portfolio), "pdf": ReportPdf.objects.filter(portfolio=portfolio).first()},
    )


@login_required
def programme_report_page(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    programme = _leaders_programme(request, pk)
    return render(
        request,
        "dashboard/report_programme.html",
        {
            "programme_report": programme_report(programme),
            "pdf": ReportPdf.objects.filter(programme=programme).first(),
        },
    )


def _report_file_name(subject: Portfolio | Programme, extension: str) -> str:
    """«rapport-veiledningsordningen-portefolje-2.pdf», «rapport-veiledningsordningen-aar-for-aar.xlsx»: a
    portfolio's name alone («Portefølje 2») recurs across programmes, and would be the programme's too."""
    if isinstance(subject, Portfolio):
        return download_name("rapport", subject.programme.name, subject.name, extension=extension)
    return download_name("rapport", subject.name, "år for år", extension=extension)


def _xlsx(request: AuthenticatedRequest, subject: Portfolio | Programme, content: bytes) -> HttpResponse:
    audit_log(action="report.exported", actor=request.user, obj=subject, request=request, payload={"format": "xlsx"})
    return attachment(content, content_type=XLSX, filename=_report_file_name(subject, "xlsx"))


@login_required
def portfolio_report_xlsx(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    portfolio = _leaders_portfolio(request, pk)
    return _xlsx(request, portfolio, workbook_bytes(portfolio_sheets(portfolio_report(portfolio))))


@login_required
def programme_report_xlsx(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    programme = _leaders_programme(request, pk)
    return _xlsx(request, programme, workbook_bytes(programme_sheets(programme_report(programme).years)))


def _report_url(subject: Portfolio | Programme) -> str:
    name = "dashboard:report_portfolio" if isinstance(subject, Portfolio) else "dashboard:report_programme"
    return reverse(name, kwargs={"pk": subject.pk}) + "#rapport-pdf"


def _pdf_make(request: AuthenticatedRequest, subject: Portfolio | Programme) -> HttpResponseBase:
    report_pdf_request(subject=subject, user=request.user, request=request)
    messages.success(request, "PDF-en lages i bakgrunnen. Last siden på nytt om litt for å laste den ned.")
    return redirect(_report_url(subject))


def _pdf_download(request: AuthenticatedRequest, subject: Portfolio | Programme) -> HttpResponseBase:
    """The stored PDF as the background job made it: nothing is rendered here. Without one yet, the
    report's page, where «Lag PDF» is."""
    lookup = ReportPdf.of(subject)
    pdf = ReportPdf.objects.filter(**lookup).exclude(path="").first()
    if pdf is None:
        messages.info(request, "PDF-en av rapporten er ikke laget ennå. Velg «Lag PDF».")
        return redirect(_report_url(subject))
    try:
        content = read_verified(pdf.path, pdf.sha256)
    except DocumentTampered:
        # Missing or changed since it was made: never hand out other bytes than those made.
        logger.exception("Report PDF %s: the stored file %s is missing or changed.", pdf.pk, pdf.path)
        messages.error(request, "Den lagrede PDF-en kunne ikke leses. Velg «Lag PDF på nytt».")
        return redirect(_report_url(subject))
    audit_log(action="report.exported", actor=request.user, obj=subject, request=request, payload={"format": "pdf"})
    return attachment(content, content_type="application/pdf", filename=_report_file_name(subject, "pdf"))


@login_required
@require_POST
def portfolio_report_pdf_make(request: AuthenticatedRequest, pk: int) -> HttpResponseBase:
    return _pdf_make(request, _leaders_portfolio(request, pk))


@login_required
@require_POST
def programme_report_pdf_make(request: AuthenticatedRequest, pk: int) -> HttpResponseBase:
    return _pdf_make(request, _leaders_programme(request, pk))


@login_required
def portfolio_report_pdf(request: AuthenticatedRequest, pk: int) -> HttpResponseBase:
    return _pdf_download(request, _leaders_portfolio(request, pk))


@login_required
def programme_report_pdf(request: AuthenticatedRequest, pk: int) -> HttpResponseBase:
    return _pdf_download(request, _leaders_programme(request, pk))


@login_required
def year_wheel(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """The portfolio's year wheel, for everyone who may see the portfolio (its page's access)."""
    portfolio = get_portfolio_for_user(request.user, pk)
    return render(
        request,
        "dashboard/year_wheel.html",
        {"portfolio": portfolio, "months": portfolio_year_wheel(request.user, portfolio)},
    )
