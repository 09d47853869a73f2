"""The meeting pages through the real stack: forms, the plan, notes and tasks, the adviser's overview."""

import re
from datetime import date, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core.testing.mail import deliver_outbox
from meetings.models import Meeting, MeetingNote, Reminder, Task
from meetings.selectors import meeting_plan
from meetings.services import calendar_feed_renew, reminders_hand_over
from meetings.tests.factories import MeetingFactory, MeetingNoteFactory, TaskFactory, in_days, schedule_data
from municipalities.models import Role
from municipalities.tests.factories import MembershipFactory, MunicipalityGroupFactory
from portfolios.models import PlanItem
from portfolios.tests.factories import PlanItemFactory
from testing.forms import opened

pytestmark = pytest.mark.django_db


@pytest.fixture
def group():
    group = MunicipalityGroupFactory()
    MembershipFactory(group=group, role=Role.LEADER, user__email="leder@example.org", user__full_name="Lena Ødegård")
    MembershipFactory(group=group, role=Role.RESOURCE_TEACHER, user__email="laerer@example.org")
    return group


def _leader(group):
    return group.memberships.get(role=Role.LEADER).user


def test_the_adviser_creates_the_groups_meetings_from_the_plan_in_one_step(client, group):
    portfolio = group.portfolio
    PlanItemFactory(
        portfolio=portfolio, title="Oppstartssamtale", week_from=date(2025, 12, 1), week_to=date(2025, 12, 8)
    )
    PlanItemFactory(portfolio=portfolio, title="Veiledningsmøte, kontraktsmøte")
    PlanItemFactory(portfolio=portfolio, title="Mellomperiode", kind=PlanItem.Kind.PERIOD, week_from=None, week_to=None)
    PlanItemFactory(
        portfolio=portfolio,
        title="Kick-off webinar",
        kind=PlanItem.Kind.GATHERING,
        format=PlanItem.Format.DIGITAL,
        starts_on=date(2026, 1, 27),
        ends_on=date(2026, 1, 27),
    )
    other_group = MunicipalityGroupFactory(portfolio=portfolio, adviser=group.adviser)
    client.force_login(group.adviser)
    url = reverse("meetings:meetings_create", kwargs={"group_pk": group.pk})
    client.post(url)
    client.post(reverse("meetings:meetings_create", kwargs={"group_pk": other_group.pk}))
    client.post(url)  # a second click adds nothing

    guidance = Meeting.objects.filter(group=group).order_by("window_start")
    assert [(m.title, m.status, m.window_start, m.window_end) for m in guidance] == [
        ("Oppstartssamtale", "planned", date(2025, 12, 1), date(2025, 12, 14)),
        ("Veiledningsmøte, kontraktsmøte", "planned", date(2026, 2, 2), date(2026, 2, 15)),
    ]
    gathering = Meeting.objects.get(group=None)
    assert (gathering.title, gathering.portfolio, gathering.format) == ("Kick-off webinar", portfolio, "digital")
    assert (gathering.window_start, gathering.window_end) == (date(2026, 1, 27), date(2026, 1, 27))
    assert Meeting.objects.filter(group=other_group).count() == 2

    html = client.get(reverse("meetings:group_meetings", kwargs={"group_pk": group.pk})).content.decode()
    assert "Uke 49/50 (01.12.–14.12.2025), tidspunkt ikke bestemt" in html
    assert "2 av 2 veiledningsmøter mangler dato og tid" in html


def test_confirming_a_meeting_sets_its_time_in_norwegian_time_and_schedules_the_reminders(client, group):
    meeting = MeetingFactory(group=group, status="planned", starts_at=None, ends_at=None)
    client.force_login(group.adviser)
    url = reverse("meetings:meeting_edit", kwargs={"pk": meeting.pk})
    response = client.post(url, schedule_data() | opened(client, url))
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.CONFIRMED
    assert timezone.localtime(meeting.starts_at).strftime("%H:%M") == "10:00"
    assert meeting.reminders.filter(kind="before_meeting").count() == 3 * 2
    html = client.get(group.get_absolute_url()).content.decode()
    assert "Møtedatoer på plass for hele perioden" in html
    assert f'Neste møte: <a href="{meeting.get_absolute_url()}">' in html


