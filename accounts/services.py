"""Writes for people, invitations and the audit log."""

import time
from collections.abc import Mapping
from datetime import timedelta
from typing import Any, Literal
from urllib.parse import urlsplit

from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.db import models, transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from core.background import send_soon
from core.mail import queue_mail, site_url

from .models import AuditEvent, Invitation, PasswordResetRequest, User, hash_token

# The task's name, not a password.
PASSWORD_RESET_TASK = "accounts.send_password_resets"  # noqa: S105
# When the session's user last did something (seconds since the epoch), for the idle timeout.
SESSION_ACTIVITY_KEY = "accounts.last_activity"
# The last activity is written at most this often, so that a busy session is not saved on every request.
SESSION_ACTIVITY_RESOLUTION = 60


def client_ip(request: HttpRequest | None) -> str | None:
    """The address the request came from, for the audit log and the login throttling.

    Behind TRUSTED_PROXY_COUNT reverse proxies, each appends the address it saw to X-Forwarded-For,
    so the client is the entry that many places from the end; anything before it the client wrote
    itself and is not trusted. Without proxies, REMOTE_ADDR is the client.
    """
    if request is None:
        return None
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR") or None


def login_username(request: HttpRequest | None, credentials: Mapping[str, Any] | None) -> str | None:
    """The e-mail address a login attempt was for, as django-axes counts failures: in lower case,
    since logins ignore case, so that «Kari@…» and «kari@…» share one count."""
    username = (credentials or {}).get("username") or (request.POST.get("username") if request else None)
    return username.strip().lower() if username else None


def login_lockout_parameters(
    request_or_attempt: object, credentials: Mapping[str, Any] | None = None
) -> list[str | list[str]]:
    """django-axes' AXES_LOCKOUT_PARAMETERS: what failed logins are counted by.

    Normally the pair (address, IP address): AXES_FAILURE_LIMIT wrong passwords for one address from one
    IP address lock that pair, so that colleagues behind one municipality's shared network address keep
    logging in while one of them mistypes. An IP address that has failed for AXES_IP_ADDRESS_LIMIT
    different addresses within the cool-off (one password tried on many accounts) is locked as a whole as
    well: with "ip_address" added, all its failures count together, and they are at least that many, which
    is never below AXES_FAILURE_LIMIT. Axes calls this with the request or with a stored attempt."""
    pair: list[str | list[str]] = [["username", "ip_address"]]
    ip = getattr(request_or_attempt, "axes_ip_address", None) or getattr(request_or_attempt, "ip_address", None)
    if not ip:
        return pair
    since = timezone.now() - settings.AXES_COOLOFF_TIME
    addresses = (
        AccessAttempt.objects.filter(ip_address=ip, attempt_time__gte=since).values("username").distinct().count()
    )
    if addresses >= max(settings.AXES_IP_ADDRESS_LIMIT, settings.AXES_FAILURE_LIMIT):
        return [*pair, "ip_address"]
    return pair


def audit_group_id(obj: models.Model | None) -> int | None:
    """The municipality group an object belongs to, for the log's group filter: the object's own
    `audit_group_id` if it has one (the group itself), else its `group_id` (a meeting, a contract, a
    membership, a plan). Duck-typed, since accounts imports no app."""
    if obj is None:
        return None
    value = getattr(obj, "audit_group_id", None)
    if value is None:
        value = getattr(obj, "group_id", None)
    return value if isinstance(value, int) else None


def audit_log(
    *,
    action: str,
    actor: User | None = None,
    obj: models.Model | None = None,
    request: HttpRequest | None = None,
    payload: dict[str, Any] | None = None,
    group_id: int | None = None,
) -> AuditEvent:
    """Record one audit event. `actor` defaults to the request's logged-in user, `group_id` to the group
    `obj` belongs to. Every `action` needs its Norwegian text in `accounts.audit_texts` (a test checks)."""
    if actor is None and request is not None and getattr(request, "user", None) is not None:
        actor = request.user if request.user.is_authenticated else None
    return AuditEvent.objects.create(
        action=action,
        actor=actor,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=str(obj)[:200] if obj is not None else "",
        group_id=group_id if group_id is not None else audit_group_id(obj),
        ip_address=client_ip(request),
        payload=payload or {},
    )


def user_get_or_create(*, email: str, full_name: str, phone: str = "") -> User:
    """The user with this e-mail address, created without a usable password if new."""
    User = get_user_model()
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        user = User.objects.create_user(email=email, full_name=full_name, phone=phone)
    return user


def invitation_send(*, user: User, invited_by: User | None, request: HttpRequest | None = None) -> Invitation:
    """Create an invitation for `user` and put the e-mail with its link in the outbox, which sends it once
    the transaction has committed; a mail server that is down only delays it.

    Earlier unused invitations for the same user stop working: only the newest link counts.
    """
    token = Invitation.new_token()
    path = reverse("accounts:invitation_accept", kwargs={"token": token})
    link = request.build_absolute_uri(path) if request is not None else site_url(path)
    with transaction.atomic():
        Invitation.objects.usable().filter(user=user).update(expires_at=timezone.now())
        invitation = Invitation.objects.create(
            user=user,
            token_hash=hash_token(token),
            invited_by=invited_by,
            expires_at=timezone.now() + timedelta(days=settings.INVITATION_VALID_DAYS),
        )
        queue_mail(
            to=user.email,
            user=user,
            template="accounts/email/invitation",
            context={"user": user, "link": link, "invited_by": invited_by, "expires_at": invitation.expires_at},
        )
        audit_log(action="invitation.queued", actor=invited_by, obj=user, request=request)
    return invitation


