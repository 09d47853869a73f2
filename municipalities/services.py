"""Writes for municipality groups and their members."""

from django.db import transaction
from django.http import HttpRequest

from accounts.models import User
from accounts.services import audit_log, invitation_send, user_get_or_create

from .models import Membership, Municipality, MunicipalityGroup


@transaction.atomic
def membership_invite(
    *,
    group: MunicipalityGroup,
    email: str,
    full_name: str,
    role: str,
    invited_by: User,
    phone: str = "",
    municipality: Municipality | None = None,
    request: HttpRequest | None = None,
) -> tuple[Membership, bool]:
    """Add a person to `group` in `role` and, unless they can already log in, invite them by e-mail.

    Returns (membership, invited): `invited` is False for someone who already has a password.
    Preconditions: the person is not already a member of the group (the form checks this).
    """
    user = user_get_or_create(email=email, full_name=full_name, phone=phone)
    membership = Membership.objects.create(user=user, group=group, role=role, municipality=municipality)
    audit_log(
        action="membership.added",
        actor=invited_by,
        obj=group,
        request=request,
        payload={"user_id": user.pk, "role": role},
    )
    invited = not user.has_usable_password()
    if invited:
        invitation_send(user=user, invited_by=invited_by, request=request)
    return membership, invited
