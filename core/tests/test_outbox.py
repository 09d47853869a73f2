"""The outbox: every e-mail is a row, sent once, retried, then failed where the programme leader sees it."""

import logging
import threading
from datetime import timedelta

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.db import connection, connections, transaction
from django.utils import timezone

from core import outbox
from core.mail import build_mail, queue_mail
from core.models import Email

pytestmark = pytest.mark.django_db

CONTEXT = {"user": {"full_name": "Åse Ørnulf"}, "link": "https://portal.example/x", "expires_at": timezone.now()}


def _queue(to="mottaker@example.org", **kwargs):
    return queue_mail(to=to, template="accounts/email/invitation", context=CONTEXT, **kwargs)


class BrokenBackend(BaseEmailBackend):
    """A mail server that refuses every connection."""

    def send_messages(self, messages):
        raise ConnectionRefusedError("SMTP-tjeneren svarer ikke")


def test_a_queued_email_is_sent_once_with_its_message_id_and_then_keeps_no_body():
    email = _queue(attachments=[("mote.ics", b"BEGIN:VCALENDAR", "text/calendar")])
    assert mail.outbox == []  # nothing leaves inside the caller's transaction
    assert outbox.send_due() == 1
    assert outbox.send_due() == 0
    [message] = mail.outbox
    assert message.to == ["mottaker@example.org"]
    assert message.extra_headers["Message-ID"] == email.message_id
    assert message.extra_headers["Auto-Submitted"] == "auto-generated"
    # Django decodes a text attachment it is handed as bytes.
    assert [tuple(a) for a in message.attachments] == [("mote.ics", "BEGIN:VCALENDAR", "text/calendar")]
    assert "Åse Ørnulf" in message.body
    email.refresh_from_db()
    # The body may hold a personal link; once sent only who, what subject and when are kept.
    assert (email.status, email.body, email.attachments, email.attempts) == ("sent", "", [], 1)
    assert email.sent_at is not None


def test_a_failed_send_is_retried_with_back_off_then_marked_failed(settings):
    settings.EMAIL_BACKEND = f"{__name__}.BrokenBackend"
    settings.EMAIL_MAX_ATTEMPTS = 3
    email = _queue()
    now = timezone.now()
    outbox.send_due(now=now)
    email.refresh_from_db()
    assert (email.status, email.attempts, email.due_at) == ("pending", 1, now + timedelta(minutes=5))
    assert "svarer ikke" in email.last_error
    assert outbox.send_due(now=now + timedelta(minutes=4)) == 0  # not due again yet
    outbox.send_due(now=now + timedelta(minutes=5))
    email.refresh_from_db()
    assert (email.status, email.attempts, email.due_at) == ("pending", 2, now + timedelta(minutes=15))
    outbox.send_due(now=now + timedelta(minutes=15))
    email.refresh_from_db()
    assert (email.status, email.attempts) == ("failed", 3)
    assert list(outbox.failed()) == [email]


def test_a_run_stops_after_five_failures_in_a_row_and_leaves_the_rest_untried(settings):
    settings.EMAIL_BACKEND = f"{__name__}.BrokenBackend"
    for n in range(8):
        _queue(to=f"m{n}@example.org")
    assert outbox.send_due() == 0
    # Five e-mails used an attempt on the refusing server; the other three were never claimed.
    assert sorted(Email.objects.values_list("attempts", flat=True)) == [0, 0, 0, 1, 1, 1, 1, 1]
    assert set(Email.objects.values_list("status", flat=True)) == {"pending"}


def test_sent_on_a_later_attempt_the_old_error_is_gone(settings):
    settings.EMAIL_BACKEND = f"{__name__}.BrokenBackend"
    email = _queue()
    outbox.send_due()
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert outbox.send_due(now=timezone.now() + timedelta(minutes=5)) == 1
    email.refresh_from_db()
    assert (email.status, email.last_error) == ("sent", "")


def test_a_row_a_dead_worker_left_sending_is_marked_failed_and_never_sent_again():
    email = _queue()
    claimed = timezone.now() - outbox.stuck_after() - timedelta(seconds=1)
    Email.objects.filter(pk=email.pk).update(status="sending", claimed_at=claimed)
    assert outbox.send_due() == 0
    email.refresh_from_db()
    assert (email.status, email.last_error) == ("failed", outbox.STUCK_MESSAGE)
    assert mail.outbox == []


