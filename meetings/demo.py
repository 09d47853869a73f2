"""Demo meetings for seed_demo: each active group's meetings from its portfolio's plan. Meetings whose
weeks are past were held and have published notes with tasks; later ones are confirmed, with their
reminders scheduled, except Guovdageaidnu's last two, which still wait for a date."""

from datetime import date, datetime, time, timedelta

from django.utils import timezone

from accounts.models import User
from municipalities.models import OWNER_ROLES, Membership, MunicipalityGroup, Role
from portfolios.models import Portfolio

from .models import Meeting, MeetingNote, Task
from .services import (
    Guest,
    attendance_record,
    follow_up_add,
    local_meeting_add,
    meeting_schedule,
    meetings_create_from_plan,
    registration_add,
    registration_settings_save,
)

# The group whose owners stayed away from its last two guidance meetings, as its adviser's note says.
OWNER_AWAY_GROUP = "Bodø"
OWNER_AWAY_NOTE = "Eier har ikke vært med på de to siste møtene; følg opp i neste samtale."

NOTES = [
    (
        "Vi gikk gjennom kunnskapsgrunnlaget: elevtall, ventelister og resultatene fra "
        "brukerundersøkelsen. Gruppen er enig om at breddetilbudet er for lite kjent i skolene.",
        "Kulturskoleleder lager et utkast til utviklingsplan med delmål for eier, leder og lærere. "
        "Eier tar saken opp i oppvekstutvalget.",
        "Gruppen ønsker mer tid til lokale møter mellom veiledningsmøtene.",
    ),
    (
        "Vi så på utkastet til utviklingsplan og hvordan lærerne kan involveres i arbeidet.",
        "Personalmøtet i mellomperioden brukes til å drøfte delmålene for lærerne.",
        "Lederen virker presset mellom eier og lærere.",
    ),
]
TASKS = [
    ("Lage utkast til utviklingsplan", Role.LEADER),
    ("Sette av tid i personalmøte til utviklingsarbeidet", Role.LEADER),
    ("Ta utviklingsplanen opp i oppvekstutvalget", Role.OWNER_POLITICAL),
    ("Samle inn elevtall og ventelister", Role.RESOURCE_TEACHER),
]


def _slot(day: date, start: int = 10, hours: int = 2) -> tuple[datetime, datetime]:
    starts = timezone.make_aware(datetime.combine(day, time(start)))
    return starts, starts + timedelta(hours=hours)


def _hold(meeting: Meeting, day: date, index: int) -> None:
    """Record a meeting as held on `day` with a published note and two tasks."""
    meeting.starts_at, meeting.ends_at = _slot(day)
    meeting.status = Meeting.Status.HELD
    meeting.format = meeting.format or Meeting.Format.DIGITAL
    meeting.save(update_fields=["starts_at", "ends_at", "status", "format"])
    if meeting.group is None or meeting.kind != Meeting.Kind.GUIDANCE or meeting.group.adviser is None:
        return
    summary, agreements, staff_note = NOTES[index % len(NOTES)]
    note = MeetingNote.objects.create(
        meeting=meeting,
        summary=summary,
        agreements=agreements,
        staff_note=staff_note,
        status=MeetingNote.Status.PUBLISHED,
        author=meeting.group.adviser,
        published_at=meeting.ends_at + timedelta(days=1),
    )
    for order, (text, role) in enumerate(TASKS[index % 2 * 2 : index % 2 * 2 + 2]):
        due = day + timedelta(days=21)
        Task.objects.create(
            note=note,
            order=order,
            text=text,
            responsible_role=role,
            due_on=due,
            # Older tasks are done; the first task of the latest meetings is still open (some overdue).
            done_at=meeting.ends_at + timedelta(days=14) if due < timezone.localdate() - timedelta(days=30) else None,
        )


def seed(*, portfolio: Portfolio, leader: User) -> None:
    """Meetings for the active groups of `portfolio`; a group that already has meetings is left alone."""
    today = timezone.localdate()
    groups = MunicipalityGroup.objects.filter(portfolio=portfolio, status=MunicipalityGroup.Status.ACTIVE)
    for group in groups.select_related("adviser", "portfolio"):
        if group.meetings.exists():
            continue
        meetings_create_from_plan(group=group, user=group.adviser or leader)
        undated_left = 2 if group.name == "Guovdageaidnu" else 0
        future = list(group.meetings.filter(window_start__gte=today).order_by("window_start"))
        keep_planned = set(future[len(future) - undated_left :]) if undated_left else set()
        for index, meeting in enumerate(group.meetings.exclude(window_start=None).order_by("window_start")):
            # Meetings made from the plan have both ends of their window (services._window).
            assert meeting.window_start is not None and meeting.window_end is not None
            tuesday = meeting.window_start + timedelta(days=(1 - meeting.window_start.weekday()) % 7)
            if meeting.window_end < today:
                _hold(meeting, tuesday, index)
            elif meeting not in keep_planned:
                starts, ends = _slot(max(tuesday, today + timedelta(days=3)))
                meeting_schedule(
                    meeting=meeting,
                    starts_at=starts,
                    ends_at=ends,
                    format=meeting.format or Meeting.Format.DIGITAL,
                    place="",
                    link="https://meet.example.org/veiledning",
                    agenda="1. Oppgavene fra forrige møte\n2. Utviklingsplanen\n3. Neste mellomperiode",
                    user=group.adviser or leader,
                )
        if group.name == "Bodø":
            _local_meetings(group)
        _attendance(group)
    registration_opened = False
    for gathering in portfolio.meetings.filter(group=None, status=Meeting.Status.PLANNED).exclude(window_start=None):
        assert gathering.window_start is not None and gathering.window_end is not None
        if gathering.window_end < today:
            _hold(gathering, gathering.window_start, 0)
            _gathering_attendance(gathering, leader)
        else:
            starts, ends = _slot(gathering.window_start, start=9, hours=5)
            scheduled = meeting_schedule(
                meeting=gathering,
                starts_at=starts,
                ends_at=ends,
                format=gathering.format or Meeting.Format.DIGITAL,
                place="Scandic Oslo City" if gathering.format == Meeting.Format.PHYSICAL else "",
                link="" if gathering.format == Meeting.Format.PHYSICAL else "https://meet.example.org/samling",
                agenda="",
                user=leader,
            )
            if not registration_opened:
                _open_registration(scheduled, leader)
                registration_opened = True
    _follow_up(portfolio)


