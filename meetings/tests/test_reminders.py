"""Reminders: which rows a meeting gets, how they move, and that each is sent at most once."""

from datetime import UTC, timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import ProgrammeLeaderFactory
from core.mail import site_url
from core.models import Email
from core.testing.ics import calendar_parts
from core.testing.mail import deliver_outbox
from meetings.ics import invitation_attachment
from meetings.models import Meeting, Reminder
from meetings.services import (
    meeting_cancel,
    meeting_schedule,
    note_save,
    reminders_hand_over,
    reminders_schedule,
    reminders_top_up,
)
from meetings.tests.factories import MeetingFactory, in_days
from municipalities.models import Membership, Role
from municipalities.tests.factories import MembershipFactory
from portfolios.tests.factories import PlanItemFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def meeting():
    meeting = MeetingFactory(title="Veiledningsmøte 2", starts_at=in_days(10))
    MembershipFactory(group=meeting.group, role=Role.LEADER, user__email="leder@example.org")
    MembershipFactory(group=meeting.group, role=Role.OWNER_POLITICAL, user__email="eier@example.org")
    reminders_schedule(meeting=meeting)
    return meeting


def _move(meeting, starts_at, user=None):
    return meeting_schedule(
        meeting=meeting,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=2),
        format=meeting.format,
        place=meeting.place,
        link=meeting.link,
        agenda=meeting.agenda,
        user=user or meeting.group.adviser,
    )


def _ics(message, method="REQUEST"):
    """The one VEVENT of the message's calendar entry, read from the MIME bytes the outbox sends with the
    strict reader (not the icalendar package that wrote it)."""
    [part] = calendar_parts(message)
    assert (part.filename, part.method, part.calendar.value("METHOD")) == ("mote.ics", method, method)
    assert 'charset="utf-8"' in part.content_type
    [event] = part.calendar.walk("VEVENT")
    return event


def test_a_confirmed_meeting_gets_a_reminder_per_participant_and_offset_and_one_for_the_missing_note(meeting):
    before = Reminder.objects.filter(meeting=meeting, kind=Reminder.Kind.BEFORE_MEETING)
    # Two members and the adviser, 7 and 1 days before.
    assert sorted((r.recipient.email, r.offset.days) for r in before) == sorted(
        (email, days)
        for email in ("leder@example.org", "eier@example.org", meeting.group.adviser.email)
        for days in (7, 1)
    )
    assert {r.due_at for r in before} == {meeting.starts_at - timedelta(days=7), meeting.starts_at - timedelta(days=1)}
    missing = Reminder.objects.get(meeting=meeting, kind=Reminder.Kind.NOTE_MISSING)
    assert missing.recipient == meeting.group.adviser
    assert missing.due_at == meeting.ends_at + timedelta(days=3)


def test_scheduling_twice_adds_nothing(meeting):
    count = Reminder.objects.count()
    reminders_schedule(meeting=meeting)
    assert Reminder.objects.count() == count


def test_the_offsets_are_settings(settings):
    settings.MEETING_REMINDER_DAYS = [2]
    meeting = MeetingFactory()
    reminders_schedule(meeting=meeting)
    assert {r.offset for r in meeting.reminders.filter(kind="before_meeting")} == {timedelta(days=2)}


def test_reminders_already_past_are_not_created():
    meeting = MeetingFactory(starts_at=in_days(3))
    reminders_schedule(meeting=meeting)
    assert {r.offset.days for r in meeting.reminders.filter(kind="before_meeting")} == {1}


def test_a_due_reminder_is_sent_once_in_norwegian_with_the_calendar_entry(meeting):
    Reminder.objects.filter(meeting=meeting, offset=timedelta(days=7)).update(due_at=timezone.now())
    assert reminders_hand_over() == 3
    assert reminders_hand_over() == 0
    assert len(deliver_outbox()) == 3
    message = next(m for m in mail.outbox if m.to == ["leder@example.org"])
    assert message.subject.startswith("Påminnelse: Veiledningsmøte 2 ")
    assert "Om 7 dager er det veiledningsmøte 2" in message.body
    event = _ics(message)
    assert event.value("UID") == f"{meeting.uid}@veiledning.kulturskoleradet.no"
    assert (event.value("SEQUENCE"), event.value("STATUS")) == ("0", "CONFIRMED")
    assert event.utc("DTSTART") == meeting.starts_at
    assert set(Reminder.objects.filter(email__status="sent").values_list("recipient__email", flat=True)) == {
        "leder@example.org",
        "eier@example.org",
        meeting.group.adviser.email,
    }


