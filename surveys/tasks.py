"""Background work for surveys. Tasks take primary keys or nothing and call a service; the services queue
them by name (core.background.send_soon), never by importing this module."""

from celery import shared_task

from .services import REPORT_TASK, deliveries_hand_over, reports_render_due


@shared_task
def send_survey_mail() -> int:
    """Queued when invitations or a reminder round are created, and started by beat in case a message was
    lost: puts the round's e-mails in the outbox, which sends them. Any number may run at once: each
    claims its own rows (see services.deliveries_hand_over)."""
    return deliveries_hand_over()


@shared_task(name=REPORT_TASK)
def render_reports() -> int:
    """Queued when the programme leader asks for the report's PDF, and started by beat every minute in case
    a message was lost: makes and stores every PDF asked for. Any number may run at once; each claims its
    own (see services.reports_render_due)."""
    return reports_render_due()