def test_a_form_with_errors_keeps_what_was_typed_and_says_what_is_wrong(client, group):
    meeting = MeetingFactory(group=group, status="planned", starts_at=None, ends_at=None)
    client.force_login(group.adviser)
    data = schedule_data(start="12:00", end="11:00", place="", agenda="Ikke mist denne sakslisten")
    url = reverse("meetings:meeting_edit", kwargs={"pk": meeting.pk})
    response = client.post(url, data | opened(client, url))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Møtet må slutte etter at det har startet." in html
    assert "Skriv hvor møtet holdes." in html
    assert "Ikke mist denne sakslisten" in html
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.PLANNED


def test_the_leader_adds_local_meetings_and_the_plan_flags_a_period_without_one(client, group):
    first = MeetingFactory(group=group, title="Veiledningsmøte 1", starts_at=in_days(5))
    second = MeetingFactory(group=group, title="Veiledningsmøte 2", starts_at=in_days(40))
    MeetingFactory(group=group, title="Veiledningsmøte 3", starts_at=in_days(80))
    client.force_login(_leader(group))
    url = reverse("meetings:group_meetings", kwargs={"group_pk": group.pk})
    html = client.get(url).content.decode()
    assert html.count("Mellomperiode uten lokalt møte") == 2

    response = client.post(
        reverse("meetings:local_meeting_new", kwargs={"group_pk": group.pk}),
        schedule_data(kind="group_meeting", title="", day=in_days(20).date().isoformat()),
    )
    assert response.status_code == 302
    local = Meeting.objects.get(kind=Meeting.Kind.GROUP_MEETING)
    assert (local.title, local.status) == ("Kommunegruppemøte", "confirmed")
    assert local.reminders.filter(kind="before_meeting").count() == 2 * 2  # the members; not the adviser
    html = client.get(url).content.decode()
    assert html.count("Mellomperiode uten lokalt møte") == 1
    assert f"mellom «{second.title}» og «Veiledningsmøte 3»" in html
    assert f"mellom «{first.title}»" not in html
    assert "Veiledningsmøte → Kommunegruppemøte → Personalmøte → Kommunegruppemøte" in html


def test_the_adviser_writes_a_draft_then_publishes_and_the_group_ticks_a_task(client, group):
    meeting = MeetingFactory(group=group, starts_at=in_days(-2))
    leader = _leader(group)
    client.force_login(group.adviser)
    url = reverse("meetings:note_edit", kwargs={"pk": meeting.pk})
    data = {
        "summary": "Vi så på elevtallene.",
        "agreements": "Eier inviteres til neste møte.",
        "staff_note": "Eier har ikke svart på e-post.",
        "tasks-TOTAL_FORMS": "2",
        "tasks-INITIAL_FORMS": "0",
        "tasks-0-text": "Lage møteplan for personalet",
        "tasks-0-responsible_role": "leader",
        "tasks-0-due_on": in_days(10).date().isoformat(),
        "tasks-1-text": "Samle inn elevtall",
        "tasks-1-responsible_user": str(leader.pk),
        "save": "",
    }
    client.post(url, data | opened(client, url))
    note = MeetingNote.objects.get(meeting=meeting)
    assert note.status == MeetingNote.Status.DRAFT
    assert list(note.tasks.values_list("text", flat=True)) == ["Lage møteplan for personalet", "Samle inn elevtall"]

    tasks = list(note.tasks.all())
    data |= {"tasks-INITIAL_FORMS": "2", "tasks-0-id": tasks[0].pk, "tasks-1-id": tasks[1].pk, "publish": ""}
    del data["save"]
    client.post(url, data | opened(client, url))
    note.refresh_from_db()
    meeting.refresh_from_db()
    assert (note.status, meeting.status) == ("published", "held")
    assert note.tasks.count() == 2
    reminders_hand_over()
    assert sorted(m.to[0] for m in deliver_outbox()) == ["laerer@example.org", "leder@example.org"]

    client.force_login(leader)
    client.post(reverse("meetings:task_toggle", kwargs={"pk": tasks[1].pk}), {"done": "1"})
    assert Task.objects.get(pk=tasks[1].pk).done_by == leader

    next_meeting = MeetingFactory(group=group, starts_at=in_days(20))
    html = client.get(next_meeting.get_absolute_url()).content.decode()
    open_tasks = html[html.index("Åpne oppgaver fra tidligere møter") :]
    assert "Lage møteplan for personalet" in open_tasks
    assert "Samle inn elevtall" not in open_tasks


