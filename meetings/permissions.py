"""Who may change what in meetings. Seeing a meeting is `Meeting.objects.visible_to`; these rules come
on top, and a view refuses with a 404 like anything else out of reach."""

from django.utils import timezone

from accounts.models import User
from municipalities.models import MunicipalityGroup, Role

from .models import Meeting

LOCAL_ORGANISER_ROLES = (Role.LEADER, Role.COORDINATOR)


def _role_in(user: User, group: MunicipalityGroup) -> str | None:
    membership = next((m for m in group.memberships.all() if m.user_id == user.pk), None)
    return membership.role if membership and membership.gives_access(group) else None


def can_plan_meetings(user: User, group: MunicipalityGroup) -> bool:
    """Create the group's meetings from the plan: the programme leader and the group's adviser."""
    return user.is_programme_leader or group.adviser_id == user.pk


def can_add_local_meeting(user: User, group: MunicipalityGroup) -> bool:
    """The kulturskoleleder and the coordinator plan the group's own meetings."""
    return _role_in(user, group) in LOCAL_ORGANISER_ROLES


def can_schedule(user: User, meeting: Meeting) -> bool:
    # A meeting without a group is a gathering (`is_gathering`); with no group key this asks no query.
    if meeting.group is None:
        return user.is_programme_leader
    if meeting.is_local:
        return can_add_local_meeting(user, meeting.group)
    return can_plan_meetings(user, meeting.group)


def can_write_note(user: User, meeting: Meeting) -> bool:
    """The group's adviser writes the note of a guidance meeting once it has started (confirmed or held)."""
    return (
        meeting.kind == Meeting.Kind.GUIDANCE
        # A guidance meeting always has a group (the meeting_gathering_has_no_group constraint).
        and meeting.group is not None
        and meeting.group.adviser_id == user.pk
        and meeting.status in (Meeting.Status.CONFIRMED, Meeting.Status.HELD)
        and meeting.starts_at is not None
        and meeting.starts_at <= timezone.now()
    )


def can_see_staff_note(user: User, meeting: Meeting) -> bool:
    """The internal note is for the programme leader and the group's own adviser, whatever else they are
    (an adviser may also be a member of another group)."""
    return user.is_programme_leader or (meeting.group is not None and meeting.group.adviser_id == user.pk)


def can_tick_tasks(user: User, meeting: Meeting) -> bool:
    return meeting.group is not None and (
        meeting.group.adviser_id == user.pk or _role_in(user, meeting.group) is not None
    )


def can_record_attendance(user: User, meeting: Meeting) -> bool:
    """Who took part is recorded by the group's adviser, and for a common gathering by the programme
    leader, once the meeting has started and unless it was cancelled."""
    if meeting.status == Meeting.Status.CANCELLED or meeting.starts_at is None or meeting.starts_at > timezone.now():
        return False
    if meeting.group is None:
        return user.is_programme_leader
    return meeting.group.adviser_id == user.pk


def can_manage_registration(user: User, meeting: Meeting) -> bool:
    """The programme leader opens, closes and exports a gathering's registration."""
    return meeting.group is None and user.is_programme_leader


def can_plan_follow_up(user: User, group: MunicipalityGroup) -> bool:
    """Follow-up meetings after the period: the programme leader and the group's adviser, for a completed group."""
    return group.status == MunicipalityGroup.Status.COMPLETED and can_plan_meetings(user, group)
