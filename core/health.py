"""/helse/: whether this web process can reach what it needs, for a load balancer, a monitor or a person.

200 when the database answers and, where a broker is configured, the broker answers; 503 otherwise. The body
names only which part failed (the reason goes to the log, not to whoever asks), and the answer is never cached.

It is answered by a middleware placed before Django's SecurityMiddleware: a local probe asks over plain http
with `Host: 127.0.0.1`, which SECURE_SSL_REDIRECT would redirect and ALLOWED_HOSTS would refuse (both call
`request.get_host()`). Nothing here reads the Host header, a session or a user, and nothing is written.
"""

import logging
from collections.abc import Callable

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.http.response import HttpResponseBase
from django.utils.cache import add_never_cache_headers

logger = logging.getLogger(__name__)

HEALTH_PATH = "/helse/"
# Seconds to wait for the broker: a probe that hangs tells less than one that says «feil» in time.
BROKER_TIMEOUT = 1.5

OK, FAILED, NOT_CONFIGURED = "ok", "feil", "ikke i bruk"


def database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        logger.warning("Health check: the database did not answer.", exc_info=True)
        return False
    return True


def broker_ok() -> bool:
    """Connects to the Celery broker afresh (at most BROKER_TIMEOUT seconds). Precondition: a broker URL is set."""
    # Imported here: kombu comes with Celery, and only a process with a broker configured needs it.
    from kombu import Connection

    timeouts = {"socket_connect_timeout": BROKER_TIMEOUT, "socket_timeout": BROKER_TIMEOUT}
    try:
        with Connection(
            settings.CELERY_BROKER_URL, connect_timeout=BROKER_TIMEOUT, transport_options=timeouts
        ) as broker:
            # kombu takes any number of seconds (it adds the timeout to time()); its stubs say int.
            broker.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=BROKER_TIMEOUT)  # type: ignore[arg-type]
    except Exception:
        # The URL may hold a password; the exception's text is logged, never the URL itself.
        logger.warning("Health check: the broker did not answer.", exc_info=True)
        return False
    return True


def health_response() -> JsonResponse:
    parts = {"database": OK if database_ok() else FAILED}
    if settings.CELERY_BROKER_URL:
        parts["broker"] = OK if broker_ok() else FAILED
    else:
        parts["broker"] = NOT_CONFIGURED
    healthy = FAILED not in parts.values()
    response = JsonResponse({"status": OK if healthy else FAILED, **parts}, status=200 if healthy else 503)
    add_never_cache_headers(response)
    # Django would log every 503 as an ERROR of django.request, which mails ADMINS and reports to Sentry: once per
    # probe (every few seconds) while a part is down. The warning above already says which part failed, so the
    # response carries Django's own mark for «already logged» (read by django.utils.log.log_response; the stubs
    # do not know it).
    response._has_been_logged = True  # type: ignore[attr-defined]
    # SecurityMiddleware never sees this response, so its one relevant header is set here.
    response["X-Content-Type-Options"] = "nosniff"
    return response


class HealthCheckMiddleware:
    """Answers HEALTH_PATH itself; every other request goes on down the middleware chain."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if request.path_info == HEALTH_PATH:
            return health_response()
        return self.get_response(request)
