from celery import shared_task

from .services import deliveries_send_due


@shared_task
def send_survey_mail():
    """Queued when invitations or a reminder round are created, and started by beat in case a run was lost.
    Any number may run at once: each claims its own rows (see services.deliveries_send_due)."""
    return deliveries_send_due()
