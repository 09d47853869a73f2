"""Starting background work. Imports no app.

Work that must happen is always a row in the database first (an e-mail in the outbox, a reminder, a
contract to render); a Celery message only says «look now». A lost message therefore loses nothing:
beat, or `manage.py send_due_reminders` from cron where there is no broker, finds the rows anyway."""

import logging

from django.conf import settings
from django.db import transaction

logger = logging.getLogger(__name__)


def send_soon(task_name: str) -> None:
    """Queue the Celery task `task_name` (one that takes no arguments and does what is due) once the
    current transaction commits, so that the work starts within seconds.

    Only with a broker: without one the task would run inside the web request. A broker that cannot be
    reached is logged, never raised: the action the user took has already been committed, and the rows
    wait for the next beat run or cron."""
    if not settings.CELERY_BROKER_URL:
        return
    transaction.on_commit(lambda: _send_task(task_name))


def _send_task(task_name: str) -> None:
    from celery import current_app

    try:
        current_app.send_task(task_name)
    except Exception:  # the broker is down or unreachable; the rows wait (see the module's docstring)
        logger.warning("Could not queue %s; the work waits for the next scheduled run.", task_name, exc_info=True)
