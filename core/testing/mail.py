"""Test helpers for e-mail: what the outbox holds, and sending it as the worker would."""

from django.core import mail
from django.core.mail import EmailMessage

from core import outbox


def deliver_outbox() -> list[EmailMessage]:
    """Sends every due e-mail in the outbox (core.outbox.send_due, as the worker does) and returns Django's
    test outbox, the messages as they left."""
    outbox.send_due()
    return mail.outbox
