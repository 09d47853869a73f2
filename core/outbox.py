"""Sending the outbox (`core.models.Email`): every e-mail at most once, retried, then marked failed for
the programme leader to see and send again (healthchecks' sendalerts, pretix's mail_send_task).

How a row is sent, one at a time:

1. Claim: `SELECT … FOR UPDATE SKIP LOCKED` takes one due pending row, marks it "sending" with a claim
   of this worker's own, and commits. Two workers never claim the same row.
2. Send: in a new transaction the worker locks the row again, but only if it is still "sending" under
   its own claim (a row marked failed or sent again meanwhile is no longer its own), hands the message
   to the mail server while holding that lock, and records the outcome before committing.

A worker that dies between handing the message over and recording the outcome (`kill -9`, a lost
database connection) leaves exactly that one row "sending", with its lock gone: it is marked failed as
«uvisst om den kom fram», never sent again by itself, since the e-mail may already have gone. A row
still locked is being sent by a live worker, however slow its mail server, and is left alone. The rest
of a run's work was never claimed and goes out with the next run.
"""

import base64
import logging
import uuid
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from email import encoders
from email.message import Message
from email.mime.base import MIMEBase
from typing import Literal, TypeVar

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.message import SafeMIMEText
from django.db import DatabaseError, close_old_connections, transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from .background import send_soon
from .models import Email, ScheduledEmail

logger = logging.getLogger(__name__)

Status = Email.Status
# The task that sends the outbox (core.tasks), queued by name so that this module needs no Celery import.
SEND_TASK = "core.send_outbox"
# A schedule row of some app (a meeting's reminder, a survey's delivery), for `hand_over`.
_Row = TypeVar("_Row", bound=ScheduledEmail)
# Failed sends in a row after which a run stops (see send_due).
FAILURES_BEFORE_PAUSE = 5
STUCK_MESSAGE = "Sendingen ble avbrutt underveis; det er uvisst om e-posten kom fram. Send den på nytt om den mangler."


def stuck_after() -> timedelta:
    """How long an unlocked "sending" row waits before it is taken for one a dead worker left. On
    PostgreSQL a live sender holds the row's lock, so this only delays the report; on SQLite, which has
    no row locks, it must outlast the slowest send."""
    return timedelta(seconds=settings.EMAIL_STUCK_SECONDS)


def recover_stuck(*, now: datetime | None = None) -> int:
    """Marks failed the rows a dead worker left "sending" (see the module's docstring)."""
    now = now or timezone.now()
    with transaction.atomic():
        ids = list(
            Email.objects.select_for_update(skip_locked=True)
            .filter(status=Status.SENDING, claimed_at__lt=now - stuck_after())
            .values_list("pk", flat=True)
        )
        if ids:
            Email.objects.filter(pk__in=ids, status=Status.SENDING).update(
                status=Status.FAILED, last_error=STUCK_MESSAGE
            )
    for pk in ids:
        logger.error("E-mail %s was left half-sent by a worker that stopped; marked failed.", pk)
    return len(ids)


def _claim(now: datetime) -> tuple[int, uuid.UUID] | None:
    """One due row, now "sending" under a new claim; None when nothing is due."""
    claim = uuid.uuid4()
    with transaction.atomic():
        pk = (
            Email.objects.select_for_update(skip_locked=True)
            .filter(status=Status.PENDING, due_at__lte=now)
            .order_by("due_at", "pk")
            .values_list("pk", flat=True)
            .first()
        )
        if pk is None:
            return None
        Email.objects.filter(pk=pk).update(
            status=Status.SENDING, claim=claim, claimed_at=timezone.now(), attempts=F("attempts") + 1
        )
    return pk, claim


def _attachment_part(filename: str, content: bytes, mimetype: str) -> MIMEBase:
    """The MIME part of an attachment whose type has parameters, which Django's EmailMessage.attach would
    not keep: a calendar entry's `method=REQUEST` (RFC 6047) is what makes Outlook and Gmail update the
    entry instead of importing a copy."""
    header = Message()
    header["Content-Type"] = mimetype
    maintype, subtype = header.get_content_maintype(), header.get_content_subtype()
    part: MIMEBase
    if maintype == "text":
        part = SafeMIMEText(content.decode(), subtype, "utf-8")
    else:
        part = MIMEBase(maintype, subtype)
        part.set_payload(content)
        encoders.encode_base64(part)
    for key, value in (header.get_params() or [])[1:]:
        if key != "charset":
            part.set_param(key, value)
    part.add_header("Content-Disposition", "attachment", filename=filename)
    return part


def _message(email: Email, connection: BaseEmailBackend) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=email.subject,
        body=email.body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[email.to],
        connection=connection,
        headers={"Message-ID": email.message_id, "Auto-Submitted": "auto-generated"},
    )
    if email.html:
        message.attach_alternative(email.html, "text/html")
    for attachment in email.attachments:
        filename, content, mimetype = (
            attachment["filename"],
            base64.b64decode(attachment["content"]),
            attachment["mimetype"],
        )
        if ";" in mimetype:
            message.attach(_attachment_part(filename, content, mimetype))
        else:
            message.attach(filename, content, mimetype)
    return message


Outcome = Literal["sent", "failed", "not ours"]


