from celery import shared_task

from .services import deliveries_hand_over


@shared_task
def send_survey_mail() -> int:
    """Queued when invitations or a reminder round are created, and started by beat in case a message was
    lost: puts the round's e-mails in the outbox, which sends them. Any number may run at once: each
    claims its own rows (see services.deliveries_hand_over)."""
    return deliveries_hand_over()
