from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from .services import audit_log


@receiver(user_logged_in)
def log_login(sender, request, user, **kwargs):
    audit_log(action="auth.login", actor=user, obj=user, request=request)


@receiver(user_logged_out)
def log_logout(sender, request, user, **kwargs):
    if user is not None:
        audit_log(action="auth.logout", actor=user, obj=user, request=request)


@receiver(user_login_failed)
def log_login_failed(sender, credentials, request=None, **kwargs):
    # The attempted address is kept so that the programme leader can see attacks on one account;
    # the password never is (Django already masks it in `credentials`).
    audit_log(action="auth.login_failed", request=request, payload={"username": credentials.get("username", "")})
