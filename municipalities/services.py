"""Writes for municipality groups and their members."""

from collections.abc import Iterable
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import AuditEvent, User
from accounts.services import audit_event, audit_log, invitation_send, invitations_send, user_get_or_create
from core import storage
from core.mail import build_mail, queue_mail, queue_mails, site_url
from portfolios.models import Portfolio

from .documents import CheckedUpload
from .imports import ImportPlan, PlannedMember, Row, import_plan
from .models import (
    Continuation,
    GroupDocument,
    GroupDocumentVersion,
    Membership,
    MembershipChange,
    Municipality,
    MunicipalityGroup,
)


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


class MembershipNotEnded(Exception):
    """The membership cannot end on the day asked for (before it started); the message says why."""


def membership_end(
    *, membership: Membership, ended_by: User, ended_on: date | None = None, request: HttpRequest | None = None
) -> Membership:
    """End `membership` from `ended_on` (today when not given): the person becomes a former member. Their
    signatures, notes, tasks and answers keep naming them, and their access ends as MembershipQuerySet says.
    A membership that already ended keeps its day.

    This is how a member leaves; a membership is deleted only when it was added by mistake
    (`membership_delete_allowed`)."""
    ended_on = ended_on or timezone.localdate()
    if ended_on < membership.started_on:
        raise MembershipNotEnded("Deltakelsen kan ikke slutte før den begynte.")
    if membership.ended_on is not None and membership.ended_on <= ended_on:
        return membership
    previous = membership.ended_on
    membership.ended_on = ended_on
    membership.save(update_fields=["ended_on"])
    audit_log(
        action="membership.ended",
        actor=ended_by,
        obj=membership.group,
        request=request,
        payload={
            "user_id": membership.user_id,
            "role": membership.role,
            "membership_id": membership.pk,
            "ended_on": ended_on.isoformat(),
            "previously_ended_on": previous.isoformat() if previous else None,
        },
    )
    return membership


def membership_delete_allowed(membership: Membership) -> bool:
    """A membership may be deleted outright only on the day it was added (a mistake); from the next day on,
    the person has been a member and is ended instead (membership_end), so that the record keeps them.
    The day it was added is `created_at`, never `started_on`, which the admin's form lets anyone change."""
    return timezone.localdate(membership.created_at) == timezone.localdate()


def membership_role_record(
    *, membership: Membership, old_role: str, changed_by: User | None, changed_on: date | None = None
) -> MembershipChange | None:
    """Record that `membership`'s role changed from `old_role` to its present one, for the group's history.
    For a caller that has saved the new role itself (the admin's forms); nothing when the role is the same."""
    if old_role == membership.role:
        return None
    return MembershipChange.objects.create(
        membership=membership,
        old_role=old_role,
        new_role=membership.role,
        changed_by=changed_by,
        changed_on=changed_on or timezone.localdate(),
    )


@transaction.atomic
def membership_role_change(
    *, membership: Membership, role: str, changed_by: User, request: HttpRequest | None = None
) -> Membership:
    """Give `membership` a new role from today, recorded in the group's history and the audit log."""
    old_role = membership.role
    if old_role == role:
        return membership
    membership.role = role
    membership.save(update_fields=["role"])
    membership_role_record(membership=membership, old_role=old_role, changed_by=changed_by)
    audit_log(
        action="membership.changed",
        actor=changed_by,
        obj=membership.group,
        request=request,
        payload={
            "user_id": membership.user_id,
            "role": role,
            "membership_id": membership.pk,
            "changes": {"role": [old_role, role]},
        },
    )
    return membership


