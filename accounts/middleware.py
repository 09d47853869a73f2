from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.http.response import HttpResponseBase

from .access import AccessRefused
from .models import User
from .services import audit_log, session_idle_expired, session_idle_seconds


def second_factor_verified(user: object) -> bool:
    """Whether django-otp's middleware found the session verified by one of the user's devices."""
    return getattr(user, "otp_device", None) is not None


class SecondFactorMiddleware:
    """A staff session that did not pass the second factor is no login at all, on every page, the admin
    included: it is ended and the request goes on as anonymous, so that pages behind a login send the person
    to the login page (and back here afterwards).

    The login page never makes such a session (accounts.services: staff are logged in only by the code), but
    other ways could: Django's admin login form, a participant given a staff role while logged in, or an app
    removed («Nullstill tofaktorpålogging») while its session lasts. Installed after django-otp's
    OTPMiddleware, which marks the verified sessions."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        user = request.user
        if isinstance(user, User) and user.needs_second_factor and not second_factor_verified(user):
            audit_log(
                action="auth.second_factor_missing",
                actor=user,
                obj=user,
                request=request,
                payload={"path": request.path},
            )
            request.session.flush()
            request.user = AnonymousUser()
        return self.get_response(request)


class AuditAccessRefusedMiddleware:
    """Writes an audit event whenever a view refused access: an access helper's 404 (`AccessRefused`) or a
    403 (`PermissionDenied`, which only the admin raises: staff opening a model or an action their role
    does not grant). The response stays what it was."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> None:
        if isinstance(exception, AccessRefused):
            audit_log(
                action=exception.action,
                request=request,
                payload={
                    "path": exception.path if exception.path is not None else request.path,
                    "object_type": exception.obj_type,
                    "object_id": exception.obj_id,
                },
            )
        elif isinstance(exception, PermissionDenied):
            audit_log(
                action="access.forbidden",
                request=request,
                payload={"path": request.path, "method": request.method or ""},
            )
        return None


class SessionIdleTimeoutMiddleware:
    """Logs out a user whose session has been idle longer than their limit (staff sooner than participants:
    accounts.services.session_idle_seconds), with a message on the login page and an audit event. After
    AuthenticationMiddleware and MessageMiddleware."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        user = request.user
        if user.is_authenticated and session_idle_expired(request=request, user=user):
            minutes = session_idle_seconds(user) // 60
            audit_log(action="auth.session_timed_out", actor=user, obj=user, request=request)
            # Not django.contrib.auth.logout: that would also log an ordinary «Logget ut».
            request.session.flush()
            request.user = AnonymousUser()
            messages.info(request, f"Du ble logget ut fordi du ikke hadde vært aktiv på {minutes} minutter.")
        return self.get_response(request)
