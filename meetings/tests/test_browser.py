"""Meetings in a real browser: the adviser confirms a meeting and publishes a note with tasks, the group
reads it and ticks a task, an outsider gets a 404; axe-core on every page."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from accounts.tests.factories import PASSWORD, AdviserFactory, UserFactory
from core.testing.browser import PHONE_VIEWPORT, assert_accessible, expect_form_error, login
from core.testing.mail import deliver_outbox
from meetings.models import Meeting, Task
from meetings.services import reminders_hand_over
from meetings.tests.factories import MeetingFactory, MeetingNoteFactory, in_days
from municipalities.models import Role
from municipalities.tests.factories import MembershipFactory, MunicipalityGroupFactory, municipality

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_adviser_confirms_and_writes_the_note_the_group_ticks_a_task_an_outsider_gets_404(live_server, make_page):
    adviser = AdviserFactory(full_name="Ánne Márjá Eira")
    group = MunicipalityGroupFactory(adviser=adviser, municipalities=[municipality("5612")])
    leader = MembershipFactory(group=group, role=Role.LEADER, user=UserFactory(full_name="Sárá Marja Hætta")).user
    meeting = MeetingFactory(
        group=group, title="Veiledningsmøte 2", status=Meeting.Status.PLANNED, starts_at=None, ends_at=None
    )
    outsider = MembershipFactory(group=MunicipalityGroupFactory(municipalities=[municipality("5501")])).user
    day = in_days(-1).date()  # the meeting was yesterday; the adviser records it afterwards

    page = make_page()
    login(page, live_server, adviser.email, PASSWORD)
    page.goto(f"{live_server.url}/moter/gruppe/{group.pk}/")
    expect(page.get_by_text("1 av 1 veiledningsmøter mangler dato og tid")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Veiledningsmøte 2").click()
    page.get_by_role("link", name="Bekreft dato og tid").click()
    assert_accessible(page)
    page.get_by_label("Dato").fill(day.isoformat())
    page.get_by_label("Fra kl.").fill("10:00")
    page.get_by_label("Til kl.").fill("09:00")
    page.get_by_label("Form").select_option("digital")
    page.get_by_role("button", name="Bekreft møtet").click()
    expect_form_error(page, "Møtet må slutte etter at det har startet.")
    assert_accessible(page)
    page.get_by_label("Til kl.").fill("12:00")
    page.get_by_role("button", name="Bekreft møtet").click()
    expect(page.get_by_text("Møtet er lagret.")).to_be_visible()
    expect(page.get_by_text(f"{day:%d.%m.%Y} kl. 10.00–12.00")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Skriv referat").click()
    page.get_by_label("Hva vi snakket om").fill("Vi gikk gjennom elevtallene for Guovdageaidnu.")
    page.get_by_label("Hva vi ble enige om").fill("Gruppen holder kommunegruppemøte før jul.")
    page.get_by_label("Internt notat").fill("Eier var ikke til stede.")
    first, second = page.get_by_role("group", name="Oppgave 1"), page.get_by_role("group", name="Oppgave 2")
    first.get_by_label("Oppgave").fill("Lage møteplan for personalet")
    first.get_by_label("Ansvarlig rolle").select_option("leader")
    second.get_by_label("Oppgave").fill("Samle inn elevtall")
    second.get_by_label("Ansvarlig person").select_option(label="Sárá Marja Hætta")
    assert_accessible(page)
    page.get_by_role("button", name="Publiser for kommunegruppen").click()
    expect(page.get_by_text("Referatet er publisert")).to_be_visible()
    assert sorted(task.text for task in Task.objects.all()) == ["Lage møteplan for personalet", "Samle inn elevtall"]
    # Without Redis (as here) the notice waits for the next send_due_reminders run, which cron would start.
    assert mail.outbox == []
    reminders_hand_over()
    assert [m.to for m in deliver_outbox()] == [[leader.email]]

    member_page = make_page(viewport=PHONE_VIEWPORT)
    login(member_page, live_server, leader.email, PASSWORD)
    member_page.goto(f"{live_server.url}{meeting.get_absolute_url()}")
    expect(member_page.get_by_text("Vi gikk gjennom elevtallene for Guovdageaidnu.")).to_be_visible()
    expect(member_page.get_by_text("Eier var ikke til stede.")).to_have_count(0)
    assert_accessible(member_page)
    member_page.get_by_role("button", name="Marker som utført: Samle inn elevtall").click()
    expect(member_page.get_by_role("button", name="Angre utført: Samle inn elevtall")).to_be_visible()
    assert Task.objects.get(text="Samle inn elevtall").done_by == leader
    assert_accessible(member_page)

    outsider_page = make_page()
    login(outsider_page, live_server, outsider.email, PASSWORD)
    response = outsider_page.goto(f"{live_server.url}{meeting.get_absolute_url()}")
    assert response.status == 404
    expect(outsider_page.get_by_text("Vi gikk gjennom elevtallene")).to_have_count(0)


def test_the_other_meeting_pages_pass_axe_on_a_phone_and_keep_what_was_typed(live_server, make_page):
    adviser = AdviserFactory(full_name="Ingrid Solbakken")
    group = MunicipalityGroupFactory(adviser=adviser, name="Bodø")
    leader = MembershipFactory(group=group, role=Role.LEADER, user=UserFactory(full_name="Lena Ødegård")).user
    meeting = MeetingFactory(group=group, title="Veiledningsmøte 3", starts_at=in_days(5))
    MeetingFactory(group=group, title="Veiledningsmøte 4", starts_at=in_days(40))

    page = make_page(viewport=PHONE_VIEWPORT)
    login(page, live_server, leader.email, PASSWORD)
    page.goto(f"{live_server.url}/moter/gruppe/{group.pk}/")
    expect(page.get_by_text("Mellomperiode uten lokalt møte")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Legg til kommunegruppemøte eller personalmøte").click()
    page.get_by_label("Type møte").select_option("staff_meeting")
    page.get_by_label("Dato").fill(in_days(20).date().isoformat())
    page.get_by_label("Fra kl.").fill("14:00")
    page.get_by_label("Til kl.").fill("15:00")
    page.get_by_label("Form").select_option("physical")
    page.get_by_label("Saksliste").fill("Delmålene for lærerne i utviklingsplanen")
    page.get_by_role("button", name="Legg inn møtet").click()
    expect_form_error(page, "Skriv hvor møtet holdes.")
    expect(page.get_by_label("Saksliste")).to_have_value("Delmålene for lærerne i utviklingsplanen")
    assert_accessible(page)
    page.get_by_label("Sted").fill("Stormen kulturhus")
    page.get_by_role("button", name="Legg inn møtet").click()
    expect(page.get_by_text("Personalmøte er lagt inn")).to_be_visible()
    expect(page.get_by_text("Mellomperiode uten lokalt møte")).to_have_count(0)

    page.get_by_role("button", name="Vis eller skjul menyen").click()  # the phone's collapsed menu
    page.get_by_role("link", name="Kalender").click()
    page.get_by_role("button", name="Lag kalenderadresse").click()
    expect(page.get_by_label("Din kalenderadresse")).to_have_value(re.compile(r"/moter/kalender/[\w-]+\.ics$"))
    assert_accessible(page)

    adviser_page = make_page()
    login(adviser_page, live_server, adviser.email, PASSWORD)
    expect(adviser_page.get_by_role("table", name=re.compile("Neste møte, møtedatoer"))).to_contain_text(
        "Veiledningsmøte 3"
    )
    assert_accessible(adviser_page)
    adviser_page.goto(f"{live_server.url}{meeting.get_absolute_url()}")
    adviser_page.get_by_role("link", name="Avlys møtet").click()
    adviser_page.get_by_role("button", name="Avlys møtet").click()
    expect_form_error(adviser_page, "Feltet er påkrevet.")
    assert_accessible(adviser_page)
    adviser_page.get_by_label("Hvorfor avlyses møtet?").fill("Kulturskolelederen er syk")
    adviser_page.get_by_role("button", name="Avlys møtet").click()
    expect(adviser_page.get_by_text("Møtet er avlyst, og deltakerne får beskjed.")).to_be_visible()
    meeting.refresh_from_db()
    assert (meeting.status, meeting.cancelled_reason) == ("cancelled", "Kulturskolelederen er syk")


def test_two_tabs_on_one_note_the_later_save_is_refused_keeps_what_was_typed_and_saves_after_merging(
    live_server, make_page
):
    adviser = AdviserFactory(full_name="Ingrid Solbakken")
    group = MunicipalityGroupFactory(adviser=adviser, name="Bodø")
    note = MeetingNoteFactory(
        meeting__group=group, summary="Første utkast.", agreements="", staff_note="", status="draft"
    )
    url = f"{live_server.url}/moter/{note.meeting.pk}/referat/"
    tab_a = make_page()
    login(tab_a, live_server, adviser.email, PASSWORD)
    tab_b = tab_a.context.new_page()  # the same browser, so the same login: a second tab
    tab_a.goto(url)
    tab_b.goto(url)

    tab_b.get_by_label("Hva vi snakket om").fill("Fane B: vi så på budsjettet.")
    tab_b.get_by_role("group", name="Oppgave 1").get_by_label("Oppgave").fill("Sende budsjettet til eier")
    tab_b.get_by_role("button", name="Lagre utkast").click()
    expect(tab_b.get_by_text("Utkastet er lagret.")).to_be_visible()

    tab_a.get_by_label("Hva vi snakket om").fill("Fane A: vi så på elevtallene.")
    tab_a.get_by_role("group", name="Oppgave 1").get_by_label("Oppgave").fill("Invitere eier til neste møte")
    tab_a.get_by_role("button", name="Lagre utkast").click()

    conflict = tab_a.get_by_role("alert")
    expect(conflict).to_contain_text("Ikke lagret: du har selv lagret en endring i et annet vindu")
    expect(conflict).to_contain_text("Fane B: vi så på budsjettet.")
    expect(conflict).to_contain_text("Sende budsjettet til eier")
    expect(tab_a.get_by_label("Hva vi snakket om")).to_have_value("Fane A: vi så på elevtallene.")
    expect(tab_a.get_by_role("group", name="Oppgave 1").get_by_label("Oppgave")).to_have_value(
        "Invitere eier til neste møte"
    )
    assert_accessible(tab_a)
    note.refresh_from_db()
    assert note.summary == "Fane B: vi så på budsjettet."

    # The adviser takes tab B's task into tab A's form and saves again: both tasks and tab A's summary stay.
    tab_a.get_by_role("group", name="Oppgave 2").get_by_label("Oppgave").fill("Sende budsjettet til eier")
    tab_a.get_by_role("button", name="Lagre utkast").click()
    expect(tab_a.get_by_text("Utkastet er lagret.")).to_be_visible()
    note.refresh_from_db()
    assert note.summary == "Fane A: vi så på elevtallene."
    assert sorted(note.tasks.values_list("text", flat=True)) == [
        "Invitere eier til neste møte",
        "Sende budsjettet til eier",
    ]
