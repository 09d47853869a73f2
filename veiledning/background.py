"""Starting background work. Imports no app."""

from django.conf import settings
from django.db import transaction


def send_soon(task):
    """Queue `task` (a Celery task without arguments that sends what is due) when the transaction commits,
    so that notices go out within seconds.

    Only with a broker: without one Celery would run the task inside the web request, and a whole queue
    of e-mails would outlast the request's timeout. There `manage.py send_due_reminders`, run by cron,
    sends them (README, Configuration)."""
    if settings.CELERY_BROKER_URL:
        transaction.on_commit(task.delay)
