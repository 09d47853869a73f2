from celery import shared_task

from .services import reminders_send_due, reminders_top_up


@shared_task
def send_due_reminders():
    """Started by beat every two minutes, and right after a notice is created. Runs in any number of
    workers at once: each claims its own rows (see services.reminders_send_due)."""
    return reminders_send_due()


@shared_task
def top_up_reminders():
    """Started by beat every hour: reminders for people who joined after a meeting was confirmed."""
    return reminders_top_up()
