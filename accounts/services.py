"""Writes for people, invitations, the two-factor sign-in and the audit log."""

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Literal
from urllib.parse import urlsplit

import django_otp
from axes.handlers.proxy import AxesProxyHandler
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth import login as auth_login
from django.contrib.auth.signals import user_login_failed
from django.contrib.auth.tokens import default_token_generator
from django.db import models, transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.background import send_soon
from core.mail import build_mail, queue_mail, queue_mails, site_url

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


def audit_event(
    *,
    action: str,
    actor: User | None = None,
    obj: models.Model | None = None,
    request: HttpRequest | None = None,
    payload: dict[str, Any] | None = None,
    group_id: int | None = None,
) -> AuditEvent:
    """An unsaved audit event, for callers that save many with one `AuditEvent.objects.bulk_create`; the
    arguments are those of `audit_log`."""
    if actor is None and request is not None and getattr(request, "user", None) is not None:
        actor = request.user if request.user.is_authenticated else None
    return AuditEvent(
        action=action,
        actor=actor,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=str(obj)[:200] if obj is not None else "",
        group_id=group_id if group_id is not None else audit_group_id(obj),
        ip_address=client_ip(request),
        payload=payload or {},
    )


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
    event = audit_event(action=action, actor=actor, obj=obj, request=request, payload=payload, group_id=group_id)
    event.save()
    return event


def user_get_or_create(*, email: str, full_name: str, phone: str = "") -> User:
    """The user with this e-mail address, created without a usable password if new."""
    User = get_user_model()
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        user = User.objects.create_user(email=email, full_name=full_name, phone=phone)
    return user


def invitation_send(*, user: User, invited_by: User | None, request: HttpRequest | None = None) -> Invitation:
    """Create an invitation for `user` and put the e-mail with its link in the outbox (see `invitations_send`)."""
    [invitation] = invitations_send(users=[user], invited_by=invited_by, request=request)
    return invitation


def invitations_send(
    *, users: Sequence[User], invited_by: User | None, request: HttpRequest | None = None
) -> list[Invitation]:
    """Create an invitation for each of `users` and put the e-mails with their links in the outbox, which
    sends them once the transaction has committed; a mail server that is down only delays them. A fixed
    number of queries whatever the number of users, so that an import of hundreds stays quick.

    Earlier unused invitations for the same users stop working: only the newest link counts.
    Preconditions: `users` are saved and each appears once (a second invitation would end the first's link).
    """
    if not users:
        return []
    now = timezone.now()
    expires_at = now + timedelta(days=settings.INVITATION_VALID_DAYS)
    tokens = [Invitation.new_token() for _ in users]
    with transaction.atomic():
        Invitation.objects.usable().filter(user__in=users).update(expires_at=now)
        invitations = Invitation.objects.bulk_create(
            [
                Invitation(user=user, token_hash=hash_token(token), invited_by=invited_by, expires_at=expires_at)
                for user, token in zip(users, tokens, strict=True)
            ]
        )
        mails = []
        for user, token in zip(users, tokens, strict=True):
            path = reverse("accounts:invitation_accept", kwargs={"token": token})
            link = request.build_absolute_uri(path) if request is not None else site_url(path)
            mails.append(
                build_mail(
                    to=user.email,
                    user=user,
                    template="accounts/email/invitation",
                    context={"user": user, "link": link, "invited_by": invited_by, "expires_at": expires_at},
                )
            )
        queue_mails(mails)
        AuditEvent.objects.bulk_create(
            [audit_event(action="invitation.queued", actor=invited_by, obj=user, request=request) for user in users]
        )
    return invitations


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


