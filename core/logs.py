"""The one log format of every process (gunicorn, Django, Celery worker and beat): one line per event,

    2026-12-01T09:15:02.345+00:00 INFO django.request 3f9c0a7e5b2d4c1a9e8f7d6c5b4a3928 message

time in UTC (ISO 8601), level, logger, the request's id (`-` outside a request) and the message.

This module imports nothing from Django, so that gunicorn's master process can use it for its own lines
before the application is loaded (deploy/gunicorn.conf.py).
"""

import logging
import re
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

LINE_FORMAT = "%(asctime)s %(levelname)s %(name)s %(request_id)s %(message)s"
NO_REQUEST = "-"

# The portal's personal links: a secret in the path stands for a login, so no log may keep it. Each entry is the
# path up to the secret (a regular expression, for the password reset link's user id); the path segment after it
# is the secret, written as REDACTED. deploy/nginx/veiledning.conf mirrors this list in its map for the access
# log, and core/tests/test_deploy.py checks that the two agree and that every URL with a token is covered.
TOKEN_PATH_PREFIXES = (
    "/sok/soknad/",
    "/sporreundersokelse/svar/",
    "/moter/kalender/",
    "/konto/invitasjon/",
    "/konto/passord/nytt/[^/?]+/",
)
REDACTED = "[token]"
_TOKEN_PATH = re.compile("(?P<prefix>" + "|".join(TOKEN_PATH_PREFIXES) + ")[^/?#\\s\"']+")

# Set by core.request_id.RequestIdMiddleware for the request being served. A context variable rather than a
# thread-local, so that it stays right under ASGI too.
current_request_id = ContextVar("request_id", default=NO_REQUEST)


class RequestIdFilter(logging.Filter):
    """Adds the current request's id to every record a handler emits, as `request_id`."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id.get()
        return True


def redact(text: str) -> str:
    """`text` with the secret of every personal link in it replaced by REDACTED."""
    return _TOKEN_PATH.sub(lambda match: match["prefix"] + REDACTED, text)


class RedactTokensFilter(logging.Filter):
    """Takes the personal links' secrets out of every record a handler emits: Django's «Not Found: <path>»
    warnings, gunicorn's access lines (their request line) and anything else that writes a path."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


def redact_sentry_event(event: Any, hint: Any = None) -> Any:
    """sentry-sdk's before_send (and before_breadcrumb): the event with the secrets taken out of every string in it,
    the request's URL, the log message and the breadcrumbs included."""
    if isinstance(event, str):
        return redact(event)
    if isinstance(event, dict):
        return {key: redact_sentry_event(value) for key, value in event.items()}
    if isinstance(event, list | tuple):
        return type(event)(redact_sentry_event(value) for value in event)
    return event


class LineFormatter(logging.Formatter):
    """ISO 8601 times in UTC, and one line per event: the newlines of a multi-line message or a traceback are
    written as a literal `\\n`, so that journald keeps the event as one entry and a search for a request id
    finds the whole traceback (`journalctl -o cat … | sed 's/\\\\n/\\n/g'` unfolds it again)."""

    def __init__(self, fmt: str | None = None, *args: Any, **kwargs: Any) -> None:
        super().__init__(fmt or LINE_FORMAT, *args, **kwargs)

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        return datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds")

    def format(self, record: logging.LogRecord) -> str:
        # A record that reached this formatter without passing RequestIdFilter still formats.
        if not hasattr(record, "request_id"):
            record.request_id = current_request_id.get()
        return super().format(record).replace("\r\n", "\n").replace("\n", "\\n")