def _send_claimed(pk: int, claim: uuid.UUID, connection: BaseEmailBackend, now: datetime) -> Outcome:
    """Sends the claimed row if it is still this claim's."""
    with transaction.atomic():
        email = Email.objects.select_for_update().filter(pk=pk, status=Status.SENDING, claim=claim).first()
        if email is None:
            return "not ours"  # marked failed, or sent again, while we were busy
        try:
            _message(email, connection).send()
        except Exception as error:  # any failure to send is recorded and retried; the run goes on
            logger.warning("E-mail %s to %s could not be sent: %s", pk, email.to, error)
            update: dict[str, Status | datetime]
            if email.attempts >= settings.EMAIL_MAX_ATTEMPTS:
                update = {"status": Status.FAILED}
                logger.error("E-mail %s to %s failed %s times; given up.", pk, email.to, email.attempts)
            else:
                backoff = timedelta(minutes=settings.EMAIL_RETRY_MINUTES * 2 ** (email.attempts - 1))
                update = {"status": Status.PENDING, "due_at": now + backoff}
            Email.objects.filter(pk=pk).update(last_error=str(error)[:1000], claim=None, **update)
            return "failed"
        # Sent: the body may carry a personal link, so only what was sent to whom, and when, is kept.
        Email.objects.filter(pk=pk).update(
            status=Status.SENT, sent_at=timezone.now(), last_error="", body="", html="", attachments=[]
        )
    return "sent"


def send_due(*, now: datetime | None = None, limit: int | None = None) -> int:
    """Sends due e-mails, each at most once, until none is due (or `limit` were tried); returns how
    many went out. Any number of workers may run it at once."""
    now = now or timezone.now()
    recover_stuck(now=now)
    # One backend for the run; it opens a connection per message, so a failure never leaves it half-open.
    connection = get_connection(timeout=settings.EMAIL_TIMEOUT)
    sent = tried = failures = refused = 0
    while limit is None or tried < limit:
        try:
            claimed = _claim(now)
            if claimed is None:
                break
            tried += 1
            outcome = _send_claimed(*claimed, connection, now)
            failures = 0
        except DatabaseError:
            # The database connection dropped. A row whose e-mail had been handed over is left "sending" and is
            # reported by recover_stuck; a fresh connection carries on with the rest, unless the database stays
            # away, when the next run tries again.
            failures += 1
            logger.exception("The outbox lost its database connection (%s in a row).", failures)
            close_old_connections()
            if failures >= 3:
                raise
            continue
        sent += outcome == "sent"
        refused = refused + 1 if outcome == "failed" else 0
        if refused >= FAILURES_BEFORE_PAUSE:
            # The mail server is down or refusing: the rest waits for the next run rather than each e-mail
            # using up an attempt (and up to EMAIL_TIMEOUT) on it now.
            logger.warning("%s e-mails in a row could not be sent; the rest waits for the next run.", refused)
            break
    return sent


def send_again(queryset: QuerySet[Email]) -> int:
    """Puts failed e-mails back in the queue, as new attempts. Only failed rows move."""
    return queryset.filter(status=Status.FAILED).update(
        status=Status.PENDING, due_at=timezone.now(), attempts=0, claim=None
    )


def failed() -> QuerySet[Email]:
    return Email.objects.filter(status=Status.FAILED)


def hand_over(
    queryset: QuerySet[_Row],
    *,
    load: Callable[[QuerySet[_Row]], Iterable[_Row]],
    build: Callable[[_Row], Email | str],
    now: datetime | None = None,
    batch_size: int = 200,
) -> int:
    """Puts the e-mails of due schedule rows (`ScheduledEmail`) of `queryset` in the outbox, each once.

    Due pending rows are claimed in batches with SKIP LOCKED, and each batch's e-mails are saved in the
    transaction that marks its rows queued: two workers take disjoint rows, and a crash leaves a row
    pending with no e-mail, never an e-mail twice. `load(rows)` fetches what `build` reads, in a fixed
    number of queries; `build(row)` returns the unsaved `Email`, or a reason (str) not to send it.
    Returns how many e-mails were queued."""
    now = now or timezone.now()
    # The model's default manager, as Django advises for code that handles any model: `objects` for every
    # schedule model there is.
    manager = queryset.model._default_manager
    queued = 0
    while True:
        with transaction.atomic():
            ids = list(
                queryset.select_for_update(skip_locked=True, of=("self",))
                .filter(status=ScheduledEmail.Status.PENDING, due_at__lte=now)
                .order_by("due_at", "pk")
                .values_list("pk", flat=True)[:batch_size]
            )
            if not ids:
                return queued
            rows = load(manager.filter(pk__in=ids))
            emails: list[tuple[_Row, Email]] = []
            skipped: list[_Row] = []
            for row in rows:
                outcome = build(row)
                if isinstance(outcome, str):
                    row.status, row.reason = ScheduledEmail.Status.SKIPPED, outcome[:300]
                    skipped.append(row)
                else:
                    emails.append((row, outcome))
            Email.objects.bulk_create([email for _, email in emails])
            for row, email in emails:
                row.status, row.email = ScheduledEmail.Status.QUEUED, email
            manager.bulk_update([row for row, _ in emails] + skipped, ["status", "email", "reason"])
            queued += len(emails)
            if emails:
                send_soon(SEND_TASK)


def cancel_pending(queryset: QuerySet[Email]) -> int:
    """Stops e-mails that are no longer worth sending (a meeting moved again, a survey answered)."""
    return queryset.filter(status=Status.PENDING).update(status=Status.CANCELLED)
