"""Writes for municipality groups and their members."""

from django.db import transaction
from django.http import HttpRequest

from accounts.models import AuditEvent, User
from accounts.services import audit_event, audit_log, invitation_send, invitations_send, user_get_or_create
from core.mail import build_mail, queue_mail, queue_mails, site_url
from portfolios.models import Portfolio

from .imports import ImportPlan, PlannedMember, Row, import_plan
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
            template=MEMBER_ADDED_MAIL,
            context=_member_added_context(
                user=user, group=group, portfolio=group.portfolio, membership=membership, invited_by=invited_by
            ),
        )
    return membership, invited


MEMBER_ADDED_MAIL = "municipalities/email/member_added"


def _member_added_context(
    *, user: User, group: MunicipalityGroup, portfolio: Portfolio, membership: Membership, invited_by: User
) -> dict[str, object]:
    return {
        "user": user,
        "group": group,
        "portfolio": portfolio,
        "role": membership.get_role_display(),
        "invited_by": invited_by,
        "link": site_url(group.get_absolute_url()),
    }


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
    which sends them once the transaction has committed. Returns the plan that was carried out.

    Writes in bulk, in a fixed number of queries whatever the number of rows (about 20), so that an import
    of a whole portfolio's 400 people takes a second inside the request rather than half a minute."""
    # Two imports into one portfolio at once would each find a municipality free and both add it: the
    # portfolio's row is locked while the rows are checked again and written.
    Portfolio.objects.select_for_update().filter(pk=portfolio.pk).first()
    plan = import_plan(portfolio=portfolio, rows=rows)
    if plan.errors:
        raise GroupsImportRefused(plan)
    groups_plan_carry_out(portfolio=portfolio, plan=plan, added_by=imported_by, request=request)
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


def groups_plan_carry_out(
    *, portfolio: Portfolio, plan: ImportPlan, added_by: User, request: HttpRequest | None = None
) -> list[MunicipalityGroup]:
    """Write a checked `plan` (imports.import_plan, without errors) into `portfolio`: the new groups with
    their municipalities, the people new to the portal, the memberships (each in the audit log), the
    invitations of those who cannot log in yet and the notice to those who can. Returns each of the plan's
    groups in its order, the new ones created here.

    The spreadsheet import and the admission of an application (applications.services) both add groups
    and people this way, so that an admitted group gets exactly what an imported one gets.
    Preconditions: inside a transaction that holds the portfolio's row locked, the plan made inside it."""
    users = _users_of(plan)
    groups = _groups_of(portfolio=portfolio, plan=plan)
    pairs = [(group, member) for group, planned in zip(groups, plan.groups, strict=True) for member in planned.members]
    memberships = Membership.objects.bulk_create(
        [Membership(user=users[m.email], group=group, role=m.role, municipality=m.municipality) for group, m in pairs]
    )
    AuditEvent.objects.bulk_create(
        [
            audit_event(
                action="membership.added",
                actor=added_by,
                obj=group,
                request=request,
                payload={"user_id": users[m.email].pk, "role": m.role},
            )
            for group, m in pairs
        ]
    )
    # A new person in two groups gets one invitation: a second one would make the first one's link stop
    # working. Someone who already has a password is told once per group they were added to.
    invitations_send(users=[users[m.email] for m in plan.invited_people], invited_by=added_by, request=request)
    queue_mails(
        [
            build_mail(
                to=users[m.email].email,
                user=users[m.email],
                template=MEMBER_ADDED_MAIL,
                context=_member_added_context(
                    user=users[m.email],
                    group=group,
                    portfolio=portfolio,
                    membership=membership,
                    invited_by=added_by,
                ),
            )
            for (group, m), membership in zip(pairs, memberships, strict=True)
            if not m.invited
        ]
    )
    return groups


def _users_of(plan: ImportPlan) -> dict[str, User]:
    """Every person of the plan by address: those who have an account, and the new ones, created here in
    one query without a usable password (they choose one through their invitation)."""
    users = {m.email: m.user for m in plan.members if m.user is not None}
    # A new person's first row gives their name and phone, as when they were created one row at a time.
    first_rows: dict[str, PlannedMember] = {}
    for m in plan.members:
        if m.user is None:
            first_rows.setdefault(m.email, m)
    new = []
    for m in first_rows.values():
        user = User(email=m.email, full_name=m.full_name, phone=m.phone)
        user.set_unusable_password()
        new.append(user)
    users.update({u.email: u for u in User.objects.bulk_create(new)})
    return users


def _groups_of(*, portfolio: Portfolio, plan: ImportPlan) -> list[MunicipalityGroup]:
    """The group of each of the plan's groups, in its order: the existing one, or one created here. The new
    groups are created with their municipalities in two queries and read back with them in two more, so
    that their names (a group without one is named after its municipalities) cost no query each."""
    created = MunicipalityGroup.objects.bulk_create(
        [
            MunicipalityGroup(portfolio=portfolio, name=planned.name, status=MunicipalityGroup.Status.ADMITTED)
            for planned in plan.new_groups
        ]
    )
    Through = MunicipalityGroup.municipalities.through
    Through.objects.bulk_create(
        [
            Through(municipalitygroup_id=group.pk, municipality_id=m.pk)
            for group, planned in zip(created, plan.new_groups, strict=True)
            for m in planned.municipalities
        ]
    )
    new = MunicipalityGroup.objects.filter(pk__in=[g.pk for g in created]).prefetch_related("municipalities")
    new_by_pk = {g.pk: g for g in new}
    created_of = iter(created)
    return [planned.existing or new_by_pk[next(created_of).pk] for planned in plan.groups]
