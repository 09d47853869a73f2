from typing import Any

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from .models import User
from .services import audit_log, session_touch


@receiver(user_logged_in)
def log_login(sender: type[User], request: HttpRequest, user: User, **kwargs: Any) -> None:
    audit_log(action="auth.login", actor=user, obj=user, request=request)
    # The idle timeout counts from the login (accounts.middleware.SessionIdleTimeoutMiddleware).
    if hasattr(request, "session"):
        session_touch(request=request, user=user)


@receiver(user_logged_out)
def log_logout(sender: type[User] | type[None], request: HttpRequest, user: User | None, **kwargs: Any) -> None:
    if user is not None:
        audit_log(action="auth.logout", actor=user, obj=user, request=request)


@receiver(user_login_failed)
def log_login_failed(
    sender: str, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    # The attempted address is kept so that the programme leader can see attacks on one account;
    # the password never is (Django already masks it in `credentials`). A wrong one-time code after a right
    # password is sent as a failed login too, for django-axes to count; accounts.services.second_factor_verify
    # logs it as its own kind, with the person whose password was right.
    if credentials.get("second_factor"):
        return
    audit_log(action="auth.login_failed", request=request, payload={"username": credentials.get("username", "")})


@receiver(user_locked_out)
def log_locked_out(
    sender: str, request: HttpRequest, username: str | None, ip_address: str | None, **kwargs: Any
) -> None:
    # Sent by django-axes for every attempt refused while the address (or the IP address) is locked out.
    audit_log(action="auth.locked_out", request=request, payload={"username": username or ""})
