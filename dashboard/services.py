"""Writes of `dashboard`: asking for a programme report's PDF, and the background job that makes it."""

import logging
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import User
from accounts.services import audit_log
from core.background import send_soon
from core.pdf import render_pdf
from core.storage import private_storage, sha256_hex, write_bytes
from portfolios.models import Portfolio, Programme

from .models import ReportPdf
from .reports import portfolio_report, programme_report

# The background job (tasks.render_report_pdfs), queued by name so that the services never import the tasks.
REPORT_PDF_TASK = "dashboard.render_report_pdfs"
REPORT_PDF_TEMPLATE = "pdf/programme_report.html"
REPORT_FAILED_MESSAGE = "PDF-en av rapporten kunne ikke lages."
logger = logging.getLogger(__name__)


def report_pdf_request(*, subject: Portfolio | Programme, user: User, request: HttpRequest | None = None) -> ReportPdf:
    """«Lag PDF» (and «Prøv igjen», «Lag PDF på nytt»): queue the report of `subject` (a portfolio, or a
    programme year by year) to be made. Nothing is rendered here. A request already waiting is left as it
    is, so a double click queues one render; a PDF made before stays downloadable meanwhile."""
    lookup = ReportPdf.of(subject)
    with transaction.atomic():
        report, _ = ReportPdf.objects.get_or_create(**lookup)
        report = ReportPdf.objects.select_for_update().get(pk=report.pk)
        if report.requested_at is None:
            report.requested_at = timezone.now()
            report.requested_by = user
            report.save(update_fields=["requested_at", "requested_by"])
            audit_log(action="report.pdf_requested", actor=user, obj=subject, request=request)
        send_soon(REPORT_PDF_TASK)
    return report


def report_pdfs_render_due(*, limit: int | None = None) -> int:
    """The background job: makes the report PDFs asked for, oldest first, until none is left (or `limit`
    were tried). Returns how many were tried. Each request is claimed with SELECT … FOR UPDATE SKIP LOCKED
    and made in a transaction of its own, as surveys.services.reports_render_due does: a second worker skips
    it, a worker that dies half-way leaves it queued, and a failure waits on the row for «Prøv igjen»."""
    tried = 0
    while limit is None or tried < limit:
        with transaction.atomic():
            report = (
                ReportPdf.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("portfolio__programme", "programme")
                .filter(requested_at__isnull=False)
                .order_by("requested_at", "pk")
                .first()
            )
            if report is None:
                break
            tried += 1
            _render(report)
    return tried


def report_pdf_context(subject: Portfolio | Programme) -> dict[str, Any]:
    """What the print template shows: the same figures, tables and charts as the report's page."""
    if isinstance(subject, Portfolio):
        return {"report": portfolio_report(subject)}
    return {"programme_report": programme_report(subject)}


def _render(report: ReportPdf) -> None:
    """Precondition: the row is locked by the caller's transaction."""
    subject: Portfolio | Programme | None = report.portfolio or report.programme
    assert subject is not None, "the check constraint gives every row a portfolio or a programme"
    try:
        content = render_pdf(REPORT_PDF_TEMPLATE, report_pdf_context(subject))
        path = write_bytes(f"reports/{report.pk}", content)
    # PdfRenderError (core.pdf), and any other failure: rarely transient, so it waits for «Prøv igjen».
    except Exception as error:
        logger.exception("Report PDF %s could not be made; waiting for «Prøv igjen».", report.pk)
        message = f"{REPORT_FAILED_MESSAGE} Feil: {str(error) or type(error).__name__}"[:2000]
        ReportPdf.objects.filter(pk=report.pk).update(requested_at=None, failed_at=timezone.now(), error=message)
        audit_log(action="report.pdf_failed", obj=subject, payload={"error": message})
        return
    old = report.path
    report.path = path
    report.sha256 = sha256_hex(content)
    report.made_at = timezone.now()
    report.requested_at = None
    report.failed_at = None
    report.error = ""
    report.save(update_fields=["path", "sha256", "made_at", "requested_at", "failed_at", "error"])
    audit_log(action="report.pdf_made", obj=subject)
    if old:
        # Only once the row names the new file: until then a download may still be reading the old one.
        transaction.on_commit(lambda: _delete_quietly(old))


def _delete_quietly(path: str) -> None:
    try:
        private_storage().delete(path)
    except Exception:  # an old copy left behind is harmless; the row no longer names it
        logger.warning("Could not delete the old report PDF %s.", path, exc_info=True)