def password_reset_link_send(*, user: User, sent_by: User, request: HttpRequest | None = None) -> None:
    """Put an e-mail in the outbox with a link for `user` to choose a new password, to their own address.

    This is how staff help someone who has lost their password: the person chooses it, staff never see or set
    it. The link is Django's password-reset link (valid PASSWORD_RESET_TIMEOUT, unusable once the password has
    changed), so it is the same page «Glemt passord» leads to."""
    path = reverse(
        "accounts:password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    link = request.build_absolute_uri(path) if request is not None else site_url(path)
    with transaction.atomic():
        queue_mail(
            to=user.email,
            user=user,
            template="accounts/email/password_reset_by_staff",
            context={"user": user, "link": link, "sent_by": sent_by},
        )
        audit_log(action="password_reset.sent_by_staff", actor=sent_by, obj=user, request=request)


# What the admin may change about a person that matters for who can act in the portal, each written to the
# audit log as its own kind of event when it changes.
UserSnapshot = dict[str, Any]


def user_snapshot(user: User) -> UserSnapshot:
    """The fields of `user` whose changes `user_changes_log` records, as they are in the database now."""
    return {
        "email": user.email,
        "is_active": user.is_active,
        "is_staff": user.is_staff,
        "is_superuser": user.is_superuser,
        "groups": set(user.groups.values_list("name", flat=True)),
    }


def user_changes_log(*, user: User, before: UserSnapshot, actor: User, request: HttpRequest | None = None) -> None:
    """Record in the audit log what changed about `user` since `before` (a `user_snapshot`): deactivation or
    reactivation, the e-mail address, access to the admin, superuser status and the staff roles (groups).

    A changed address is also told to the old one, since whoever controls the address controls the account
    (through «Glemt passord»): the person learns of it even when the change was not theirs."""
    after = user_snapshot(user)
    if before["is_active"] != after["is_active"]:
        # Literal codes, so that the audit log's texts can be checked against every code written.
        if after["is_active"]:
            audit_log(action="user.reactivated", actor=actor, obj=user, request=request)
        else:
            audit_log(action="user.deactivated", actor=actor, obj=user, request=request)
    if before["email"] != after["email"]:
        audit_log(
            action="user.email_changed",
            actor=actor,
            obj=user,
            request=request,
            payload={"old": before["email"], "new": after["email"]},
        )
        queue_mail(
            to=before["email"],
            user=user,
            template="accounts/email/email_changed",
            context={"user": user, "old_email": before["email"], "changed_by": actor},
        )
    if before["is_staff"] != after["is_staff"]:
        audit_log(
            action="user.staff_changed", actor=actor, obj=user, request=request, payload={"is_staff": after["is_staff"]}
        )
    if before["is_superuser"] != after["is_superuser"]:
        audit_log(
            action="user.superuser_changed",
            actor=actor,
            obj=user,
            request=request,
            payload={"is_superuser": after["is_superuser"]},
        )
    if before["groups"] != after["groups"]:
        audit_log(
            action="user.groups_changed",
            actor=actor,
            obj=user,
            request=request,
            payload={
                "added": sorted(after["groups"] - before["groups"]),
                "removed": sorted(before["groups"] - after["groups"]),
            },
        )


def password_change(*, user: User, password: str, request: HttpRequest | None = None) -> None:
    """A person changes their own password (they gave the old one). They are told by e-mail, so that a change
    they did not make does not go unnoticed."""
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        audit_log(action="auth.password_changed", actor=user, obj=user, request=request)
        queue_mail(to=user.email, user=user, template="accounts/email/password_changed", context={"user": user})


# Two factors for staff. The password step does not log anyone in who needs a second factor: it leaves a
# pending login in the session, and only the one-time code logs in (Django's `login`, then django-otp's).
# So there is never a session that passed the password alone, and django-axes' reset of the failure count on a
# successful login comes only after the code: wrong codes add up with wrong passwords, per address and IP.
PENDING_SESSION_KEY = "accounts_second_factor_pending"
BACKUP_CODES_SESSION_KEY = "accounts_backup_codes"
AFTER_BACKUP_CODES_SESSION_KEY = "accounts_after_backup_codes"
TOTP_DEVICE_NAME = "Autentiseringsapp"
BACKUP_DEVICE_NAME = "Reservekoder"


@dataclass(frozen=True)
class PendingLogin:
    """A person who gave the right password and still owes the one-time code."""

    user: User
    backend: str
    next_url: str


def second_factor_pending_start(*, request: HttpRequest, user: User, next_url: str) -> None:
    """Remember in the session that `user` (authenticated by the password step, so `user.backend` is set)
    gave the right password; `next_url` is where the login leads, already checked to be on this site.

    The session gets a new key, so that a session id planted before the login is worth nothing after it."""
    request.session.cycle_key()
    request.session[PENDING_SESSION_KEY] = {
        "user_id": user.pk,
        "backend": user.backend,  # type: ignore[attr-defined]  # set by authenticate()
        "started": time.time(),
        "next": next_url,
        # A password changed meanwhile (a reset) voids the half-login, as it voids every session.
        "auth_hash": user.get_session_auth_hash(),
    }


def second_factor_pending(request: HttpRequest) -> PendingLogin | None:
    """The pending login of this session, if it is still good: recent, for an active user whose password is
    the one that was given."""
    data = request.session.get(PENDING_SESSION_KEY)
    if not data:
        return None
    user = None
    if time.time() - data["started"] <= settings.SECOND_FACTOR_PENDING_SECONDS:
        user = User.objects.filter(pk=data["user_id"], is_active=True).first()
    if user is None or not constant_time_compare(user.get_session_auth_hash(), data["auth_hash"]):
        second_factor_pending_end(request)
        return None
    return PendingLogin(user=user, backend=data["backend"], next_url=data["next"])


def second_factor_pending_end(request: HttpRequest) -> None:
    request.session.pop(PENDING_SESSION_KEY, None)


def normalise_code(code: str) -> str:
    """A code as typed, without spaces or dashes (apps show «123 456»; backup codes are printed in groups)."""
    return "".join(code.split()).replace("-", "").lower()


Refusal = Literal["", "wrong", "throttled", "locked"]


@dataclass(frozen=True)
class CodeCheck:
    device: Device | None
    refusal: Refusal = ""


def second_factor_verify(*, request: HttpRequest, user: User, code: str, device: TOTPDevice | None = None) -> CodeCheck:
    """Check a one-time code of `user`: against `device` (the app being set up) if given, else against their
    app (six digits) or their backup codes (anything else; each works once).

    A wrong code is a failed login for django-axes (`user_login_failed`, which the audit log records too), so
    that AXES_FAILURE_LIMIT wrong passwords and codes together lock the address out from this IP. Besides,
    django-otp slows each device down after a wrong code (1, 2, 4 … seconds)."""
    credentials = {"username": user.email}
    if not AxesProxyHandler.is_allowed(request, credentials):
        return CodeCheck(None, "locked")
    code = normalise_code(code)
    if device is None:
        model = TOTPDevice if code.isdigit() and len(code) == 6 else StaticDevice
        device = model.objects.filter(user=user, confirmed=True).first()
    if device is not None:
        allowed, _ = device.verify_is_allowed()
        if not allowed:
            return CodeCheck(None, "throttled")
        # django-otp locks the device's row while it checks, so one code is not accepted twice in a race.
        verified = django_otp.verify_token(user, device.persistent_id, code)
        if verified is not None:
            return CodeCheck(verified)
    # The person whose password was right: someone knows it, if it was not them.
    audit_log(action="auth.second_factor_failed", actor=user, obj=user, request=request, payload=credentials)
    user_login_failed.send(sender=__name__, credentials={**credentials, "second_factor": True}, request=request)
    return CodeCheck(None, "locked" if getattr(request, "axes_locked_out", False) else "wrong")


def second_factor_complete(*, request: HttpRequest, pending: PendingLogin, device: Device) -> None:
    """Log the pending user in, verified by `device`: the only place where staff become logged in."""
    auth_login(request, pending.user, backend=pending.backend)
    django_otp.login(request, device)
    second_factor_pending_end(request)
    method = "backup_code" if isinstance(device, StaticDevice) else "totp"
    audit_log(
        action="auth.second_factor_passed",
        actor=pending.user,
        obj=pending.user,
        request=request,
        payload={"method": method},
    )


def user_has_authenticator(user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def totp_setup_device(*, user: User) -> TOTPDevice:
    """The app `user` is setting up: a TOTP device with a new random key, unconfirmed until a code from the
    app proves it holds the key. The same one is shown again on a reload, so a scanned code stays good."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
    return device or TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=False)


def backup_codes_renew(*, user: User, request: HttpRequest | None = None) -> list[str]:
    """New backup codes for `user`, replacing any old ones; returned to be shown once (django-otp stores them,
    as it stores the app's key, so that they can be checked).

    The device itself is kept: a session verified with a backup code stays verified."""
    with transaction.atomic():
        device, _ = StaticDevice.objects.get_or_create(user=user, name=BACKUP_DEVICE_NAME)
        device.token_set.all().delete()
        codes = [StaticToken.random_token() for _ in range(settings.SECOND_FACTOR_BACKUP_CODES)]
        StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
        audit_log(action="auth.backup_codes_renewed", actor=user, obj=user, request=request)
    return codes


def backup_codes_left(user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def backup_codes_stash(request: HttpRequest, codes: list[str], after: str) -> None:
    """Keep new backup codes in the session for the one page that shows them, then `after`."""
    request.session[BACKUP_CODES_SESSION_KEY] = codes
    request.session[AFTER_BACKUP_CODES_SESSION_KEY] = after


def backup_codes_take(request: HttpRequest) -> tuple[list[str] | None, str | None]:
    """The stashed backup codes and where to go after them, removed from the session: they are shown once."""
    session = request.session
    return session.pop(BACKUP_CODES_SESSION_KEY, None), session.pop(AFTER_BACKUP_CODES_SESSION_KEY, None)


def second_factor_set_up(*, request: HttpRequest, pending: PendingLogin, device: TOTPDevice) -> None:
    """The app `device` gave a right code: it becomes the user's one app, they get backup codes (stashed for
    the page that shows them once), are logged in, and are told by e-mail, since a set-up they did not make
    means someone else has their password."""
    user = pending.user
    with transaction.atomic():
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        codes = backup_codes_renew(user=user, request=request)
        audit_log(action="auth.second_factor_set_up", actor=user, obj=user, request=request)
        queue_mail(to=user.email, user=user, template="accounts/email/second_factor_set_up", context={"user": user})
        second_factor_complete(request=request, pending=pending, device=device)
    backup_codes_stash(request, codes, pending.next_url)


def second_factor_reset(*, user: User, reset_by: User, request: HttpRequest | None = None) -> None:
    """Remove `user`'s app and backup codes (a lost phone): their sessions stop being verified, and they set up
    a new app at their next login, with their own password. They are told by e-mail."""
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()
        audit_log(action="user.second_factor_reset", actor=reset_by, obj=user, request=request)
        queue_mail(
            to=user.email,
            user=user,
            template="accounts/email/second_factor_reset",
            context={"user": user, "reset_by": reset_by},
        )
