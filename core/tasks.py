"""Background work of the outbox. Tasks are queued by name (core.background.send_soon)."""

from celery import shared_task

from . import outbox


@shared_task(name="core.send_outbox")
def send_outbox() -> int:
    """Queued when e-mails are put in the outbox, and started by beat in case a message was lost. Any
    number may run at once: each claims its own rows (see core.outbox)."""
    return outbox.send_due()
