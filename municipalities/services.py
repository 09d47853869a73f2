"""Writes for municipality groups and their members."""

from django.db import transaction
from django.http import HttpRequest

from accounts.models import User
from accounts.services import audit_log, invitation_send, user_get_or_create
from core.mail import queue_mail, site_url

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
    """Add a person to `group` in `role` and tell them by e-mail: an invitation to choose a password for
    someone who cannot log in yet, otherwise a notice that they were added, with a link to the group.

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
    else:
        # Someone who already has a password needs no invitation, but should still learn of the group: without
        # this they were told nothing and found it only by chance.
        queue_mail(
            to=user.email,
            user=user,
            template="municipalities/email/member_added",
            context={
                "user": user,
                "group": group,
                "portfolio": group.portfolio,
                "role": membership.get_role_display(),
                "invited_by": invited_by,
                "link": site_url(group.get_absolute_url()),
            },
        )
    return membership, invited
