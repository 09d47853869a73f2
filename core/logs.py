"""The one log format of every process (gunicorn, Django, Celery worker and beat): one line per event,

    2026-12-01T09:15:02.345+00:00 INFO django.request 3f9c0a7e5b2d4c1a9e8f7d6c5b4a3928 message

time in UTC (ISO 8601), level, logger, the request's id (`-` outside a request) and the message.

This module imports nothing from Django, so that gunicorn's master process can use it for its own lines
before the application is loaded (deploy/gunicorn.conf.py).
"""

import logging
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

LINE_FORMAT = "%(asctime)s %(levelname)s %(name)s %(request_id)s %(message)s"
NO_REQUEST = "-"

# Set by core.request_id.RequestIdMiddleware for the request being served. A context variable rather than a
# thread-local, so that it stays right under ASGI too.
current_request_id = ContextVar("request_id", default=NO_REQUEST)


class RequestIdFilter(logging.Filter):
    """Adds the current request's id to every record a handler emits, as `request_id`."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id.get()
        return True


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
