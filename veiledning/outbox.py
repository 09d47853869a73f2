"""E-mails scheduled as database rows, each sent at most once (healthchecks' sendalerts, pretix's
sendmail_run_rules). Meetings' reminders and surveys' deliveries are such rows. Imports no app.

A row model has `status` (pending, sending, sent, skipped, failed), `due_at`, `attempts`, `claimed_at`,
`sent_at` and `last_error`, and a partial index on `due_at` for the pending rows.

- Due rows are claimed with SELECT … FOR UPDATE SKIP LOCKED, and the claim commits before anything is
  sent: two workers claim disjoint rows, and a retried task finds nothing left to claim.
- Every outcome is written only if the row is still "sending", so it can never undo another outcome.
- A failed send is tried again after 5, 10, 20 … minutes (REMINDER_RETRY_MINUTES), REMINDER_MAX_ATTEMPTS
  times in all, then marked failed for the programme leader to see.
- A row still "sending" after STUCK_AFTER belongs to a worker that died mid-run: it is marked failed,
  never sent again, since the e-mail may already have gone.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

logger = logging.getLogger(__name__)

PENDING, SENDING, SENT, SKIPPED, FAILED = "pending", "sending", "sent", "skipped", "failed"
STUCK_AFTER = timedelta(minutes=15)
# With EMAIL_TIMEOUT at 30 s a batch of 20 is sent well within STUCK_AFTER, even when the mail server is
# slow, so no row another worker would take for stuck is still being sent.
BATCH_SIZE = 20
STUCK_MESSAGE = "Sendingen ble avbrutt underveis; det er uvisst om e-posten kom fram."


def recover_stuck(model, *, now=None):
    now = now or timezone.now()
    return model.objects.filter(status=SENDING, claimed_at__lt=now - STUCK_AFTER).update(
        status=FAILED, last_error=STUCK_MESSAGE
    )


def claim(model, now, batch_size):
    """The ids of up to `batch_size` due rows, now "sending" for this worker."""
    with transaction.atomic():
        ids = list(
            model.objects.select_for_update(skip_locked=True)
            .filter(status=PENDING, due_at__lte=now)
            .order_by("due_at", "pk")
            .values_list("pk", flat=True)[:batch_size]
        )
        # The claim's own time, not the run's: a long run must not make its later batches look stuck.
        model.objects.filter(pk__in=ids).update(status=SENDING, claimed_at=timezone.now(), attempts=F("attempts") + 1)
    return ids


def send_due(model, *, load, deliver, now=None, batch_size=BATCH_SIZE):
    """Send every due row of `model`, each at most once; returns how many e-mails went out.

    `load(queryset)` returns the claimed rows, with whatever `deliver` reads fetched in a fixed number of
    queries. `deliver(row)` sends the row's e-mail and returns "", or returns why the row is no longer
    worth sending (the row is then skipped with that reason); an exception is a failed send, retried."""
    now = now or timezone.now()
    recover_stuck(model, now=now)
    sent = 0
    while ids := claim(model, now, batch_size):
        for row in load(model.objects.filter(pk__in=ids)):
            sent += _send_one(row, deliver, now)
    return sent


def _send_one(row, deliver, now):
    mine = type(row).objects.filter(pk=row.pk, status=SENDING)
    try:
        skip_reason = deliver(row)
    except Exception as error:  # any failure to send is recorded and retried; the batch goes on
        logger.warning("%s %s could not be sent: %s", type(row).__name__, row.pk, error)
        if row.attempts >= settings.REMINDER_MAX_ATTEMPTS:
            update = {"status": FAILED}
        else:
            backoff = timedelta(minutes=settings.REMINDER_RETRY_MINUTES * 2 ** (row.attempts - 1))
            update = {"status": PENDING, "due_at": now + backoff}
        mine.update(last_error=str(error)[:1000], **update)
        return 0
    if skip_reason:
        mine.update(status=SKIPPED, last_error=skip_reason)
        return 0
    mine.update(status=SENT, sent_at=timezone.now())
    return 1
