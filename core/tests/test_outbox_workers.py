"""The outbox through real Celery workers on the local Redis, sending to a real SMTP server (aiosmtpd, in this
process): each e-mail arrives exactly once when workers race, when one is killed with SIGKILL mid-run, when the
mail server is slower than the stuck limit, and when a worker's database connection drops.

The workers are separate processes, so the tests commit their rows and hand the workers the test database's
address. Each test uses a queue of its own (CELERY_QUEUE) on Redis database 13 and removes only its own keys
afterwards, so that runs by several people at once do not disturb each other. Without PostgreSQL and Redis the
tests are skipped, unless CI_REDIS=required (CI), when they fail.
"""

import asyncio
import contextlib
import email
import email.policy
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from datetime import timedelta
from urllib.parse import quote

import pytest
import redis
from aiosmtpd.controller import Controller
from celery import Celery
from django.conf import settings
from django.db import connection
from django.utils import timezone

from accounts.models import User
from core import outbox
from core.mail import build_mail
from core.models import Email
from meetings.models import Reminder
from meetings.tests.factories import MeetingFactory
from municipalities.models import Membership, Role

# transaction=True: the workers are other processes and see only committed rows. The test ends by emptying the
# database; serialized_rollback restores what the migrations loaded (municipalities, staff roles) for the tests
# that run after it.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

REDIS_URL = os.environ.get("CELERY_TEST_REDIS_URL", "redis://127.0.0.1:6379/13")
TIMEOUT = 90  # seconds for any one wait; a passing run takes far less


def _require(condition, message):
    if condition:
        return
    if os.environ.get("CI_REDIS") == "required":
        pytest.fail(f"CI_REDIS=required: {message}", pytrace=False)
    pytest.skip(message)


def _database_url(application_name):
    db = connection.settings_dict
    credentials = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"], safe="")
    host = f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
    name = quote(db["NAME"], safe="")
    # The application name lets a test find the workers' own connections in pg_stat_activity.
    return f"postgres://{credentials + '@' if credentials else ''}{host}/{name}?application_name={application_name}"


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Inbox:
    """aiosmtpd handler keeping (recipient, Message-ID) of every message accepted, after `delay` seconds."""

    def __init__(self):
        self.received = []
        self.delay = 0.0
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)  # a slow mail server; other sessions go on meanwhile
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.received.extend((rcpt, str(message["Message-ID"])) for rcpt in envelope.rcpt_tos)
        return "250 Message accepted for delivery"

    def message_ids(self):
        with self.lock:
            return Counter(message_id for _, message_id in self.received)


@pytest.fixture
def smtp():
    inbox = Inbox()
    log = logging.getLogger("mail.log")  # aiosmtpd logs every SMTP command at INFO
    level = log.level
    log.setLevel(logging.WARNING)
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    inbox.port = controller.port
    yield inbox
    controller.stop()
    log.setLevel(level)


