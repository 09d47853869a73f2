from celery import shared_task

from .services import reminders_hand_over, reminders_top_up


@shared_task
def send_due_reminders() -> int:
    """Started by beat every two minutes, and right after a notice is created: puts due reminders' e-mails
    in the outbox, which sends them. Runs in any number of workers at once: each claims its own rows."""
    return reminders_hand_over()


@shared_task
def top_up_reminders() -> int:
    """Started by beat every hour: reminders for people who joined after a meeting was confirmed."""
    return reminders_top_up()
