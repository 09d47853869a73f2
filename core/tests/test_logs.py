import io
import logging
import re
from unittest import mock

import pytest
from django.core import mail
from django.db import OperationalError

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