class Workers:
    """Celery worker processes on a queue of their own, and a client that queues tasks for them."""

    def __init__(self, tmp_path, inbox):
        self.token = uuid.uuid4().hex[:12]
        self.queue = f"test-outbox-{self.token}"
        self.application_name = f"outbox-test-{self.token}"
        self.tmp_path = tmp_path
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "veiledning.settings",
            "DEBUG": "False",
            "SECRET_KEY": "outbox-worker-test",
            "DATABASE_URL": _database_url(self.application_name),
            "CELERY_BROKER_URL": REDIS_URL,
            "CELERY_QUEUE": self.queue,
            "EMAIL_URL": f"smtp://127.0.0.1:{inbox.port}",
            "EMAIL_TIMEOUT": "30",
            "PYTHONUNBUFFERED": "1",
        }
        self.processes = []
        self.killed = set()
        self.logs = []
        self.client = Celery("outbox-test", broker=REDIS_URL)

    def start(self, *, concurrency=2, **env):
        """Starts one worker; returns its number."""
        n = len(self.processes)
        name = f"w{n}-{self.token}@{socket.gethostname()}"
        log = self.tmp_path / f"worker{n}.log"
        command = [
            *(sys.executable, "-m", "celery", "-A", "veiledning", "worker", "--pool=prefork"),
            *(f"--concurrency={concurrency}", "--loglevel=info", f"--hostname={name}"),
            *("--without-gossip", "--without-mingle", "--without-heartbeat"),
        ]
        with open(log, "w") as out:
            self.processes.append(
                subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
                    command,
                    cwd=settings.BASE_DIR,
                    env={**self.env, **env},
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,  # its own process group: the pool's children are killed with it
                )
            )
        self.logs.append(log)
        self.wait(lambda: f"{name} ready." in self.log(n), f"worker {n} ready")
        return n

    def kill(self, n):
        """SIGKILL to the worker and its pool processes: no chance to finish or record anything."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.processes[n].pid, signal.SIGKILL)
        self.processes[n].wait()
        self.killed.add(n)

    def stop(self):
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGQUIT)
        for process in self.processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
        self.client.close()

    def log(self, n):
        return self.logs[n].read_text(errors="replace")

    def send(self, task, times=1):
        for _ in range(times):
            self.client.send_task(task, queue=self.queue)

    def wait(self, condition, what, *, alive=None):
        """Polls `condition` until it holds; fails with the workers' logs if a worker in `alive` (default: all
        started and not killed) exits or the wait times out."""
        deadline = time.monotonic() + TIMEOUT
        watched = [n for n in range(len(self.processes)) if n not in self.killed] if alive is None else alive
        while not condition():
            dead = [n for n in watched if self.processes[n].poll() is not None]
            if dead or time.monotonic() > deadline:
                logs = "\n".join(f"--- worker {n} ---\n{self.log(n)[-3000:]}" for n in range(len(self.processes)))
                reason = f"worker {dead[0]} exited" if dead else f"timed out after {TIMEOUT} s"
                pytest.fail(f"Waiting for {what}: {reason}.\n{logs}", pytrace=False)
            time.sleep(0.2)


def _cleanup(redis_client, token):
    """Remove this run's queue and bindings from Redis; other runs' keys stay."""
    for key in redis_client.scan_iter(match=f"*{token}*"):
        redis_client.delete(key)
    for key in redis_client.scan_iter(match="_kombu.binding.*"):
        members = [m for m in redis_client.smembers(key) if token.encode() in m]
        if members:
            redis_client.srem(key, *members)


@pytest.fixture
def workers(tmp_path, smtp):
    _require(connection.vendor == "postgresql", "The Celery worker tests need PostgreSQL (set DATABASE_URL).")
    redis_client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        redis_client.ping()
    except redis.RedisError as error:
        _require(False, f"The Celery worker tests need Redis at {REDIS_URL} ({error}).")
    workers = Workers(tmp_path, smtp)
    try:
        yield workers
    finally:
        workers.stop()
        _cleanup(redis_client, workers.token)
        redis_client.close()


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


def _open():
    return Email.objects.filter(status__in=[Email.Status.PENDING, Email.Status.SENDING]).exists()


def test_two_workers_racing_for_due_reminders_send_each_exactly_once(workers, smtp):
    people = User.objects.bulk_create(
        User(email=f"deltaker{n}@example.org", full_name=f"Deltaker {n}") for n in range(25)
    )
    meetings = [MeetingFactory(starts_at=timezone.now() + timedelta(days=7)) for _ in range(8)]
    # Reminders go only to the people a meeting concerns: everyone is a member of every meeting's group.
    Membership.objects.bulk_create(
        Membership(user=p, group=m.group, role=Role.RESOURCE_TEACHER) for m in meetings for p in people
    )
    due = timezone.now() - timedelta(minutes=1)
    rows = Reminder.objects.bulk_create(
        Reminder(meeting=m, recipient=p, kind=Reminder.Kind.BEFORE_MEETING, offset=timedelta(days=7), due_at=due)
        for m in meetings
        for p in people
    )
    workers.start()
    workers.start()
    # The beat tasks queued several times at once: four pool processes in two workers hand over and send from
    # the same rows; the hand-overs queue the sender themselves.
    workers.send("meetings.tasks.send_due_reminders", times=6)
    workers.send("core.send_outbox", times=4)
    workers.wait(
        lambda: not Reminder.objects.filter(status="pending").exists() and Email.objects.count() == len(rows),
        "every reminder handed over",
    )
    workers.wait(lambda: not _open(), "every e-mail sent")

    assert set(Reminder.objects.values_list("status", flat=True)) == {Reminder.Status.QUEUED}
    assert set(Email.objects.values_list("status", "attempts")) == {(Email.Status.SENT, 1)}
    expected = Counter(
        (r.recipient.email, r.email.message_id) for r in Reminder.objects.select_related("recipient", "email")
    )
    assert len(expected) == len(rows) == 200
    assert Counter(smtp.received) == expected  # every reminder once, none twice, none missing

    # Queued again (a retried or a later beat run): nothing is due, nothing is sent.
    workers.send("meetings.tasks.send_due_reminders", times=2)
    workers.send("core.send_outbox", times=2)
    time.sleep(2)
    assert len(smtp.received) == len(rows)


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
    workers.wait(lambda: not _open(), "the rest sent", alive=[second])

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
    while _open() and time.monotonic() < deadline:
        workers.send("core.send_outbox", times=2)  # beat, impatient: every workers' process keeps looking
        time.sleep(1)
    workers.wait(lambda: not _open(), "every e-mail sent")
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
    workers.wait(lambda: not _open(), "the row in flight reported", alive=[worker])

    failed = set(Email.objects.filter(status=Email.Status.FAILED).values_list("message_id", flat=True))
    sent = set(Email.objects.filter(status=Email.Status.SENT).values_list("message_id", flat=True))
    assert len(failed) <= 1
    assert sent | failed == message_ids
    received = smtp.message_ids()
    assert max(received.values()) == 1
    assert sent <= set(received)
