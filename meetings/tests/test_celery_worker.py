"""Reminders through real Celery workers: two worker processes on the local Redis race for the same due
rows and send them to a real SMTP server (aiosmtpd, in this process); each reminder arrives exactly once.

The workers are separate processes, so the test commits its rows and hands the workers the test
database's address. Each run uses its own queue and worker names on Redis database 13
and removes only its own keys afterwards, so runs by several people at once, or on Redis database 0,
do not disturb each other. Without Redis the test is skipped, unless CI_REDIS=required (CI), when it fails.
"""

import contextlib
import email
import email.policy
import logging
import os
import re
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
from meetings.models import Reminder
from meetings.tests.factories import MeetingFactory
from municipalities.models import Membership, Role

# transaction=True: the workers are other processes and see only committed rows. The test ends by emptying the
# database; serialized_rollback restores what the migrations loaded (municipalities, staff roles) for the tests
# that run after it (as in the browser tests, which also run after the others and may run before this one).
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

# A Redis database of its own; CELERY_TEST_REDIS_URL points the test at another Redis.
REDIS_URL = os.environ.get("CELERY_TEST_REDIS_URL", "redis://127.0.0.1:6379/13")
TASK = "meetings.tasks.send_due_reminders"
MEETINGS, RECIPIENTS = 8, 25  # 200 rows: more than one claim (100 rows), so several tasks find work
WORKERS = 2
TIMEOUT = 60  # seconds for any one wait; a passing run takes far less


def _require(condition, message):
    if condition:
        return
    if os.environ.get("CI_REDIS") == "required":
        pytest.fail(f"CI_REDIS=required: {message}", pytrace=False)
    pytest.skip(message)


def _redis():
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.RedisError as error:
        _require(False, f"The Celery worker test needs Redis at {REDIS_URL} ({error}).")
    return client


def _database_url():
    db = connection.settings_dict
    credentials = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"], safe="")
    host = f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
    return f"postgres://{credentials + '@' if credentials else ''}{host}/{quote(db['NAME'], safe='')}"


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Inbox:
    """aiosmtpd handler keeping (recipient, subject) of every message received."""

    def __init__(self):
        self.received = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        subject = " ".join(str(message["subject"]).split())  # unfolded
        with self.lock:
            self.received.extend((rcpt, subject) for rcpt in envelope.rcpt_tos)
        return "250 Message accepted for delivery"

    def count(self):
        with self.lock:
            return len(self.received)


@pytest.fixture
def smtp():
    inbox = Inbox()
    log = logging.getLogger("mail.log")  # aiosmtpd logs every SMTP command at INFO
    level = log.level
    log.setLevel(logging.WARNING)
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    yield inbox, controller.port
    controller.stop()
    log.setLevel(level)


class Workers:
    """Celery worker processes on a queue of their own, and a client that queues tasks for them."""

    def __init__(self, tmp_path, smtp_port):
        self.token = uuid.uuid4().hex[:12]
        self.queue = f"test-reminders-{self.token}"
        self.names = [f"w{n}-{self.token}@{socket.gethostname()}" for n in range(1, WORKERS + 1)]
        self.logs = [tmp_path / f"worker{n}.log" for n in range(1, WORKERS + 1)]
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "veiledning.settings",
            "DATABASE_URL": _database_url(),
            "CELERY_BROKER_URL": REDIS_URL,
            "EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}",
            "DEBUG": "True",
            "PYTHONUNBUFFERED": "1",
        }
        self.processes = []
        self.client = Celery("reminder-test", broker=REDIS_URL)

    def start(self):
        for name, log in zip(self.names, self.logs, strict=True):
            command = [
                *(sys.executable, "-m", "celery", "-A", "veiledning", "worker"),
                *(
                    "--pool=prefork",
                    "--concurrency=2",
                    "--loglevel=info",
                    f"--hostname={name}",
                    f"--queues={self.queue}",
                ),
                *("--without-gossip", "--without-mingle", "--without-heartbeat"),
            ]
            with open(log, "w") as out:
                self.processes.append(
                    subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
                        command,
                        cwd=settings.BASE_DIR,
                        env=self.env,
                        stdout=out,
                        stderr=subprocess.STDOUT,
                        start_new_session=True,  # its own process group: the pool's children are stopped with it
                    )
                )
        self._wait(lambda: all(f"{name} ready." in self.log(n) for n, name in enumerate(self.names)), "workers ready")

    def stop(self):
        """Cold shutdown (SIGQUIT: the test waited for its tasks already), then anything left in the
        workers' process groups is killed."""
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
                os.killpg(process.pid, signal.SIGKILL)  # pool processes that outlived their parent
        self.client.close()

    def log(self, n):
        return self.logs[n].read_text(errors="replace")

    def send(self, times):
        """Queue the beat task `times` times at once; returns their ids."""
        return [self.client.send_task(TASK, queue=self.queue).id for _ in range(times)]

    def results(self, ids):
        """{task id: (worker number, number sent)} for those of `ids` that have finished."""
        done = {}
        for n in range(WORKERS):
            for task_id, value in re.findall(
                rf"{re.escape(TASK)}\[([0-9a-f-]+)\] succeeded in [\d.]+s: (\d+)", self.log(n)
            ):
                if task_id in ids:
                    done[task_id] = (n, int(value))
        return done

    def wait_for(self, ids):
        self._wait(lambda: len(self.results(ids)) == len(ids), f"{len(ids)} tasks to finish")
        return self.results(ids)

    def _wait(self, condition, what):
        deadline = time.monotonic() + TIMEOUT
        while not condition():
            dead = [n for n, p in enumerate(self.processes) if p.poll() is not None]
            raised = [
                n for n in range(len(self.processes)) if re.search(rf"{re.escape(TASK)}\[\S+\] raised", self.log(n))
            ]
            if dead or raised or time.monotonic() > deadline:
                logs = "\n".join(f"--- worker {n + 1} ---\n{self.log(n)[-3000:]}" for n in range(len(self.processes)))
                if dead:
                    reason = f"worker {dead[0] + 1} exited"
                elif raised:
                    reason = f"a task in worker {raised[0] + 1} raised an exception"
                else:
                    reason = f"timed out after {TIMEOUT} s"
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
    _require(connection.vendor == "postgresql", "The Celery worker test needs PostgreSQL (set DATABASE_URL).")
    redis_client = _redis()
    workers = Workers(tmp_path, smtp_port=smtp[1])
    try:
        workers.start()
        yield workers
    finally:
        workers.stop()
        _cleanup(redis_client, workers.token)
        redis_client.close()