def invitation_get_usable(token: str) -> Invitation | None:
    """The invitation for `token` if it can still be used, else None."""
    return Invitation.objects.usable().select_related("user").filter(token_hash=hash_token(token)).first()


def invitation_accept(*, invitation: Invitation, password: str, request: HttpRequest | None = None) -> User | None:
    """Set the invited user's password and use the invitation up. Returns the user, or None if the
    invitation was used up meanwhile (a double submit)."""
    with transaction.atomic():
        # The conditional update makes a double submit harmless: only one request uses the link.
        used = Invitation.objects.usable().filter(pk=invitation.pk).update(accepted_at=timezone.now())
        if not used:
            return None
        user = invitation.user
        user.set_password(password)
        user.save(update_fields=["password"])
        audit_log(action="invitation.accepted", actor=user, obj=user, request=request)
    return user


def password_reset_throttled(*, email: str, ip: str | None) -> Literal["address", "ip", None]:
    """Which limit a new «Glemt passord» request for `email` from `ip` would exceed: "address" (that address
    has asked PASSWORD_RESET_LIMIT_PER_ADDRESS times within PASSWORD_RESET_WINDOW_MINUTES), "ip" (that IP
    address has asked PASSWORD_RESET_LIMIT_PER_IP times), or None. An unknown address counts like a real
    one, so that the limit tells nothing either."""
    since = timezone.now() - timedelta(minutes=settings.PASSWORD_RESET_WINDOW_MINUTES)
    recent = PasswordResetRequest.objects.filter(requested_at__gte=since)
    if recent.filter(email=email).count() >= settings.PASSWORD_RESET_LIMIT_PER_ADDRESS:
        return "address"
    if ip and recent.filter(ip_address=ip).count() >= settings.PASSWORD_RESET_LIMIT_PER_IP:
        return "ip"
    return None


def password_reset_request(*, email: str, request: HttpRequest) -> bool:
    """Records a «Glemt passord» request and asks the worker to e-mail the link (password_resets_send).

    Does exactly the same for an address that belongs to nobody: the response's timing must not tell
    which addresses exist. Returns False, writing only the refusal to the log, when the address or the IP
    address has asked too often (password_reset_throttled)."""
    email = email.strip().lower()
    ip = client_ip(request)
    limit = password_reset_throttled(email=email, ip=ip)
    if limit is not None:
        audit_log(action="auth.password_reset_throttled", request=request, payload={"email": email, "limit": limit})
        return False
    with transaction.atomic():
        PasswordResetRequest.objects.create(email=email, ip_address=ip)
        audit_log(action="auth.password_reset_requested", request=request, payload={"email": email})
        send_soon(PASSWORD_RESET_TASK)
    return True


def password_reset_users(email: str) -> list[User]:
    """Who a reset link for `email` goes to: Django's rule (PasswordResetForm.get_users), active users
    with that address (in any case) who have a usable password."""
    users = get_user_model().objects.filter(email__iexact=email, is_active=True)
    return [user for user in users if user.has_usable_password()]


def password_resets_send(*, limit: int = 200) -> int:
    """Puts the link e-mail in the outbox for each waiting «Glemt passord» request whose address belongs to
    someone (password_reset_users); returns how many e-mails it queued. Each request is claimed with a
    conditional update, so that two workers, or a worker and cron, never send one twice. Requests older
    than the throttling window are deleted once handled: by then they count for nothing."""
    now = timezone.now()
    parts = urlsplit(settings.SITE_URL)
    queued = 0
    pending = PasswordResetRequest.objects.filter(handled_at__isnull=True).order_by("pk")
    for pk in list(pending.values_list("pk", flat=True)[:limit]):
        with transaction.atomic():
            if not PasswordResetRequest.objects.filter(pk=pk, handled_at__isnull=True).update(handled_at=now):
                continue
            reset = PasswordResetRequest.objects.get(pk=pk)
            for user in password_reset_users(reset.email):
                context = {
                    "user": user,
                    "uid": urlsafe_base64_encode(force_bytes(user.pk)),
                    "token": default_token_generator.make_token(user),
                    "protocol": parts.scheme,
                    "domain": parts.netloc,
                }
                queue_mail(to=user.email, user=user, template="accounts/email/password_reset", context=context)
                audit_log(action="auth.password_reset_mail_queued", obj=user, payload={"request": reset.pk})
                queued += 1
    PasswordResetRequest.objects.filter(
        handled_at__isnull=False, requested_at__lt=now - timedelta(minutes=settings.PASSWORD_RESET_WINDOW_MINUTES)
    ).delete()
    return queued


def session_idle_seconds(user: User) -> int:
    """How long `user`'s session lasts without activity: staff (who read every municipality's data) are
    logged out sooner than participants (STAFF_SESSION_IDLE_MINUTES, SESSION_IDLE_MINUTES)."""
    minutes = settings.STAFF_SESSION_IDLE_MINUTES if user.is_staff else settings.SESSION_IDLE_MINUTES
    return int(minutes * 60)


def session_touch(*, request: HttpRequest, user: User) -> None:
    """Notes activity now and lets the session (and its cookie) expire after the user's idle time."""
    request.session[SESSION_ACTIVITY_KEY] = int(time.time())
    request.session.set_expiry(session_idle_seconds(user))


def session_idle_expired(*, request: HttpRequest, user: User) -> bool:
    """Whether the session has been idle past the user's limit; notes the activity if not (at most once a
    minute). Sessions from before the idle timeout existed start counting now."""
    now = int(time.time())
    last = request.session.get(SESSION_ACTIVITY_KEY)
    if isinstance(last, int) and now - last > session_idle_seconds(user):
        return True
    if not isinstance(last, int) or now - last >= SESSION_ACTIVITY_RESOLUTION:
        session_touch(request=request, user=user)
    return False
