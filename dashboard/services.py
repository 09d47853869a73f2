"""Writes of `dashboard`: asking for a programme report's PDF, and the background job that makes it
(core.pdf_jobs, as for the survey report)."""

from typing import Any

from django.http import HttpRequest

from accounts.models import User
from accounts.services import audit_log
from core.background import send_soon
from core.pdf import PDF_ARCHIVE, render_pdf
from core.pdf_jobs import job_failed, job_made, job_request, jobs_render_due
from portfolios.models import Portfolio, Programme

from .models import ReportPdf
from .reports import portfolio_report, programme_report

# The background job (tasks.render_report_pdfs), queued by name so that the services never import the tasks.
REPORT_PDF_TASK = "dashboard.render_report_pdfs"
REPORT_PDF_TEMPLATE = "pdf/programme_report.html"


def report_pdf_request(*, subject: Portfolio | Programme, user: User, request: HttpRequest | None = None) -> ReportPdf:
    """«Lag PDF» (and «Prøv igjen», «Lag PDF på nytt»): queue the report of `subject` (a portfolio, or a
    programme year by year) to be made. Nothing is rendered here; a double click queues one render."""
    report, queued = job_request(ReportPdf.objects.all(), user=user, **ReportPdf.of(subject))
    if queued:
        audit_log(action="report.pdf_requested", actor=user, obj=subject, request=request)
    send_soon(REPORT_PDF_TASK)
    return report


def report_pdfs_render_due(*, limit: int | None = None) -> int:
    """The background job: makes the report PDFs asked for, oldest first (core.pdf_jobs.jobs_render_due).
    Returns how many were tried."""
    queued = ReportPdf.objects.select_related("portfolio__programme", "programme")
    return jobs_render_due(queued, _render, limit=limit)


def report_pdf_context(subject: Portfolio | Programme) -> dict[str, Any]:
    """What the print template shows: the same figures, tables and charts as the report's page."""
    if isinstance(subject, Portfolio):
        return {"report": portfolio_report(subject)}
    return {"programme_report": programme_report(subject)}


def _render(report: ReportPdf) -> None:
    subject: Portfolio | Programme | None = report.portfolio or report.programme
    assert subject is not None, "the check constraint gives every row a portfolio or a programme"
    try:
        # A programme's report goes to the council's archive: PDF/A.
        content = render_pdf(REPORT_PDF_TEMPLATE, report_pdf_context(subject), pdf_variant=PDF_ARCHIVE)
        job_made(report, content, name=f"reports/{report.pk}")
    except Exception as error:
        message = job_failed(report, error)
        audit_log(action="report.pdf_failed", obj=subject, payload={"error": message})
        return
    audit_log(action="report.pdf_made", obj=subject)
