"""Two people (or one person in two tabs) editing one meeting or one meeting note: a save over a change made
since the form was opened is refused with what changed, and nothing of either side is lost (issue 12,
«Data lost»). core.concurrency does the work; these tests go through the real pages and PostgreSQL."""

import threading
import time

import pytest
from django.db import connections, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import ProgrammeLeaderFactory
from core.concurrency import StaleEdit
from meetings.models import MeetingNote, Task
from meetings.services import note_save
from meetings.tests.factories import MeetingFactory, MeetingNoteFactory, TaskFactory, in_days, schedule_data
from municipalities.models import Role
from municipalities.tests.factories import MembershipFactory, MunicipalityGroupFactory
from testing.forms import carried, opened

CONFLICT = "Ikke lagret:"


@pytest.fixture
def group():
    group = MunicipalityGroupFactory(adviser__full_name="Ingrid Solbakken")
    MembershipFactory(group=group, role=Role.LEADER, user__full_name="Lena Ødegård")
    return group


def _note_url(meeting):
    return reverse("meetings:note_edit", kwargs={"pk": meeting.pk})


def _note_data(summary, tasks=(), *, existing=()):
    """The note form's fields: `existing` are (id, text) rows the form showed, `tasks` new texts after them."""
    rows = [(str(pk), text) for pk, text in existing] + [("", text) for text in tasks]
    data = {
        "summary": summary,
        "agreements": "",
        "staff_note": "",
        "tasks-TOTAL_FORMS": str(len(rows)),
        "tasks-INITIAL_FORMS": str(len(existing)),
        "save": "",
    }
    for index, (pk, text) in enumerate(rows):
        data |= {f"tasks-{index}-id": pk, f"tasks-{index}-text": text}
    return data