def groups_continuation_set(
    *,
    groups: Iterable[MunicipalityGroup],
    continuation: str,
    note: str,
    recorded_by: User,
    request: HttpRequest | None = None,
) -> int:
    """Record how `groups` go on after their programme period (Continuation), with a short note. Only
    completed groups have a continuation; the others are left as they are. Returns how many were set."""
    assert continuation in Continuation.values
    now = timezone.now()
    count = 0
    for group in groups:
        if group.status != MunicipalityGroup.Status.COMPLETED:
            continue
        group.continuation, group.continuation_note, group.continuation_recorded_at = continuation, note, now
        group.save(update_fields=["continuation", "continuation_note", "continuation_recorded_at"])
        audit_log(
            action="group.continuation_set",
            actor=recorded_by,
            obj=group,
            request=request,
            payload={"continuation": continuation, "note": note},
        )
        count += 1
    return count


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


# --- The group's documents ------------------------------------------------------------------------------


def _store_version(*, document: GroupDocument, number: int, upload: CheckedUpload, user: User) -> GroupDocumentVersion:
    path = storage.write_bytes(
        f"group_documents/{document.group_id}/{document.pk}", upload.content, extension=f".{upload.file_type.extension}"
    )
    return GroupDocumentVersion.objects.create(
        document=document,
        number=number,
        file_type=upload.file_type.key,
        original_name=upload.name[:255],
        path=path,
        sha256=storage.sha256_hex(upload.content),
        size=len(upload.content),
        uploaded_by=user,
    )


def group_document_upload(
    *,
    group: MunicipalityGroup,
    title: str,
    upload: CheckedUpload,
    user: User,
    request: HttpRequest | None = None,
) -> GroupDocument:
    """Shares a new document in `group` with `upload` as its first version.

    Preconditions: `user` may see the group now (its current members, its adviser and the programme leader
    share its documents); `upload` was checked by `group_document_check` (its content is one of the allowed
    types, within the size limit)."""
    title = " ".join(title.split())
    if not title:
        raise ValidationError({"title": "Skriv en tittel."})
    with transaction.atomic():
        document = GroupDocument.objects.create(group=group, title=title, created_by=user)
        version = _store_version(document=document, number=1, upload=upload, user=user)
        document.latest = version
        document.save(update_fields=["latest"])
        audit_log(
            action="group_document.uploaded",
            actor=user,
            obj=document,
            request=request,
            group_id=group.pk,
            payload={"title": title, "file_type": version.file_type, "size": version.size, "sha256": version.sha256},
        )
    return document


def group_document_add_version(
    *, document: GroupDocument, upload: CheckedUpload, user: User, request: HttpRequest | None = None
) -> GroupDocumentVersion:
    """Adds `upload` as the newest version of `document`; the older versions stay, listed and downloadable.
    Preconditions as for `group_document_upload`; the document is not taken down."""
    with transaction.atomic():
        # Locked, so that two uploads at once get numbers of their own rather than one failing on the
        # unique number.
        document = GroupDocument.objects.select_for_update().get(pk=document.pk)
        if document.hidden_at is not None:
            raise ValidationError("Dokumentet er tatt bort.")
        number = (document.versions.aggregate(n=Max("number"))["n"] or 0) + 1
        version = _store_version(document=document, number=number, upload=upload, user=user)
        document.latest = version
        document.save(update_fields=["latest"])
        audit_log(
            action="group_document.version_uploaded",
            actor=user,
            obj=document,
            request=request,
            group_id=document.group_id,
            payload={"number": number, "file_type": version.file_type, "size": version.size, "sha256": version.sha256},
        )
    return version


def group_document_hide(*, document: GroupDocument, user: User, request: HttpRequest | None = None) -> None:
    """Takes `document` down: gone from the group's list and every link, unreachable in the portal. Its
    files are kept (and listed in the admin), since a note or a measure may have pointed to it and the log
    names it. Preconditions: `user` may take it down (`can_hide_document`)."""
    with transaction.atomic():
        updated = GroupDocument.objects.filter(pk=document.pk, hidden_at__isnull=True).update(
            hidden_at=timezone.now(), hidden_by=user
        )
        if updated:
            audit_log(
                action="group_document.hidden",
                actor=user,
                obj=document,
                request=request,
                group_id=document.group_id,
                payload={"title": document.title},
            )
