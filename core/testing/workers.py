"""Real Celery workers and a real SMTP server for tests (a pytest plugin, registered in the root conftest.py):
the `smtp` fixture is an aiosmtpd server in the test's process that keeps every message it accepts, and the
`workers` fixture starts Celery worker processes on the local Redis, on a queue of their own, against the test
database. Imports no app.

The workers are separate processes, so the tests that use them commit their rows (transaction=True) and hand
the workers the test database's address. Each test uses a queue of its own (CELERY_QUEUE) on Redis database 13
and removes only its own keys afterwards, so that runs by several people at once do not disturb each other.
Without PostgreSQL and Redis the tests are skipped, unless CI_REDIS=required (CI), when they fail.
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
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from urllib.parse import quote

import pytest
import redis
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from celery import Celery
from django.conf import settings
from django.db import connection

from core.models import Email

REDIS_URL = os.environ.get("CELERY_TEST_REDIS_URL", "redis://127.0.0.1:6379/13")
TIMEOUT = 90  # seconds for any one wait; a passing run takes far less


def _require(condition: bool, message: str) -> None:
    if condition:
        return
    if os.environ.get("CI_REDIS") == "required":
        pytest.fail(f"CI_REDIS=required: {message}", pytrace=False)
    pytest.skip(message)


def _database_url(application_name: str) -> str:
    db = connection.settings_dict
    credentials = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"], safe="")
    host = f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
    name = quote(db["NAME"], safe="")
    # The application name lets a test find the workers' own connections in pg_stat_activity.
    return f"postgres://{credentials + '@' if credentials else ''}{host}/{name}?application_name={application_name}"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Inbox:
    """aiosmtpd handler keeping (recipient, Message-ID) of every message accepted, after `delay` seconds."""

    port: int  # the server's, set by the `smtp` fixture once it listens

    def __init__(self) -> None:
        self.received: list[tuple[str, str]] = []
        self.delay = 0.0
        self.lock = threading.Lock()

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self.delay:
            await asyncio.sleep(self.delay)  # a slow mail server; other sessions go on meanwhile
        assert isinstance(envelope.content, bytes)  # the Controller does not decode (decode_data is off)
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.received.extend((rcpt, str(message["Message-ID"])) for rcpt in envelope.rcpt_tos)
        return "250 Message accepted for delivery"

    def message_ids(self) -> Counter[str]:
        with self.lock:
            return Counter(message_id for _, message_id in self.received)


@pytest.fixture
def smtp() -> Iterator[Inbox]:
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

    def __init__(self, tmp_path: Path, inbox: Inbox) -> None:
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
        self.processes: list[subprocess.Popen[bytes]] = []
        self.killed: set[int] = set()
        self.logs: list[Path] = []
        # Not the current app: the test process keeps veiledning's, whose tasks other tests look up.
        self.client = Celery("outbox-test", broker=REDIS_URL, set_as_current=False)

    def start(self, *, concurrency: int = 2, **env: str) -> int:
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

    def kill(self, n: int) -> None:
        """SIGKILL to the worker and its pool processes: no chance to finish or record anything."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.processes[n].pid, signal.SIGKILL)
        self.processes[n].wait()
        self.killed.add(n)

    def stop(self) -> None:
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

    def log(self, n: int) -> str:
        return self.logs[n].read_text(errors="replace")

    def send(self, task: str, times: int = 1) -> None:
        for _ in range(times):
            self.client.send_task(task, queue=self.queue)

    def wait(self, condition: Callable[[], object], what: str, *, alive: Sequence[int] | None = None) -> None:
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


def _cleanup(redis_client: redis.Redis, token: str) -> None:
    """Remove this run's queue and bindings from Redis; other runs' keys stay."""
    for key in redis_client.scan_iter(match=f"*{token}*"):
        redis_client.delete(key)
    for key in redis_client.scan_iter(match="_kombu.binding.*"):
        members = [m for m in redis_client.smembers(key) if token.encode() in m]
        if members:
            redis_client.srem(key, *members)


@pytest.fixture
def workers(tmp_path: Path, smtp: Inbox) -> Iterator[Workers]:
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


def open_emails() -> bool:
    """Whether any e-mail still waits or is being sent."""
    return Email.objects.filter(status__in=[Email.Status.PENDING, Email.Status.SENDING]).exists()