@pytest.mark.django_db
def test_a_note_saved_in_another_tab_is_not_overwritten_and_what_was_typed_stays_in_the_form(client, group):
    note = MeetingNoteFactory(
        meeting__group=group, summary="Vi startet med elevtallene.", agreements="", staff_note="", status="draft"
    )
    first = TaskFactory(note=note, text="Lage møteplan for personalet")
    url = _note_url(note.meeting)
    client.force_login(group.adviser)
    tab_a = opened(client, url)
    tab_b = opened(client, url)

    saved = client.post(
        url,
        _note_data("Tab B: vi så på budsjettet.", ["Tab B: sende budsjettet"], existing=[(first.pk, first.text)])
        | tab_b,
    )
    assert saved.status_code == 302
    response = client.post(
        url,
        _note_data("Tab A: vi så på elevtallene.", ["Tab A: invitere eier"], existing=[(first.pk, first.text)]) | tab_a,
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert CONFLICT in page
    assert "du har selv lagret en endring i et annet vindu etter at du åpnet skjemaet" in page
    # What changed, with the value the other tab saved; the staff note, unchanged, is not listed.
    conflict = page[page.index(CONFLICT) : page.index("</dl>")]
    assert "<dt>Hva vi snakket om</dt>" in conflict
    assert "Tab B: vi så på budsjettet." in conflict
    assert "<dt>Oppgaver til neste møte</dt>" in conflict
    assert "Lage møteplan for personalet<br>Tab B: sende budsjettet" in conflict
    assert "Internt notat" not in conflict
    # What tab A typed is still in the form, and nothing of tab B's save was overwritten.
    assert "Tab A: vi så på elevtallene.</textarea>" in page
    assert 'value="Tab A: invitere eier"' in page
    note.refresh_from_db()
    assert note.summary == "Tab B: vi så på budsjettet."
    assert list(note.tasks.values_list("text", flat=True)) == [first.text, "Tab B: sende budsjettet"]

    # Having seen tab B's change, the adviser merges it into tab A's form and saves again: now it is stored.
    merged = _note_data(
        "Tab A: vi så på elevtallene og budsjettet.",
        ["Tab A: invitere eier", "Tab B: sende budsjettet"],
        existing=[(first.pk, first.text)],
    )
    assert client.post(url, merged | carried(response)).status_code == 302
    note.refresh_from_db()
    assert note.summary == "Tab A: vi så på elevtallene og budsjettet."
    assert list(note.tasks.values_list("text", flat=True)) == [
        first.text,
        "Tab A: invitere eier",
        "Tab B: sende budsjettet",
    ]


@pytest.mark.django_db
def test_a_note_someone_started_after_the_form_was_opened_is_not_overwritten(client, group):
    meeting = MeetingFactory(group=group, starts_at=in_days(-2))
    url = _note_url(meeting)
    client.force_login(group.adviser)
    tab_a, tab_b = opened(client, url), opened(client, url)
    assert tab_a["revision"] == "0"

    assert client.post(url, _note_data("Først lagret", ["Oppgave fra B"]) | tab_b).status_code == 302
    response = client.post(url, _note_data("Skrevet i fane A", ["Oppgave fra A"]) | tab_a)

    assert CONFLICT in response.content.decode()
    assert "Skrevet i fane A</textarea>" in response.content.decode()
    note = MeetingNote.objects.get(meeting=meeting)
    assert (note.summary, note.revision) == ("Først lagret", 1)
    assert list(note.tasks.values_list("text", flat=True)) == ["Oppgave fra B"]


@pytest.mark.django_db
def test_a_task_the_other_tab_deleted_comes_back_as_a_new_task_when_the_adviser_saves_again(client, group):
    note = MeetingNoteFactory(meeting__group=group, status="draft")
    task = TaskFactory(note=note, text="Samle inn elevtall")
    url = _note_url(note.meeting)
    client.force_login(group.adviser)
    tab_a, tab_b = opened(client, url), opened(client, url)
    # Tab B deletes the task.
    assert client.post(url, _note_data(note.summary) | tab_b).status_code == 302
    assert not Task.objects.filter(pk=task.pk).exists()

    stale = _note_data(note.summary, existing=[(task.pk, "Samle inn elevtall fra alle skolene")]) | tab_a
    response = client.post(url, stale)
    page = response.content.decode()
    assert CONFLICT in page
    assert "(ingen oppgaver)" in page
    assert 'value="Samle inn elevtall fra alle skolene"' in page
    # The row no longer names the deleted task, so the form can be saved again as it stands: as a new task.
    assert f'name="tasks-0-id" value="{task.pk}"' not in page
    assert 'name="tasks-INITIAL_FORMS" value="0"' in page

    again = _note_data(note.summary, ["Samle inn elevtall fra alle skolene"]) | carried(response)
    assert client.post(url, again).status_code == 302
    assert list(note.tasks.values_list("text", flat=True)) == ["Samle inn elevtall fra alle skolene"]


@pytest.mark.django_db
def test_saving_an_unchanged_note_does_not_refuse_the_other_tab(client, group):
    note = MeetingNoteFactory(meeting__group=group, status="draft", agreements="", staff_note="")
    task = TaskFactory(note=note, text="Samle inn elevtall", due_on=None)
    url = _note_url(note.meeting)
    client.force_login(group.adviser)
    tab_a, tab_b = opened(client, url), opened(client, url)
    unchanged = _note_data(note.summary, existing=[(task.pk, task.text)])
    assert client.post(url, unchanged | tab_b).status_code == 302
    assert client.post(url, _note_data("Endret i fane A", existing=[(task.pk, task.text)]) | tab_a).status_code == 302
    note.refresh_from_db()
    assert (note.summary, note.revision) == ("Endret i fane A", 1)


@pytest.mark.django_db
def test_a_meeting_the_programme_leader_moved_meanwhile_is_not_moved_back_by_the_advisers_stale_form(client, group):
    meeting = MeetingFactory(group=group, starts_at=in_days(10), format="digital", place="")
    url = reverse("meetings:meeting_edit", kwargs={"pk": meeting.pk})
    leader = ProgrammeLeaderFactory(full_name="Pål Programleder")
    client.force_login(group.adviser)
    adviser_form = opened(client, url)
    other = Client(headers={"X-Forwarded-Proto": "https", "Host": "testserver"})
    other.force_login(leader)
    moved = schedule_data(start="13:00", end="15:00", place="Rådhuset, sal 2", agenda="")
    assert other.post(url, moved | opened(other, url)).status_code == 302

    response = client.post(url, schedule_data(agenda="1. Elevtall\n2. Budsjett") | adviser_form)

    page = response.content.decode()
    assert response.status_code == 200
    assert "noen andre har lagret en endring etter at du åpnet skjemaet" in page
    today = timezone.localdate()
    assert f"Pål Programleder lagret {today:%d.%m.%Y} kl." in page
    conflict = page[page.index(CONFLICT) : page.index("</dl>")]
    for label, value in [("Fra kl.", "13.00"), ("Til kl.", "15.00"), ("Form", "Fysisk møte"), ("Sted", "Rådhuset")]:
        assert f"<dt>{label}</dt>" in conflict
        assert value in conflict
    assert "<dt>Saksliste</dt>" not in conflict
    assert "1. Elevtall\n2. Budsjett</textarea>" in page
    meeting.refresh_from_db()
    assert (meeting.place, timezone.localtime(meeting.starts_at).hour, meeting.agenda) == ("Rådhuset, sal 2", 13, "")
    assert (meeting.revision, meeting.revised_by) == (1, leader)


@pytest.mark.django_db
def test_a_form_from_a_page_without_a_revision_is_refused_and_shows_what_is_stored(client, group):
    meeting = MeetingFactory(group=group)
    client.force_login(group.adviser)
    url = reverse("meetings:meeting_edit", kwargs={"pk": meeting.pk})
    response = client.post(url, schedule_data(place="Et gammelt skjema", agenda=""))
    page = response.content.decode()
    assert "Slik er det lagret nå:" in page
    assert 'value="Et gammelt skjema"' in page
    meeting.refresh_from_db()
    assert meeting.place == ""


@pytest.mark.django_db
@pytest.mark.parametrize("admin_url", ["meetings_meeting_change", "meetings_meetingnote_change"])
def test_the_admin_is_no_second_writer_of_meetings_and_notes(client, group, admin_url):
    """The admin's change forms of meetings and notes only show the rows, so the portal's forms are the only
    writers the revision has to guard: a POST to the admin is refused and changes nothing."""
    note = MeetingNoteFactory(meeting__group=group, summary="Uendret")
    client.force_login(ProgrammeLeaderFactory())
    pk = note.meeting.pk if admin_url == "meetings_meeting_change" else note.pk
    url = reverse(f"admin:{admin_url}", args=[pk])
    assert client.get(url).status_code == 200
    assert client.post(url, {"summary": "Fra admin", "title": "Fra admin"}).status_code == 403
    note.refresh_from_db()
    assert (note.summary, note.meeting.title) == ("Uendret", "Veiledningsmøte")


# Truly simultaneous saves, each on its own database connection


N_SAVES = 20


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_of_twenty_simultaneous_saves_of_one_note_exactly_one_wins_and_the_others_are_told(group):
    note = MeetingNoteFactory(meeting__group=group, summary="Før", status="draft")
    url = _note_url(note.meeting)
    clients = []
    for _ in range(N_SAVES):
        tab = Client(headers={"X-Forwarded-Proto": "https", "Host": "testserver"})
        tab.force_login(group.adviser)
        clients.append((tab, opened(tab, url)))
    start = threading.Barrier(N_SAVES)
    results: list[tuple[int, int, str]] = []

    def save(index: int, tab: Client, carried_inputs: dict[str, str]) -> None:
        try:
            start.wait()
            data = _note_data(f"Lagret av fane {index}", [f"Oppgave fra fane {index}"]) | carried_inputs
            response = tab.post(url, data)
            results.append((index, response.status_code, response.content.decode()))
        finally:
            connections.close_all()  # this thread's own connection

    threads = [threading.Thread(target=save, args=(i, tab, inputs)) for i, (tab, inputs) in enumerate(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert len(results) == N_SAVES
    winners = [index for index, status, _ in results if status == 302]
    assert len(winners) == 1, sorted(status for _, status, _ in results)
    assert all(CONFLICT in page for _, status, page in results if status != 302)
    # The winner's note, whole: its summary and its one task; no loser's task slipped in, none was lost.
    note.refresh_from_db()
    assert note.summary == f"Lagret av fane {winners[0]}"
    assert list(note.tasks.values_list("text", flat=True)) == [f"Oppgave fra fane {winners[0]}"]
    assert note.revision == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_saves_waiting_for_the_notes_lock_are_refused_once_the_save_holding_it_commits(group):
    """The service's own check, for saves that read the note before another committed: each waits for the
    row's lock, then reads the new revision and is refused. A save holding the lock is simulated here."""
    note = MeetingNoteFactory(meeting__group=group, summary="Før", status="draft")
    meeting = note.meeting
    waiting = 5
    outcomes: list[str] = []

    def save(index: int) -> None:
        try:
            note_save(
                meeting=meeting,
                author=group.adviser,
                summary=f"Venter {index}",
                agreements="",
                staff_note="",
                tasks=[],
                revision=0,
            )
            outcomes.append("saved")
        except StaleEdit:
            outcomes.append("refused")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=save, args=(i,)) for i in range(waiting)]
    with transaction.atomic():
        note_save(
            meeting=meeting,
            author=group.adviser,
            summary="Holder låsen",
            agreements="",
            staff_note="",
            tasks=[],
            revision=0,
        )
        for thread in threads:
            thread.start()
        _wait_for_lock_waiters(waiting)
    for thread in threads:
        thread.join(timeout=30)

    assert outcomes == ["refused"] * waiting
    note.refresh_from_db()
    assert (note.summary, note.revision) == ("Holder låsen", 1)


def _wait_for_lock_waiters(count: int) -> None:
    """Blocks until `count` other connections of this database wait for a row lock (at most 20 s)."""
    deadline = time.monotonic() + 20
    with connections["default"].cursor() as cursor:
        while time.monotonic() < deadline:
            # The statistics views keep one snapshot per transaction; this one runs inside the lock holder's.
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
            )
            if cursor.fetchone()[0] >= count:
                return
            time.sleep(0.05)
    raise AssertionError(f"fewer than {count} saves were waiting for the note's lock")
