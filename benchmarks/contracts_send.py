"""Contracts: the programme leader's admin action «Lag kontrakter og send dem til signering» for a portfolio
of 43 one-municipality groups, without a broker, as one request through Django's test client; then the
background job that renders, stores and sends what the action queued. E-mail goes over SMTP to a local
aiosmtpd server that accepts everything, so that a send costs what a connection to a mail server costs
at the least (a real one, over the network and with TLS, costs more).

Runs against a throwaway test database (SQLite by default, PostgreSQL with DATABASE_URL) and a temporary
private folder, so it never touches real data. Usage: `.venv/bin/python benchmarks/contracts_send.py [count]`.
"""

import logging
import os
import socket
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "veiledning.settings")
# Without a broker, as on a server where Redis is missing or down: the case the action must survive.
os.environ["CELERY_BROKER_URL"] = ""
os.environ.pop("REDIS_URL", None)

import django

django.setup()

from builders import portfolio_with_signatories  # noqa: E402
from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402
from django.urls import reverse  # noqa: E402

COUNT = int(sys.argv[1]) if len(sys.argv) > 1 else 43


class Accept:
    """An SMTP server's handler that accepts every message and counts them."""

    def __init__(self):
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        return "250 OK"


def main():
    from aiosmtpd.controller import Controller
    from django.test.runner import DiscoverRunner

    from accounts.tests.factories import ProgrammeLeaderFactory
    from contracts import services
    from contracts.models import Contract
    from core.testing.otp import pass_second_factor

    for name in ("weasyprint", "celery", "axes", "mail.log"):
        logging.getLogger(name).setLevel(logging.ERROR)
    setup_test_environment()
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    accept = Accept()
    with socket.socket() as probe:  # a free port for the SMTP server
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    smtp = Controller(accept, hostname="127.0.0.1", port=port)
    smtp.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.PRIVATE_STORAGE_ROOT = Path(tempfile.mkdtemp(prefix="veiledning-bench-"))
    runner = DiscoverRunner(verbosity=0)
    old_config = runner.setup_databases()
    try:
        print(f"database: {connection.vendor}, broker: {settings.CELERY_BROKER_URL or 'none'}\n")
        # One render first, so that neither figure below pays for loading the fonts.
        from contracts.tests.factories import ContractFactory

        services.contract_render(ContractFactory())
        portfolio, _ = portfolio_with_signatories(COUNT)
        client = Client()
        leader = ProgrammeLeaderFactory()
        client.force_login(leader)
        pass_second_factor(client, leader)
        url = reverse("admin:contracts_portfoliocontracts_changelist")
        with CaptureQueriesContext(connection) as queries:
            start = time.perf_counter()
            response = client.post(url, {"action": "generate_and_send", "_selected_action": [portfolio.pk]})
            action_ms = (time.perf_counter() - start) * 1000
        assert response.status_code == 302, response.status_code
        contracts = Contract.objects.filter(group__portfolio=portfolio)
        sent_in_request = contracts.filter(status=Contract.Status.SENT).count()
        print("| contracts | admin action ms | queries | sent inside the request | e-mails sent inside the request |")
        print("| ---: | ---: | ---: | ---: | ---: |")
        print(f"| {COUNT} | {action_ms:.0f} | {len(queries)} | {sent_in_request} | {accept.count} |")

        job = getattr(services, "contracts_render_due", None)
        if job is not None:
            start = time.perf_counter()
            done = job()
            job_ms = (time.perf_counter() - start) * 1000
            sent = contracts.filter(status=Contract.Status.SENT).count()
            print(
                f"\nbackground job: {done} contracts rendered and sent in {job_ms / 1000:.1f} s "
                f"({job_ms / max(done, 1):.0f} ms each); {sent} of {COUNT} now «Sendt til signering»."
            )
            from core import outbox

            start = time.perf_counter()
            outbox.send_due()
            print(f"outbox: {accept.count} e-mails over SMTP in {time.perf_counter() - start:.1f} s.")
    finally:
        smtp.stop()
        runner.teardown_databases(old_config)


if __name__ == "__main__":
    main()