def _local_meetings(group: MunicipalityGroup) -> None:
    """Bodø holds a kommunegruppemøte and a personalmøte after its next guidance meeting."""
    upcoming = group.meetings.filter(kind=Meeting.Kind.GUIDANCE, status=Meeting.Status.CONFIRMED).first()
    if upcoming is None:
        return
    assert upcoming.starts_at is not None  # a confirmed meeting has a time (meeting_confirmed_has_time)
    membership = group.memberships.filter(role=Role.LEADER).first()
    assert membership is not None  # Bodø has a kulturskoleleder in the demo data
    leader = membership.user
    for days, kind in ((7, Meeting.Kind.GROUP_MEETING), (14, Meeting.Kind.STAFF_MEETING)):
        starts, ends = _slot(upcoming.starts_at.date() + timedelta(days=days), start=14, hours=1)
        local_meeting_add(
            group=group,
            kind=kind,
            title=Meeting.Kind(kind).label,
            starts_at=starts,
            ends_at=ends,
            format=Meeting.Format.PHYSICAL,
            place="Stormen kulturhus",
            user=leader,
        )


def _attendance(group: MunicipalityGroup) -> None:
    """Everyone took part in the group's held guidance meetings, except that Bodø's owners missed the last
    two, which the last note's internal remark says."""
    held = list(group.meetings.filter(kind=Meeting.Kind.GUIDANCE, status=Meeting.Status.HELD).order_by("starts_at"))
    members = list(group.memberships.select_related("group"))
    if group.adviser is None:
        return
    for index, meeting in enumerate(held):
        owners_away = group.name == OWNER_AWAY_GROUP and index >= len(held) - 2
        present = [m for m in members if not (owners_away and m.role in OWNER_ROLES)]
        guests = [Guest(name="Siri Haugen", role="Rådgiver for oppvekst")] if index == 0 else []
        attendance_record(meeting=meeting, memberships=present, guests=guests, user=group.adviser)
    if group.name == OWNER_AWAY_GROUP and len(held) >= 2:
        MeetingNote.objects.filter(meeting=held[-1]).update(staff_note=OWNER_AWAY_NOTE)


def _gathering_attendance(gathering: Meeting, leader: User) -> None:
    """Each active group's kulturskoleleder and coordinator came to the gatherings that were held."""
    present = Membership.objects.filter(
        group__portfolio=gathering.portfolio_id,
        group__status=MunicipalityGroup.Status.ACTIVE,
        role__in=[Role.LEADER, Role.COORDINATOR],
    ).select_related("group")
    attendance_record(meeting=gathering, memberships=list(present), guests=[], user=leader)


def _open_registration(gathering: Meeting, leader: User) -> None:
    """The next gathering takes registrations until a week before it; a few have registered."""
    assert gathering.starts_at is not None  # just scheduled
    registration_settings_save(
        meeting=gathering,
        is_open=True,
        deadline=max(gathering.starts_at - timedelta(days=7), timezone.now() + timedelta(days=1)),
        capacity=60,
        participant_cost="Reise og overnatting dekkes av kommunen. Lunsj er inkludert.",
        user=leader,
    )
    gathering.refresh_from_db()
    # Current members only: the demo also has a former member (municipalities.demo.seed_history).
    registrants = (
        Membership.objects.current()
        .filter(
            group__portfolio=gathering.portfolio_id,
            group__status=MunicipalityGroup.Status.ACTIVE,
            role__in=[Role.LEADER, Role.RESOURCE_TEACHER],
        )
        .select_related("user", "group")
    )
    needs = {Role.LEADER: "Vegetarmat", Role.RESOURCE_TEACHER: ""}
    for membership in registrants.exclude(user__email="leder.bodo@example.org")[:4]:
        registration_add(meeting=gathering, membership=membership, needs=needs[Role(membership.role)], user=leader)


def _follow_up(portfolio: Portfolio) -> None:
    """A follow-up meeting a year on with a completed group of the same programme (Lillehammer)."""
    group = (
        MunicipalityGroup.objects.filter(
            portfolio__programme=portfolio.programme_id, status=MunicipalityGroup.Status.COMPLETED, name="Lillehammer"
        )
        .select_related("adviser", "portfolio")
        .first()
    )
    if group is None or group.adviser is None or group.meetings.filter(kind=Meeting.Kind.FOLLOW_UP).exists():
        return
    starts, ends = _slot(timezone.localdate() + timedelta(days=21), start=13, hours=1)
    follow_up_add(
        group=group,
        title="Oppfølgingsmøte ett år etter",
        starts_at=starts,
        ends_at=ends,
        format=Meeting.Format.DIGITAL,
        link="https://meet.example.org/oppfolging",
        agenda="1. Hvordan går arbeidet med utviklingsplanen?\n2. Nettverk og Delingsarena",
        user=group.adviser,
    )