def test_a_task_of_a_draft_note_cannot_be_ticked(client, group):
    task = TaskFactory(note__meeting__group=group, note__status="draft")
    client.force_login(_leader(group))
    assert client.post(reverse("meetings:task_toggle", kwargs={"pk": task.pk}), {"done": "1"}).status_code == 404
    task.refresh_from_db()
    assert not task.is_done


def test_the_advisers_list_shows_next_meeting_missing_notes_and_tasks_in_a_fixed_number_of_queries(client, group):
    adviser = group.adviser
    MeetingFactory(group=group, title="Neste veiledningsmøte", starts_at=in_days(3))
    MeetingFactory(group=group, starts_at=in_days(-10))  # held, no note
    note = MeetingNoteFactory(meeting__group=group)
    TaskFactory(note=note, due_on=timezone.localdate() - timedelta(days=1))
    TaskFactory(note=note)
    TaskFactory(note=note, done_at=timezone.now())
    client.force_login(adviser)

    def queries():
        with CaptureQueriesContext(connection) as context:
            response = client.get(reverse("dashboard:my_groups"))
        return response, len(context)

    response, before = queries()
    # The group's row in the table (the «Å gjøre» list above it names the group too).
    row = response.content.decode().split("Møter og oppgaver", 1)[1].split(group.display_name, 2)[1]
    assert "Neste veiledningsmøte" in row
    # notes missing 1, open tasks 2, overdue 1
    assert '<strong class="text-danger-emphasis">1</strong></td>\n        <td>2</td>' in row
    for _ in range(5):
        other = MunicipalityGroupFactory(portfolio=group.portfolio, adviser=adviser)
        TaskFactory(note=MeetingNoteFactory(meeting__group=other))
        MeetingFactory(group=other)
    assert queries()[1] == before


def test_renewing_the_calendar_address_stops_the_old_one(client, group):
    meeting = MeetingFactory(group=group)
    old = calendar_feed_renew(user=_leader(group))
    client.force_login(_leader(group))
    html = client.post(reverse("meetings:calendar")).content.decode()
    assert "Kopier adressen nå" in html
    assert client.get(f"/moter/kalender/{old}.ics").status_code == 404
    new = re.search(r'value="https?://testserver/moter/kalender/([\w-]+)\.ics"', html).group(1)
    response = client.get(f"/moter/kalender/{new}.ics")
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert str(meeting.uid) in response.content.decode()


def test_a_cancelled_meeting_cannot_be_moved(client, group):
    meeting = MeetingFactory(group=group)
    client.force_login(group.adviser)
    client.post(reverse("meetings:meeting_cancel", kwargs={"pk": meeting.pk}), {"reason": "Kommunen ba om det"})
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.CANCELLED
    url = reverse("meetings:meeting_edit", kwargs={"pk": meeting.pk})
    response = client.post(url, schedule_data() | opened(client, url))
    assert "Møtet er avlyst og kan ikke endres." in response.content.decode()
    assert Reminder.objects.filter(meeting=meeting, kind="cancelled").count() == 3


def test_with_the_broker_unreachable_cancelling_succeeds_and_the_notices_wait(
    client, group, settings, django_capture_on_commit_callbacks
):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    meeting = MeetingFactory(group=group)
    client.force_login(group.adviser)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(reverse("meetings:meeting_cancel", kwargs={"pk": meeting.pk}), {"reason": "Sykdom"})
    assert callbacks  # the «look now» message to the worker was tried, and could not be sent
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.CANCELLED
    # The notices wait as rows; the next beat run, or send_due_reminders from cron, sends them.
    assert reminders_hand_over() == 3
    assert {m.subject.split(":")[0] for m in deliver_outbox()} == {"Avlyst"}


def _count_queries(client, url):
    with CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == 200
    return len(context)


def test_the_meeting_pages_do_not_grow_with_the_number_of_meetings_and_tasks(client, group):
    client.force_login(group.adviser)
    plan_url = reverse("meetings:group_meetings", kwargs={"group_pk": group.pk})
    note = MeetingNoteFactory(meeting__group=group)
    TaskFactory(note=note)
    current = MeetingFactory(group=group, starts_at=in_days(30))
    before = (_count_queries(client, plan_url), _count_queries(client, current.get_absolute_url()))
    for days in range(1, 25):
        MeetingFactory(group=group, starts_at=in_days(-days * 7))
        TaskFactory(note=MeetingNoteFactory(meeting__group=group, meeting__starts_at=in_days(-days * 7 - 1)))
        TaskFactory(note=note)
    after = (_count_queries(client, plan_url), _count_queries(client, current.get_absolute_url()))
    assert before == after