def test_a_row_claimed_moments_ago_is_left_to_its_worker():
    email = _queue()
    Email.objects.filter(pk=email.pk).update(status="sending", claimed_at=timezone.now())
    assert outbox.send_due() == 0
    assert Email.objects.get(pk=email.pk).status == "sending"


def test_a_worker_sends_nothing_that_is_no_longer_its_own():
    email = _queue()
    pk, claim = outbox._claim(timezone.now())
    # Meanwhile the row was reported stuck and sent again by the programme leader, and another worker took it.
    Email.objects.filter(pk=pk).update(status="failed")
    outbox.send_again(Email.objects.filter(pk=pk))
    assert outbox._send_claimed(pk, claim, None, timezone.now()) == "not ours"
    assert mail.outbox == []
    assert Email.objects.get(pk=email.pk).status == "pending"


def test_a_stopped_email_is_not_sent():
    email = _queue()
    assert outbox.cancel_pending(Email.objects.filter(pk=email.pk)) == 1
    assert outbox.send_due() == 0
    assert Email.objects.get(pk=email.pk).status == "cancelled"


def test_with_the_broker_unreachable_queueing_succeeds_and_the_email_waits(
    settings, django_capture_on_commit_callbacks, caplog
):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    with (
        caplog.at_level(logging.WARNING, logger="core.background"),
        django_capture_on_commit_callbacks(execute=True) as callbacks,
    ):
        email = _queue()
    assert len(callbacks) == 1  # the «look now» message was tried, and its failure swallowed
    assert "Could not queue core.send_outbox" in caplog.text
    assert Email.objects.get(pk=email.pk).status == "pending"
    assert outbox.send_due() == 1


def test_without_a_broker_nothing_is_queued_and_the_email_waits_for_cron(settings, django_capture_on_commit_callbacks):
    settings.CELERY_BROKER_URL = ""
    with django_capture_on_commit_callbacks() as callbacks:
        _queue()
    assert callbacks == []
    assert Email.objects.filter(status="pending").count() == 1


def test_sending_costs_a_fixed_number_of_queries_per_email(django_assert_num_queries):
    for n in range(3):
        _queue(to=f"m{n}@example.org")
    # Once: recover stuck rows (savepoint, select, release). Per e-mail: the claim (savepoint, select for
    # update, update, release) and the send (savepoint, select for update, update, release). Then the empty
    # claim (savepoint, select, release). Savepoints stand for BEGIN/COMMIT outside the test's transaction.
    with django_assert_num_queries(3 + 3 * 8 + 3):
        assert outbox.send_due() == 3


def test_build_mail_renders_now_and_saves_nothing():
    email = build_mail(to="a@example.org", template="accounts/email/invitation", context=CONTEXT)
    assert email.pk is None
    assert "Åse Ørnulf" in email.body
    assert Email.objects.count() == 0


# serialized_rollback: like every test that empties the database, it restores what the migrations loaded.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_row_locked_by_a_live_worker_is_never_taken_for_stuck_however_slow_its_mail_server():
    if connection.vendor != "postgresql":
        pytest.skip("Row locks need PostgreSQL; SQLite relies on EMAIL_STUCK_SECONDS alone.")
    email = _queue()
    long_ago = timezone.now() - outbox.stuck_after() - timedelta(minutes=1)
    Email.objects.filter(pk=email.pk).update(status="sending", claimed_at=long_ago)
    locked, release = threading.Event(), threading.Event()

    def slow_worker():
        # Another connection holds the row's lock, as a worker waiting on a slow mail server does.
        try:
            with transaction.atomic():
                Email.objects.select_for_update().get(pk=email.pk)
                locked.set()
                release.wait(10)
        finally:
            connections.close_all()

    worker = threading.Thread(target=slow_worker)
    worker.start()
    try:
        assert locked.wait(10)
        assert outbox.recover_stuck() == 0
        assert Email.objects.get(pk=email.pk).status == "sending"
    finally:
        release.set()
        worker.join()
    assert outbox.recover_stuck() == 1  # its worker gone, the row is reported in doubt