def test_moving_a_meeting_moves_its_unsent_reminders_and_tells_everyone_with_a_higher_sequence(meeting):
    sent = Reminder.objects.filter(meeting=meeting, offset=timedelta(days=7)).first()
    Reminder.objects.filter(pk=sent.pk).update(status=Reminder.Status.QUEUED)
    new_start = in_days(20)
    _move(meeting, new_start)
    meeting.refresh_from_db()
    assert meeting.sequence == 1
    pending = meeting.reminders.filter(kind="before_meeting", status="pending")
    assert all(r.due_at == new_start - r.offset for r in pending)
    assert Reminder.objects.get(pk=sent.pk).status == Reminder.Status.QUEUED
    assert meeting.reminders.get(kind="note_missing").due_at == meeting.ends_at + timedelta(days=3)

    reminders_hand_over()
    changed = [m for m in deliver_outbox() if m.subject.startswith("Endret:")]
    assert len(changed) == 3
    event = _ics(changed[0])
    assert (event.value("SEQUENCE"), event.value("STATUS")) == ("1", "CONFIRMED")
    assert event.utc("DTSTART") == new_start


def test_cancelling_stops_the_reminders_and_sends_a_cancellation(meeting):
    meeting_cancel(meeting=meeting, reason="Sykdom", user=meeting.group.adviser)
    assert not meeting.reminders.filter(kind__in=["before_meeting", "note_missing"], status="pending").exists()
    reminders_hand_over()
    assert len(deliver_outbox()) == 3
    assert all(m.subject.startswith("Avlyst: Veiledningsmøte 2") for m in mail.outbox)
    assert "Grunn: Sykdom" in mail.outbox[0].body
    # The meeting is gone, so the notice points to what is left: the group's meeting plan.
    plan = site_url(reverse("meetings:group_meetings", kwargs={"group_pk": meeting.group_id}))
    assert f"Se møteplanen: {plan}\n" in mail.outbox[0].body
    event = _ics(mail.outbox[0], method="CANCEL")
    assert (event.value("STATUS"), event.value("SEQUENCE")) == ("CANCELLED", "1")
    assert event.value("UID") == f"{meeting.uid}@veiledning.kulturskoleradet.no"


def test_a_reminder_of_a_meeting_cancelled_after_it_was_claimed_is_skipped(meeting):
    Reminder.objects.filter(meeting=meeting).update(due_at=timezone.now())
    Meeting.objects.filter(pk=meeting.pk).update(status=Meeting.Status.CANCELLED)
    assert reminders_hand_over() == 0
    assert not Reminder.objects.filter(status="pending").exists()
    assert not Email.objects.exists()


def test_the_missing_note_reminder_goes_to_the_adviser_unless_the_note_is_published(meeting):
    Reminder.objects.filter(meeting=meeting, kind="note_missing").update(due_at=timezone.now())
    reminders_hand_over()
    assert [m.to for m in deliver_outbox()] == [[meeting.group.adviser.email]]
    assert "referatet er ikke publisert" in mail.outbox[0].body


def test_publishing_the_note_stops_the_missing_note_reminder_and_mails_the_members(meeting):
    note_save(
        meeting=meeting,
        author=meeting.group.adviser,
        summary="Vi snakket om eierskap.",
        agreements="",
        staff_note="",
        tasks=[],
        publish=True,
    )
    assert meeting.reminders.get(kind="note_missing").status == Reminder.Status.CANCELLED
    reminders_hand_over()
    assert sorted(m.to[0] for m in deliver_outbox()) == ["eier@example.org", "leder@example.org"]
    assert mail.outbox[0].subject.startswith("Referat fra veiledningsmøte 2")


def test_a_reminder_whose_email_waits_for_a_retry_is_stopped_when_the_meeting_is_cancelled(meeting):
    Reminder.objects.filter(meeting=meeting, offset=timedelta(days=7)).update(due_at=timezone.now())
    reminders_hand_over()
    # Not sent yet (the mail server may be down): the e-mails wait in the outbox.
    waiting = Email.objects.filter(template="meetings/email/before_meeting")
    assert waiting.filter(status="pending").count() == 3
    meeting_cancel(meeting=meeting, reason="Sykdom", user=meeting.group.adviser)
    assert set(waiting.values_list("status", flat=True)) == {"cancelled"}
    reminders_hand_over()
    assert {m.subject.split(":")[0] for m in deliver_outbox()} == {"Avlyst"}


def test_a_moved_meeting_stops_the_emails_that_carry_its_old_time(meeting):
    Reminder.objects.filter(meeting=meeting, offset=timedelta(days=7)).update(due_at=timezone.now())
    reminders_hand_over()
    _move(meeting, in_days(20))
    assert set(Email.objects.filter(template="meetings/email/before_meeting").values_list("status", flat=True)) == {
        "cancelled"
    }