def _due_reminders():
    """MEETINGS meetings in a week, each with a reminder due now for each of RECIPIENTS people in its group."""
    people = User.objects.bulk_create(
        User(email=f"deltaker{n}@example.org", full_name=f"Deltaker {n}") for n in range(RECIPIENTS)
    )
    meetings = [
        MeetingFactory(title=f"Veiledningsmøte {n}", starts_at=timezone.now() + timedelta(days=7))
        for n in range(MEETINGS)
    ]
    # Reminders go only to the people a meeting concerns: everyone is a member of every meeting's group.
    Membership.objects.bulk_create(
        Membership(user=p, group=m.group, role=Role.RESOURCE_TEACHER) for m in meetings for p in people
    )
    due = timezone.now() - timedelta(minutes=1)
    return Reminder.objects.bulk_create(
        Reminder(meeting=m, recipient=p, kind=Reminder.Kind.BEFORE_MEETING, offset=timedelta(days=7), due_at=due)
        for m in meetings
        for p in people
    )


def _title(subject):
    """The meeting's title from «Påminnelse: <title> 28.11.2026 kl. 10.00» (the whole subject if not)."""
    match = re.fullmatch(r"Påminnelse: (.+) \d\d\.\d\d\.\d{4} kl\. \d\d\.\d\d", subject)
    return match[1] if match else subject


def test_two_workers_racing_for_the_same_due_reminders_send_each_exactly_once(workers, smtp):
    inbox, _ = smtp
    rows = _due_reminders()
    expected = Counter(
        (r.recipient.email, r.meeting.title) for r in Reminder.objects.select_related("recipient", "meeting")
    )
    assert len(expected) == len(rows) == MEETINGS * RECIPIENTS

    # The beat task queued eight times at once: four pool processes in two workers claim from the same rows.
    results = workers.wait_for(workers.send(8))

    assert set(Reminder.objects.values_list("status", flat=True)) == {Reminder.Status.SENT}
    assert set(Reminder.objects.values_list("attempts", flat=True)) == {1}
    received = Counter((rcpt, _title(subject)) for rcpt, subject in inbox.received)
    assert received == expected  # every reminder once, none twice, none missing
    assert sum(sent for _, sent in results.values()) == len(rows)  # the tasks agree

    # Queued again (a retried or a later beat run): nothing is due, nothing is sent.
    again = workers.wait_for(workers.send(2))
    assert [sent for _, sent in again.values()] == [0, 0]
    assert inbox.count() == len(rows)

    # Usually both workers send some (seen: 100/100, 100/150), but not always (seen: 0/200, when one
    # worker's two processes claimed every row first), so it is shown (pytest -s), not asserted.
    per_worker = Counter()
    for worker, sent in results.values():
        per_worker[worker + 1] += sent
    print(f"e-mails sent per worker: {dict(per_worker)}")
