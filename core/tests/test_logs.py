import io
import logging
import logging.config
import re
import runpy
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace
from unittest import mock

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.db import OperationalError

from core.logs import redact_sentry_event

# time (UTC, ISO 8601, milliseconds), level, logger, request id, message
LINE = re.compile(
    r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00 (?P<level>[A-Z]+) (?P<logger>\S+) (?P<id>\S+) (?P<msg>.*)$"
)


@pytest.fixture
def log_lines():
    """What the root logger's console handler (settings.LOGGING) writes, as a list of lines."""
    handler = next(h for h in logging.getLogger().handlers if h.name == "console")
    stream = io.StringIO()
    previous = handler.setStream(stream)
    yield lambda: stream.getvalue().splitlines()
    handler.setStream(previous)


def test_a_log_line_during_a_request_carries_the_request_id(client, settings, log_lines):
    settings.CELERY_BROKER_URL = ""
    # A failing health check logs a warning in the request; the test client closes the response after it, as a
    # server does, which ends the request.
    with mock.patch("core.health.connection") as connection:
        connection.cursor.side_effect = OperationalError("nede")
        client.get("/helse/", HTTP_X_REQUEST_ID="3f9c0a7e5b2d4c1a9e8f7d6c5b4a3928")
    logging.getLogger("veiledning.test").warning("Etter forespørselen")

    during, after = (LINE.match(line) for line in log_lines())
    assert during["level"] == "WARNING"
    assert during["logger"] == "core.health"
    assert during["id"] == "3f9c0a7e5b2d4c1a9e8f7d6c5b4a3928"
    assert during["msg"].startswith("Health check: the database did not answer.")
    assert after["logger"] == "veiledning.test"
    assert after["id"] == "-"


def test_a_traceback_stays_on_the_line_of_its_event(log_lines):
    try:
        raise ValueError("første\nandre")
    except ValueError:
        logging.getLogger("veiledning.test").exception("Det gikk galt")

    (line,) = log_lines()
    assert LINE.match(line)["msg"].startswith("Det gikk galt\\nTraceback (most recent call last):")
    assert "ValueError: første\\nandre" in line


@pytest.mark.django_db
def test_a_server_error_is_mailed_to_the_admins_and_a_failing_health_check_is_not(client, settings, log_lines):
    settings.ADMINS = [("Drift", "drift@example.no")]
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"

    client.get("/helse/")
    assert mail.outbox == []
    logging.getLogger("django.request").error("Internal Server Error: /kontrakter/")

    (report,) = mail.outbox
    assert report.to == ["drift@example.no"]
    assert "Internal Server Error: /kontrakter/" in report.subject


@pytest.mark.django_db
def test_a_refused_personal_link_is_logged_without_its_token(client, log_lines):
    response = client.get("/sok/soknad/s3cretPersonalLinkToken/trekk/")

    assert response.status_code == 404
    (line,) = (line for line in log_lines() if " django.request " in line)
    assert LINE.match(line)["msg"] == "Not Found: /sok/soknad/[token]/trekk/"
    assert not any("s3cretPersonalLinkToken" in line for line in log_lines())


def test_gunicorns_access_line_has_no_token(capsys, settings):
    from gunicorn.config import Config
    from gunicorn.glogging import Logger

    conf = runpy.run_path(str(Path(settings.BASE_DIR) / "deploy" / "gunicorn.conf.py"))
    config = Config()
    for name in ("accesslog", "access_log_format", "loglevel", "logconfig_dict"):
        config.set(name, conf[name])
    try:
        # gunicorn configures logging from its logconfig_dict, as in its own process; its console writes to
        # the sys.stdout capsys holds.
        access = Logger(config)
        environ = {
            "REQUEST_METHOD": "GET",
            "RAW_URI": "/sporreundersokelse/svar/s3cretPersonalLinkToken/side/2/?neste=1",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "127.0.0.1",
        }
        response = SimpleNamespace(status="200 OK", sent=512, headers=[])
        access.access(response, SimpleNamespace(headers=[]), environ, timedelta(milliseconds=12))
    finally:
        # Back to the project's logging, outside capsys: a console handler made now would keep capsys' stream,
        # which is closed after this test, and the next test's handler would write to a closed file.
        with capsys.disabled():
            logging.config.dictConfig(django_settings.LOGGING)

    (line,) = capsys.readouterr().out.splitlines()
    assert LINE.match(line)["logger"] == "gunicorn.access"
    assert '"GET /sporreundersokelse/svar/[token]/side/2/?neste=1 HTTP/1.1" 200 512 12ms' in line
    assert "s3cretPersonalLinkToken" not in line


def test_sentry_events_lose_the_tokens_in_every_string():
    event = {
        "request": {"url": "https://veiledning.example.no/moter/kalender/s3cretPersonalLinkToken.ics"},
        "logentry": {"message": "Not Found: /konto/invitasjon/s3cretPersonalLinkToken/", "params": []},
        "breadcrumbs": {"values": [{"message": "GET /konto/passord/nytt/MQ/s3cretPersonalLinkToken/"}]},
        "level": "warning",
    }

    cleaned = redact_sentry_event(event, {})

    assert "s3cretPersonalLinkToken" not in repr(cleaned)
    assert cleaned["request"]["url"] == "https://veiledning.example.no/moter/kalender/[token]"
    assert cleaned["breadcrumbs"]["values"][0]["message"] == "GET /konto/passord/nytt/MQ/[token]/"
    assert cleaned["level"] == "warning"


@pytest.mark.django_db
def test_a_server_errors_mail_has_no_token(rf, settings, log_lines):
    settings.ADMINS = [("Drift", "drift@example.no")]
    request = rf.get("/sok/soknad/s3cretPersonalLinkToken/soknad.pdf")
    try:
        raise RuntimeError("PDF-en kunne ikke lages")
    except RuntimeError:
        logging.getLogger("django.request").exception(
            "Internal Server Error: %s", request.path, extra={"request": request, "status_code": 500}
        )

    (report,) = mail.outbox
    assert report.subject.endswith("Internal Server Error: /sok/soknad/[token]/soknad.pdf")
    assert "/sok/soknad/[token]/soknad.pdf" in report.body
    assert "s3cretPersonalLinkToken" not in report.subject + report.body


def test_the_development_servers_request_line_has_no_token(log_lines):
    # As django.core.servers.basehttp.WSGIRequestHandler.log_message writes it under `manage.py runserver`.
    logging.getLogger("django.server").info(
        '"%s" %s %s', "GET /konto/invitasjon/s3cretPersonalLinkToken/ HTTP/1.1", "200", "4711"
    )

    (line,) = log_lines()
    assert LINE.match(line)["msg"] == '"GET /konto/invitasjon/[token]/ HTTP/1.1" 200 4711'
