"""Background work for contracts. Tasks take primary keys or nothing and call a service; the services
queue them by name (core.background.send_soon), never by importing this module."""

from celery import shared_task

from .services import RENDER_TASK, contract_reminders_send, contracts_put_in_force, contracts_render_due


@shared_task(name=RENDER_TASK)
def render_due_documents() -> int:
    """Queued when contracts are queued for sending or countersigned, and started by beat every minute in
    case a message was lost: renders, stores and sends what waits. Any number may run at once; each
    claims its own contracts (see contracts_render_due)."""
    return contracts_render_due()


@shared_task
def contract_reminders_task() -> int:
    """Scheduled (CELERY_BEAT_SCHEDULE): the week-old reminders, and contracts whose period has begun."""
    contracts_put_in_force()
    return contract_reminders_send()
