"""Writes for people, invitations and the audit log."""

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import models, transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from core.mail import queue_mail, site_url

from .models import AuditEvent, Invitation, User, hash_token


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


def audit_log(
    *,
    action: str,
    actor: User | None = None,
    obj: models.Model | None = None,
    request: HttpRequest | None = None,
    payload: dict[str, Any] | None = None,
) -> AuditEvent:
    """Record one audit event. `actor` defaults to the request's logged-in user."""
    if actor is None and request is not None and getattr(request, "user", None) is not None:
        actor = request.user if request.user.is_authenticated else None
    return AuditEvent.objects.create(
        action=action,
        actor=actor,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=str(obj)[:200] if obj is not None else "",
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
