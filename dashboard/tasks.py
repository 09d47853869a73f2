"""Background work of `dashboard`. Tasks take nothing and call a service; the services queue them by name
(core.background.send_soon), never by importing this module."""

from celery import shared_task

from .services import REPORT_PDF_TASK, report_pdfs_render_due


@shared_task(name=REPORT_PDF_TASK)
def render_report_pdfs() -> int:
    """Queued when the programme leader asks for a report's PDF, and started by beat every minute in case a
    message was lost: makes and stores every PDF asked for (see services.report_pdfs_render_due)."""
    return report_pdfs_render_due()
