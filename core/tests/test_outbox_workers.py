"""The outbox through real Celery workers (core.testing.workers): each e-mail arrives exactly once when a worker
is killed with SIGKILL mid-run, when the mail server is slower than the stuck limit, and when a worker's
database connection drops. (Two workers racing for the same reminders: meetings/tests/test_celery_worker.py.)"""

import time
from collections import Counter

import pytest
from django.db import connection

from core import outbox
from core.mail import build_mail
from core.models import Email
from core.testing.workers import TIMEOUT, open_emails

# transaction=True: the workers are other processes and see only committed rows; serialized_rollback restores
# what the migrations loaded (municipalities, staff roles) for the tests that run after it.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def _queue_emails(count):
    rows = Email.objects.bulk_create(
        build_mail(
            to=f"mottaker{n}@example.org",
            template="accounts/email/invitation",
            context={"user": {"full_name": f"Mottaker {n}"}, "link": "https://portal.example/", "expires_at": None},
        )
        for n in range(count)
    )
    return {row.message_id for row in rows}


def test_a_worker_killed_mid_run_leaves_at_most_the_one_email_it_was_sending_in_doubt(workers, smtp):
    smtp.delay = 0.05
    message_ids = _queue_emails(300)
    # One pool process, so that the killed worker had exactly one e-mail in hand.
    first = workers.start(concurrency=1, EMAIL_STUCK_SECONDS="2")
    workers.send("core.send_outbox")
    workers.wait(lambda: len(smtp.received) >= 40, "some e-mails sent")
    workers.kill(first)
    killed_at = len(smtp.received)
    assert killed_at < len(message_ids), "the worker finished before it was killed; the test proves nothing"

    # Another worker, and the next beat runs: the rest goes out, the row in flight is reported, not resent.
    second = workers.start(EMAIL_STUCK_SECONDS="2")
    time.sleep(2.5)  # the stuck limit of the row the killed worker held
    workers.send("core.send_outbox", times=2)
    workers.wait(lambda: not open_emails(), "the rest sent", alive=[second])

    failed = list(Email.objects.filter(status=Email.Status.FAILED).values_list("message_id", "last_error"))
    assert len(failed) <= 1
    assert all(error == outbox.STUCK_MESSAGE for _, error in failed)
    sent = set(Email.objects.filter(status=Email.Status.SENT).values_list("message_id", flat=True))
    assert len(sent) + len(failed) == len(message_ids)
    received = smtp.message_ids()
    assert max(received.values()) == 1  # nothing twice
    # Every row marked sent arrived; the one in doubt may or may not have.
    assert sent <= set(received)
    assert set(received) - sent <= {message_id for message_id, _ in failed}


def test_a_mail_server_slower_than_the_stuck_limit_gets_nothing_twice(workers, smtp):
    smtp.delay = 3.0
    message_ids = _queue_emails(6)
    # Each send takes longer than the stuck limit; the row's lock tells the other workers it is being sent.
    for _ in range(2):
        workers.start(concurrency=2, EMAIL_STUCK_SECONDS="1")
    deadline = time.monotonic() + TIMEOUT
    while open_emails() and time.monotonic() < deadline:
        workers.send("core.send_outbox", times=2)  # beat, impatient: every workers' process keeps looking
        time.sleep(1)
    workers.wait(lambda: not open_emails(), "every e-mail sent")
    assert set(Email.objects.values_list("status", flat=True)) == {Email.Status.SENT}
    assert smtp.message_ids() == Counter(dict.fromkeys(message_ids, 1))


def test_a_worker_whose_database_connection_drops_leaves_at_most_one_in_doubt_and_sends_the_rest(workers, smtp):
    smtp.delay = 0.2
    message_ids = _queue_emails(30)
    worker = workers.start(concurrency=1, EMAIL_STUCK_SECONDS="1")
    workers.send("core.send_outbox")
    workers.wait(lambda: len(smtp.received) >= 5, "some e-mails sent")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = %s",
            [workers.application_name],
        )
        assert cursor.fetchall(), "no worker connection found to drop"
    # The same run carries on with a new connection; a later run reports the row that was in flight.
    workers.wait(lambda: not Email.objects.filter(status=Email.Status.PENDING).exists(), "the rest sent")
    time.sleep(1.5)
    workers.send("core.send_outbox")
    workers.wait(lambda: not open_emails(), "the row in flight reported", alive=[worker])

    failed = set(Email.objects.filter(status=Email.Status.FAILED).values_list("message_id", flat=True))
    sent = set(Email.objects.filter(status=Email.Status.SENT).values_list("message_id", flat=True))
    assert len(failed) <= 1
    assert sent | failed == message_ids
    received = smtp.message_ids()
    assert max(received.values()) == 1
    assert sent <= set(received)
