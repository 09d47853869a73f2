"""Background work for contracts. Tasks take primary keys and call a service."""

from celery import shared_task
from django.contrib.auth import get_user_model

from accounts.services import audit_log

from .models import Contract


@shared_task(acks_late=True)
def contract_send_task(contract_id, actor_id=None):
    """Renders, stores and sends one contract; a contract already sent is left alone (see contract_send)."""
    from .services import contract_send

    actor = get_user_model().objects.filter(pk=actor_id).first() if actor_id else None
    contract = Contract.objects.filter(pk=contract_id).first()
    if contract is not None:
        contract_send(contract=contract, actor=actor)


@shared_task(bind=True, max_retries=3, default_retry_delay=120)
def contract_mail_send_task(self, contract_id, user_id, kind):
    """Sends one contract e-mail; retried on failure, and recorded in the audit log once it gives up."""
    from .services import contract_mail_send

    contract = (
        Contract.objects.select_related("group__portfolio__programme", "municipality").filter(pk=contract_id).first()
    )
    user = get_user_model().objects.filter(pk=user_id).first()
    if contract is None or user is None:
        return
    try:
        contract_mail_send(contract=contract, user=user, kind=kind)
    except Exception as error:
        if self.request.retries >= self.max_retries:
            audit_log(
                action="contract.mail_failed",
                obj=contract,
                payload={"user_id": user_id, "kind": kind, "error": str(error)},
            )
            return
        raise self.retry(exc=error) from error


@shared_task
def contract_reminders_task():
    """Scheduled (CELERY_BEAT_SCHEDULE): the week-old reminders, and contracts whose period has begun."""
    from .services import contract_reminders_send, contracts_put_in_force

    contracts_put_in_force()
    return contract_reminders_send()
