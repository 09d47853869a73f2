"""Writes for municipality groups and their members."""

from django.db import transaction
from django.http import HttpRequest

from accounts.models import User
from accounts.services import audit_log, invitation_send, user_get_or_create
from core.mail import queue_mail, site_url
from portfolios.models import Portfolio

from .imports import ImportPlan, Row, import_plan
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
    notify: bool = True,
) -> tuple[Membership, bool]:
    """Add a person to `group` in `role` and tell them by e-mail: an invitation to choose a password for
    someone who cannot log in yet, otherwise a notice that they were added, with a link to the group.

    Returns (membership, invited): `invited` is False for someone who already has a password. With `notify`
    False nobody is e-mailed: an import that adds a new person to two groups sends them one invitation,
    since a second one would make the first one's link stop working.
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
    if not notify:
        return membership, invited
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


class GroupsImportRefused(Exception):
    """The rows no longer import cleanly (the portfolio changed since the preview); `plan` says why."""

    def __init__(self, plan: ImportPlan) -> None:
        super().__init__("; ".join(plan.errors))
        self.plan = plan


@transaction.atomic
def groups_import(
    *, portfolio: Portfolio, rows: list[Row], imported_by: User, request: HttpRequest | None = None
) -> ImportPlan:
    """Create the groups and memberships of a spreadsheet's `rows` (imports.read_rows) in `portfolio`, invite
    the new people and tell those who already have a password, all or nothing.

    The rows are checked again here, inside the transaction, since the portfolio may have changed since
    the preview: any error raises GroupsImportRefused and nothing is written. The e-mails go to the outbox,
    which sends them once the transaction has committed. Returns the plan that was carried out."""
    # Two imports into one portfolio at once would each find a municipality free and both add it: the
    # portfolio's row is locked while the rows are checked again and written.
    Portfolio.objects.select_for_update().filter(pk=portfolio.pk).first()
    plan = import_plan(portfolio=portfolio, rows=rows)
    if plan.errors:
        raise GroupsImportRefused(plan)
    notified: set[str] = set()
    for planned in plan.groups:
        group = planned.existing
        if group is None:
            group = MunicipalityGroup.objects.create(
                portfolio=portfolio, name=planned.name, status=MunicipalityGroup.Status.ADMITTED
            )
            group.municipalities.set(planned.municipalities)
        for member in planned.members:
            membership_invite(
                group=group,
                email=member.email,
                full_name=member.full_name,
                phone=member.phone,
                role=member.role,
                municipality=member.municipality,
                invited_by=imported_by,
                request=request,
                notify=not (member.invited and member.email in notified),
            )
            notified.add(member.email)
    audit_log(
        action="membership.imported",
        actor=imported_by,
        obj=portfolio,
        request=request,
        payload={
            "rows": len(rows),
            "new_groups": len(plan.new_groups),
            "memberships": len(plan.members),
            "new_users": len(plan.new_people),
            "invited": len(plan.invited_people),
            "told": len(plan.told_people),
            "skipped": len(plan.skipped),
        },
    )
    return plan