def test_the_management_command_sends_the_same_reminders(meeting, capsys):
    Reminder.objects.filter(meeting=meeting, offset=timedelta(days=1)).update(due_at=timezone.now())
    call_command("send_due_reminders")
    assert (
        "La 3 e-poster om møter, 0 om spørreundersøkelser og 0 påminnelser om kontrakter i utboksen, "
        "og sendte 3 e-poster." in capsys.readouterr().out
    )
    assert len(mail.outbox) == 3
    assert all("I morgen er det" in m.body for m in mail.outbox)


def _entry(meeting):
    return invitation_attachment(meeting, recipient=meeting.group.adviser, several_groups=False)[1].decode()


def test_the_calendar_entry_is_in_utc_with_a_stable_uid_and_the_meeting_link(meeting):
    first = _entry(meeting)
    assert f"UID:{meeting.uid}@veiledning.kulturskoleradet.no" in first
    assert f"DTSTART:{meeting.starts_at.astimezone(UTC):%Y%m%dT%H%M%S}Z" in first
    assert "TZID" not in first
    assert f"/moter/{meeting.pk}/" in first
    _move(meeting, meeting.starts_at + timedelta(hours=1))
    meeting.refresh_from_db()
    second = _entry(meeting)
    assert f"UID:{meeting.uid}@veiledning.kulturskoleradet.no" in second
    assert "SEQUENCE:1" in second


def test_the_admin_shows_each_reminder_with_the_state_of_its_email(meeting, client):
    Reminder.objects.filter(meeting=meeting, kind="note_missing").update(due_at=timezone.now())
    reminders_hand_over()
    Email.objects.update(status="failed", last_error="550")
    client.force_login(ProgrammeLeaderFactory())
    changelist = client.get("/admin/meetings/reminder/?status__exact=queued").content.decode()
    assert "Lagt i utboksen" in changelist
    assert "Feilet" in changelist


def test_someone_who_joins_after_the_meeting_was_confirmed_gets_the_reminders_still_ahead(meeting):
    newcomer = MembershipFactory(group=meeting.group, role=Role.RESOURCE_TEACHER).user
    far = MeetingFactory(group=meeting.group, starts_at=in_days(40))
    reminders_top_up(now=meeting.starts_at - timedelta(days=8))
    assert sorted(r.offset.days for r in newcomer.reminders.filter(meeting=meeting)) == [1, 7]
    assert not newcomer.reminders.filter(meeting=far).exists()  # its turn comes when it draws near
    count = Reminder.objects.count()
    reminders_top_up(now=meeting.starts_at - timedelta(days=8))
    assert Reminder.objects.count() == count


def test_sending_due_reminders_costs_one_query_per_reminder_plus_a_fixed_few(meeting, django_assert_num_queries):
    # A group without a name of its own is shown by its municipalities' names: prefetched, not per e-mail.
    meeting.group.name = ""
    meeting.group.save(update_fields=["name"])
    Reminder.objects.filter(meeting=meeting, kind="before_meeting").update(due_at=timezone.now())
    # The claim (savepoint, select for update); the claimed rows with their meetings; the groups'
    # municipalities; the meeting's participants now; the groups the recipients follow (their memberships,
    # the groups they advise); the e-mails (one insert); the reminders (one update); release; the empty
    # second claim (savepoint, select, release). The savepoints are the test's transaction; in production
    # BEGIN/COMMIT.
    with django_assert_num_queries(10 + 3):
        assert reminders_hand_over() == 6


def test_a_meeting_moved_after_its_first_reminder_gets_the_reminders_for_its_new_time(meeting):
    Reminder.objects.filter(meeting=meeting, offset=timedelta(days=7)).update(due_at=timezone.now())
    assert reminders_hand_over() == 3
    new_start = in_days(24)
    _move(meeting, new_start)
    meeting.refresh_from_db()
    week_before = meeting.reminders.filter(kind="before_meeting", offset=timedelta(days=7), status="pending")
    assert week_before.count() == 3
    assert {r.due_at for r in week_before} == {new_start - timedelta(days=7)}
    assert {r.sequence for r in week_before} == {meeting.sequence}


def test_someone_who_left_the_group_and_a_former_adviser_get_nothing(meeting):
    leaver = meeting.group.memberships.get(user__email="eier@example.org")
    leaver.delete()
    old_adviser = meeting.group.adviser
    meeting.group.adviser = MembershipFactory(group=meeting.group, role=Role.LEADER).user  # any other user
    meeting.group.save(update_fields=["adviser"])
    Reminder.objects.filter(meeting=meeting).update(due_at=timezone.now())
    reminders_hand_over()
    recipients = {m.to[0] for m in deliver_outbox()}
    assert "eier@example.org" not in recipients
    assert old_adviser.email not in recipients
    assert "leder@example.org" in recipients
    assert Reminder.objects.get(recipient=old_adviser, kind="note_missing").status == Reminder.Status.SKIPPED


