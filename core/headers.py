"""Response headers every page gets, beside Django's SecurityMiddleware's and django-csp's: a Permissions-Policy
and the Cache-Control of private pages. Imports no app."""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest
from django.http.response import HttpResponseBase

PRIVATE = "private, no-store"


class SecurityHeadersMiddleware:
    """Sets `Permissions-Policy` (settings.PERMISSIONS_POLICY) on every response, and `Cache-Control:
    private, no-store` on every response of the portal itself:

    - for a logged-in user always, replacing whatever a view set, since anything shown to a logged-in
      person (a page, a signed contract, an export, a PDF) must stay out of shared and browser caches;
    - for everyone else, unless the view chose its own (the calendar feed's `private, max-age=900`).

    The static files never reach it: WhiteNoise, earlier in MIDDLEWARE, answers them with its own far-future
    headers. /helse/ is answered before it too and sets its own no-cache headers."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        user = getattr(request, "user", None)
        if (user is not None and user.is_authenticated) or "Cache-Control" not in response.headers:
            response.headers["Cache-Control"] = PRIVATE
        return response
