"""Refuses a request body by its declared size, before anything reads it.

Django caps the form fields it parses (DATA_UPLOAD_MAX_MEMORY_SIZE) but not an uploaded file, which it
streams to a temporary file whatever its size; and it reads a body over the cap before it refuses it. This
middleware looks only at CONTENT_LENGTH, so a 300 MB upload is answered at once with a Norwegian 413 page
and its bytes are never read. Where a proxy is in front, its own limit (client_max_body_size in the nginx
example) is the same number, settings.REQUEST_MAX_BYTES, so that the portal's page is the one people see.

A body without CONTENT_LENGTH (chunked) is never read by Django at all: its WSGI handler reads no more than
CONTENT_LENGTH says, and a missing one counts as 0."""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.template import loader

from .organisation import organisation


def declared_length(request: HttpRequest) -> int:
    try:
        return max(0, int(request.META.get("CONTENT_LENGTH") or 0))
    except ValueError:
        return 0


def body_limit(request: HttpRequest) -> int:
    """A multipart body may carry a file (up to REQUEST_MAX_BYTES with its form); any other body is form
    fields or JSON alone, which Django would refuse over DATA_UPLOAD_MAX_MEMORY_SIZE anyway."""
    if request.META.get("CONTENT_TYPE", "").startswith("multipart/"):
        return settings.REQUEST_MAX_BYTES
    return settings.DATA_UPLOAD_MAX_MEMORY_SIZE


class RequestSizeLimitMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        limit = body_limit(request)
        if declared_length(request) > limit:
            # Rendered like the 500 page, from the settings alone: the request has no session or user yet.
            template = loader.get_template("413.html")
            body = template.render({"organisation": organisation(), "limit_mb": max(1, limit // (1024 * 1024))})
            response = HttpResponse(body, status=413)
            # The body is left unread, so the connection cannot carry another request.
            response["Connection"] = "close"
            return response
        return self.get_response(request)