def test_a_new_agenda_raises_the_sequence_without_a_notice(meeting):
    meeting_schedule(
        meeting=meeting,
        starts_at=meeting.starts_at,
        ends_at=meeting.ends_at,
        format=meeting.format,
        place=meeting.place,
        link=meeting.link,
        agenda="1. Ny sak",
        user=meeting.group.adviser,
    )
    meeting.refresh_from_db()
    assert meeting.sequence == 1
    assert not meeting.reminders.filter(kind="changed").exists()
    assert meeting.reminders.filter(kind="before_meeting", status="pending", sequence=1).count() == 6


def _reminder_rows():
    return set(Reminder.objects.values_list("meeting", "recipient", "kind", "offset", "sequence", "due_at"))


def _meetings_of_every_kind(copies):
    """`copies` of each kind of meeting the top-up meets, each in the next week: a guidance meeting of a group
    with an inactive member and a newcomer, a kommunegruppemøte, a gathering for everyone, one for the
    coordinators, and a guidance meeting whose adviser is deactivated. Returns the meetings."""
    meetings = []
    for _ in range(copies):
        meeting = MeetingFactory(starts_at=in_days(5), sequence=2)
        group = meeting.group
        for role in (Role.LEADER, Role.COORDINATOR, Role.RESOURCE_TEACHER):
            MembershipFactory(group=group, role=role)
        MembershipFactory(group=group, role=Role.OWNER_POLITICAL, user__is_active=False)
        local = MeetingFactory(group=group, kind=Meeting.Kind.GROUP_MEETING, starts_at=in_days(3))
        portfolio = group.portfolio
        everyone = MeetingFactory(group=None, portfolio=portfolio, kind=Meeting.Kind.GATHERING, starts_at=in_days(6))
        coordinators = MeetingFactory(
            group=None,
            portfolio=portfolio,
            kind=Meeting.Kind.GATHERING,
            starts_at=in_days(2),
            plan_item=PlanItemFactory(portfolio=portfolio, kind="gathering", audience="coordinators"),
        )
        retired = MeetingFactory(starts_at=in_days(4), group__adviser__is_active=False)
        MembershipFactory(group=retired.group, role=Role.LEADER)
        meetings += [meeting, local, everyone, coordinators, retired]
    MeetingFactory(starts_at=in_days(30))  # beyond the top-up's horizon
    return meetings


def test_the_top_up_gives_each_meeting_the_reminders_scheduling_it_would(settings):
    meetings = _meetings_of_every_kind(2)
    for meeting in meetings[:3]:
        reminders_schedule(meeting=meeting)  # some meetings already have some of their rows
    Reminder.objects.filter(pk__in=Reminder.objects.values("pk")[:4]).delete()

    reminders_top_up()
    topped_up = _reminder_rows()
    Reminder.objects.all().delete()
    for meeting in meetings:
        reminders_schedule(meeting=Meeting.objects.get(pk=meeting.pk))

    assert topped_up == _reminder_rows()
    # Coordinators and leaders only at the coordinators' gathering; nobody inactive, nothing beyond the horizon.
    coordinators = meetings[3]
    roles = set(
        Membership.objects.filter(group__portfolio=coordinators.portfolio, user__reminders__meeting=coordinators)
        .values_list("role", flat=True)
        .distinct()
    )
    assert roles == {Role.COORDINATOR, Role.LEADER}
    assert not Reminder.objects.filter(recipient__is_active=False, kind="before_meeting").exists()
    assert not Reminder.objects.filter(meeting__starts_at__gt=in_days(10)).exists()


@pytest.mark.parametrize("copies", [1, 10])
def test_the_hourly_top_up_costs_the_same_few_queries_for_few_meetings_and_for_many(copies, django_assert_num_queries):
    meetings = _meetings_of_every_kind(copies)
    for meeting in meetings:
        reminders_schedule(meeting=meeting)
    newcomers = [(m, MembershipFactory(group=m.group, role=Role.OTHER).user) for m in meetings[::5]]
    # The meetings in the next eight days with their groups, advisers and plan rows; the groups' members;
    # the members of the gatherings' portfolios; those portfolios' advisers; the reminders the meetings
    # already have; one insert of the missing ones.
    with django_assert_num_queries(6):
        assert reminders_top_up() == 5 * copies
    for meeting, newcomer in newcomers:
        # The meeting is in five days: only the reminder a day before is still ahead.
        assert [r.offset.days for r in newcomer.reminders.filter(meeting=meeting)] == [1]
    # Nothing missing: no insert.
    with django_assert_num_queries(5):
        reminders_top_up()
