"""One id per request, in every log line the request causes (core.logs) and in the response's X-Request-ID
header, so that nginx's log, gunicorn's access log and Django's lines about one request can be matched."""

import re
import uuid
from collections.abc import Callable
from typing import Any

from django.core.signals import request_finished
from django.http import HttpRequest
from django.http.response import HttpResponseBase

from core.logs import NO_REQUEST, current_request_id

HEADER = "X-Request-ID"
# nginx sends its $request_id (32 hex digits); other proxies send UUIDs. Anything else — long, with spaces,
# quotes or control characters — could forge or break a log line, so it is replaced by an id of our own.
SAFE_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


def request_id_from(value: str | None) -> str:
    """The proxy's id if it is safe to log, else a new one."""
    if value and SAFE_REQUEST_ID.fullmatch(value):
        return value
    return uuid.uuid4().hex


class RequestIdMiddleware:
    """Placed first, so that every later middleware's and view's log lines carry the id."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        request_id = request_id_from(request.headers.get(HEADER))
        # An attribute of the portal's own on Django's request, which its stubs do not declare.
        request.request_id = request_id  # type: ignore[attr-defined]
        # Not reset when the response leaves the middleware: Django logs a 4xx response after the middleware
        # chain, and gunicorn writes its access line after that. The id is cleared when the response is
        # closed (request_finished), the last thing a request does.
        current_request_id.set(request_id)
        response = self.get_response(request)
        response[HEADER] = request_id
        return response


def _clear_request_id(**kwargs: Any) -> None:
    current_request_id.set(NO_REQUEST)


request_finished.connect(_clear_request_id, dispatch_uid="core.request_id.clear")
