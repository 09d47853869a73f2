"""Background work for applications. Tasks take nothing and call a service; the services queue them by name
(core.background.send_soon), never by importing this module."""

from celery import shared_task

from .services import PDF_TASK, application_pdfs_render_due


@shared_task(name=PDF_TASK)
def render_pdfs() -> int:
    """Queued when an application is sent in, and started by beat every minute in case a message was lost:
    makes each one's PDF and e-mails its receipt (see services.application_pdfs_render_due)."""
    return application_pdfs_render_due()
