"""Reads of groups and memberships that several views share."""

from dataclasses import dataclass
from datetime import date

from django.db.models import QuerySet
from django.utils import timezone

from accounts.access import AccessRefused
from accounts.models import User

from .models import ROLE_ORDER, GroupDocument, GroupDocumentVersion, Membership, MembershipChange, MunicipalityGroup


def get_group_for_user(user: User, pk: int) -> MunicipalityGroup:
    """The group `pk` with its overview data if `user` may see it; otherwise AccessRefused (a 404)."""
    group = MunicipalityGroup.objects.visible_to(user).with_overview().filter(pk=pk).first()
    if group is None:
        raise AccessRefused("municipalities.municipalitygroup", pk)
    return group


def groups_of_member(user: User) -> QuerySet[MunicipalityGroup]:
    """The groups `user` is a current member of, newest portfolio first."""
    return (
        MunicipalityGroup.objects.filter(pk__in=Membership.objects.current().filter(user=user).values("group"))
        .with_overview()
        .order_by("-portfolio__agreement_start", "pk")
    )


def former_groups_of_member(user: User) -> QuerySet[MunicipalityGroup]:
    """The groups `user` belonged to whose membership is no longer current (they left, or the group ended
    early): only their records are still theirs to read (MembershipQuerySet)."""
    return (
        MunicipalityGroup.objects.filter(memberships__user=user)
        .exclude(pk__in=Membership.objects.current().filter(user=user).values("group"))
        .select_related("portfolio__programme")
        .order_by("-portfolio__agreement_start", "pk")
    )


def members_in_role_order(group: MunicipalityGroup) -> list[Membership]:
    """The group's current memberships, owner first; uses the prefetched memberships (with their users)."""
    return sorted(group.present_memberships(), key=lambda m: (ROLE_ORDER.index(m.role), m.user.full_name))


def former_members(group: MunicipalityGroup) -> list[Membership]:
    """The group's memberships that are no longer current, the latest to leave first; uses the prefetched
    memberships. A group that ended early has no current members, and so lists them all here."""
    current = {m.pk for m in group.present_memberships()}
    former = [m for m in group.memberships.all() if m.pk not in current]
    return sorted(former, key=lambda m: (m.ended_on or date.max, m.user.full_name), reverse=True)


@dataclass(frozen=True)
class HistoryEntry:
    """One line of a group's membership history: who, on which day, and what happened («Ble med som
    Ressurslærer»)."""

    on: date
    name: str
    text: str


def membership_history(group: MunicipalityGroup) -> list[HistoryEntry]:
    """When each member joined, changed role and left, newest first. Joins and ends are the memberships'
    own days (the prefetched memberships); role changes are MembershipChange rows (one query)."""
    entries: list[HistoryEntry] = []
    today = timezone.localdate()
    changes = MembershipChange.objects.filter(membership__group=group).order_by("changed_on", "pk")
    by_membership: dict[int, list[MembershipChange]] = {}
    for change in changes:
        by_membership.setdefault(change.membership_id, []).append(change)
    for m in group.memberships.all():
        name = m.user.full_name
        first_role = by_membership[m.pk][0].get_old_role_display() if m.pk in by_membership else m.get_role_display()
        entries.append(HistoryEntry(m.started_on, name, f"Ble med som {first_role.lower()}"))
        entries.extend(
            HistoryEntry(
                c.changed_on,
                name,
                f"Byttet rolle fra {c.get_old_role_display().lower()} til {c.get_new_role_display().lower()}",
            )
            for c in by_membership.get(m.pk, [])
        )
        if m.ended_on is not None:
            entries.append(HistoryEntry(m.ended_on, name, "Sluttet" if m.ended_on <= today else "Slutter"))
    return sorted(entries, key=lambda e: (e.on, e.name), reverse=True)


def current_members(group: MunicipalityGroup) -> list[User]:
    """Everyone who takes part in `group` now (MembershipQuerySet.current), each once. One query."""
    memberships = Membership.objects.current().filter(group=group).select_related("user").order_by("pk")
    return list({m.user_id: m.user for m in memberships}.values())


def current_members_of_portfolio(portfolio_id: int) -> list[Membership]:
    """Every current member of the portfolio's groups (MembershipQuerySet.current), by group and then in
    role order, with their user, group and municipality and the group's municipalities (2 queries)."""
    memberships = list(
        Membership.objects.current()
        .filter(group__portfolio_id=portfolio_id)
        .select_related("user", "group", "municipality")
        .prefetch_related("group__municipalities")
    )
    return sorted(
        memberships,
        key=lambda m: (m.group.display_name, m.group_id, ROLE_ORDER.index(m.role), m.user.full_name),
    )


def can_hide_document(user: User, document: GroupDocument) -> bool:
    """The one who shared a document may take it down, and so may staff: the group's adviser and the
    programme leader. Precondition: the document is visible to `user`."""
    return document.created_by_id == user.pk or user.is_programme_leader or document.group.adviser_id == user.pk


def get_document_for_user(user: User, pk: int) -> GroupDocument:
    """The document `pk`, with its group, if `user` may see it now; otherwise AccessRefused (a 404)."""
    document = GroupDocument.objects.visible_to(user).select_related("group", "latest").filter(pk=pk).first()
    if document is None:
        raise AccessRefused("municipalities.groupdocument", pk)
    return document


def get_version_for_user(user: User, pk: int, number: int) -> GroupDocumentVersion:
    """Version `number` of document `pk`, if `user` may see the document now; otherwise AccessRefused."""
    version = (
        GroupDocumentVersion.objects.filter(document__in=GroupDocument.objects.visible_to(user))
        .select_related("document")
        .filter(document_id=pk, number=number)
        .first()
    )
    if version is None:
        raise AccessRefused("municipalities.groupdocument", pk)
    return version


def group_documents(group: MunicipalityGroup) -> list[GroupDocument]:
    """The group's documents that are not taken down, newest first, each with its versions (newest first)
    and who uploaded them: three queries, however many there are."""
    documents = list(GroupDocument.objects.filter(group=group, hidden_at__isnull=True).with_versions())
    for document in documents:
        # The group in hand, so that `can_hide_document` (its adviser) asks nothing per row.
        document.group = group
    return documents
