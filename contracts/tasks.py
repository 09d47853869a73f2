"""Background work for contracts. Tasks take primary keys and call a service."""

from celery import shared_task
from django.contrib.auth import get_user_model

from .models import Contract


@shared_task(acks_late=True)
def contract_send_task(contract_id, actor_id=None):
    """Renders, stores and sends one contract; a contract already sent is left alone (see contract_send)."""
    from .services import contract_send

    actor = get_user_model().objects.filter(pk=actor_id).first() if actor_id else None
    contract = Contract.objects.filter(pk=contract_id).first()
    if contract is not None:
        contract_send(contract=contract, actor=actor)


@shared_task
def contract_reminders_task():
    """Scheduled (CELERY_BEAT_SCHEDULE): the week-old reminders, and contracts whose period has begun."""
    from .services import contract_reminders_send, contracts_put_in_force

    contracts_put_in_force()
    return contract_reminders_send()