@pytest.mark.parametrize("next_url", ["//evil.example.org/", "https://evil.example.org/", "/\\evil.example.org"])
def test_ticking_a_task_never_redirects_off_the_portal(client, group, next_url):
    task = TaskFactory(note__meeting__group=group)
    client.force_login(_leader(group))
    response = client.post(reverse("meetings:task_toggle", kwargs={"pk": task.pk}), {"done": "1", "next": next_url})
    assert response["Location"] == task.note.meeting.get_absolute_url()


@pytest.mark.parametrize(
    ("plan_row", "expected"),
    [
        ({"week_from": date(2024, 9, 30), "week_to": date(2024, 10, 28)}, "uke 40–44"),
        ({"week_from": date(2025, 12, 1), "week_to": date(2025, 12, 8)}, "uke 49/50"),
        ({"week_from": date(2026, 2, 2), "week_to": None}, "uke 6"),
        ({"week_from": date(2026, 1, 5), "week_to": date(2026, 1, 19), "weeks_text": "2–3 eller 4"}, "uke 2–3 eller 4"),
        ({"week_from": None, "week_to": None, "when_text": "Juni eller august 25"}, "juni eller august 25"),
    ],
)
def test_a_planned_meetings_weeks_read_as_the_plan_writes_them(client, group, plan_row, expected):
    PlanItemFactory(portfolio=group.portfolio, title="Veiledningsbesøk", **plan_row)
    client.force_login(group.adviser)
    client.post(reverse("meetings:meetings_create", kwargs={"group_pk": group.pk}))
    meeting = Meeting.objects.get(group=group)

    assert meeting.week_display == expected
    html = client.get(reverse("meetings:meeting_detail", kwargs={"pk": meeting.pk})).content.decode()
    assert f"{expected[:1].upper()}{expected[1:]} ({meeting.window_start:%d.%m.}–" in html


def test_a_plan_row_with_months_but_no_weeks_sorts_where_it_belongs_and_the_gap_check_sees_it(client, group):
    # Fremtidens kulturskole's plan (002_9f8cec277fb594e3.txt): visits 3, 4 and 5, and the Delingsarena in
    # January 2026; visit 4 is «Juni eller august 25», with no weeks.
    portfolio = group.portfolio
    for order, (title, kind, row) in enumerate(
        [
            ("Veiledningsbesøk 3", "meeting", {"week_from": date(2025, 3, 3), "week_to": date(2025, 3, 24)}),
            (
                "Veiledningsbesøk 4",
                "meeting",
                {"week_from": None, "week_to": None, "when_text": "Juni eller august 25"},
            ),
            ("Veiledningsbesøk 5", "meeting", {"week_from": date(2025, 11, 24), "week_to": date(2025, 12, 8)}),
            ("Delingsarena", "gathering", {"week_from": date(2026, 1, 5), "week_to": date(2026, 1, 19)}),
        ]
    ):
        PlanItemFactory(portfolio=portfolio, order=order, title=title, kind=kind, **row)
    local = timezone.make_aware(datetime(2025, 4, 15, 18))
    MeetingFactory(group=group, kind=Meeting.Kind.GROUP_MEETING, title="Kommunegruppemøte", starts_at=local)
    client.force_login(group.adviser)
    client.post(reverse("meetings:meetings_create", kwargs={"group_pk": group.pk}))

    plan = meeting_plan(group)

    order = ["Veiledningsbesøk 3", "Kommunegruppemøte", "Veiledningsbesøk 4", "Veiledningsbesøk 5", "Delingsarena"]
    assert [m.title for m in plan.meetings] == order
    # The local meeting in April covers the period before visit 4; the one after it has none.
    assert [(gap.after.title, gap.before.title) for gap in plan.gaps] == [("Veiledningsbesøk 4", "Veiledningsbesøk 5")]

    # A meeting made from such a row before it had a window is placed by its plan row all the same.
    Meeting.objects.filter(title="Veiledningsbesøk 4").update(window_start=None, window_end=None)
    plan = meeting_plan(group)
    assert [m.title for m in plan.meetings] == order
    assert [(gap.after.title, gap.before.title) for gap in plan.gaps] == [("Veiledningsbesøk 4", "Veiledningsbesøk 5")]
