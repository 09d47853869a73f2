from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from .models import User
from .services import audit_log


@receiver(user_logged_in)
def log_login(sender: type[User], request: HttpRequest, user: User, **kwargs: Any) -> None:
    audit_log(action="auth.login", actor=user, obj=user, request=request)


@receiver(user_logged_out)
def log_logout(sender: type[User] | type[None], request: HttpRequest, user: User | None, **kwargs: Any) -> None:
    if user is not None:
        audit_log(action="auth.logout", actor=user, obj=user, request=request)


@receiver(user_login_failed)
def log_login_failed(
    sender: str, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    # The attempted address is kept so that the programme leader can see attacks on one account;
    # the password never is (Django already masks it in `credentials`).
    audit_log(action="auth.login_failed", request=request, payload={"username": credentials.get("username", "")})
