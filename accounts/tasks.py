"""Background work of accounts. Tasks are queued by name (core.background.send_soon)."""

from celery import shared_task

from .services import password_resets_send


@shared_task(name="accounts.send_password_resets")
def send_password_resets() -> int:
    """Queued by each «Glemt passord» request and started by beat in case a message was lost: e-mails the
    links of the waiting requests. Any number may run at once: each claims its own rows."""
    return password_resets_send()
