import io
import os
import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from django.contrib.auth.hashers import get_hasher
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from contracts.models import ContractDocument
from core.testing.otp import code_for_secret
from dashboard.management.commands.seed_demo import DEMO_PASSWORD
from meetings.models import Meeting, MeetingNote, Registration, Reminder, Task
from meetings.selectors import attendance_warnings
from municipalities.models import GroupDocument, GroupDocumentVersion, Membership, MunicipalityGroup
from portfolios.models import FoundationSection, PlanItem, Portfolio

pytestmark = pytest.mark.django_db

BASE_DIR = Path(__file__).resolve().parents[2]


def _counts():
    models = (
        User,
        Portfolio,
        FoundationSection,
        PlanItem,
        MunicipalityGroup,
        Membership,
        Meeting,
        Task,
        Reminder,
        Registration,
    )
    return [m.objects.count() for m in models]


def test_seed_demo_loads_both_programmes_and_is_safe_to_run_twice(capsys, settings):
    # As in production: DEBUG off and the collected static files' hashed names (root conftest).
    assert settings.DEBUG is False
    call_command("seed_demo")
    # The demo contracts were rendered, the sent ones and the one signed by everyone.
    assert ContractDocument.objects.filter(kind=ContractDocument.Kind.SIGNING).exists()
    assert ContractDocument.objects.filter(kind=ContractDocument.Kind.SIGNED).exists()
    # The groups' documents: real files, checked like uploads, one in two versions (issue 16).
    bodo_documents = GroupDocument.objects.filter(group__name="Bodø", group__portfolio__status=Portfolio.Status.ACTIVE)
    assert {d.latest.file_type for d in bodo_documents} == {"pdf", "docx", "png", "odt"}
    assert GroupDocumentVersion.objects.filter(document__in=bodo_documents).count() == 5
    base = bodo_documents.get(title="Kunnskapsgrunnlag for kulturskolen")
    assert base.meeting_notes.filter(status="published").exists() and base.measures.exists()
    documents = GroupDocumentVersion.objects.count()
    first = _counts()
    call_command("seed_demo")
    assert _counts() == first
    assert GroupDocumentVersion.objects.count() == documents
    assert "programleder@example.org" in capsys.readouterr().out

    p4 = Portfolio.objects.get(name="Portefølje 4, 2023–24")
    assert p4.plan_items.count() == 22
    assert p4.sections.count() == 13
    start_call = p4.plan_items.first()
    assert (start_call.week_from, start_call.weeks_display) == (date(2022, 12, 5), "49/50")
    closing = p4.plan_items.get(title="Oppsummerende samling")
    assert (closing.starts_on, closing.week_from) == (date(2024, 4, 25), date(2024, 4, 22))
    fremtidens = Portfolio.objects.get(programme__key="fremtidens_kulturskole")
    assert fremtidens.plan_items.count() == 19
    # The plan's own wording where its weeks are not a plain range (002_9f8cec277fb594e3.txt).
    assert fremtidens.plan_items.get(title__startswith="Delingsarena").weeks_display == "2–3 eller 4"
    assert fremtidens.plan_items.get(title="Koordinatorsamling 5").weeks_display == "34/35"
    assert fremtidens.programme.participation_fee == 20000

    bodo = MunicipalityGroup.objects.get(name="Bodø", portfolio__status=Portfolio.Status.ACTIVE)
    past = bodo.meetings.filter(kind="guidance", ends_at__lt=timezone.now())
    assert past.exists()
    assert not past.exclude(status="held").exists()
    assert not past.exclude(note__status="published").exists()
    tasks = Task.objects.filter(note__meeting__group=bodo)
    assert tasks.filter(done_at__isnull=True).exists()
    assert tasks.filter(done_at__isnull=False).exists()
    upcoming = bodo.meetings.filter(status="confirmed", starts_at__gt=timezone.now())
    assert upcoming.filter(kind="guidance").exists()
    assert upcoming.filter(kind="group_meeting").exists()
    assert Reminder.objects.filter(meeting__in=upcoming, status="pending", kind="before_meeting").exists()
    assert bodo.portfolio.meetings.filter(group=None, kind="gathering").count() == 4
    # Guovdageaidnu still has meetings without a date, so its plan shows as incomplete.
    assert Meeting.objects.filter(group__name="Guovdageaidnu", status="planned").count() == 2
    # Attendance (issue 16): Bodø's owners missed its last two guidance meetings, as the adviser's note says.
    assert not past.filter(attendance_recorded_at=None).exists()
    assert attendance_warnings([bodo.pk])[bodo.pk][0].startswith("Kulturskoleeier var ikke med")
    last = past.order_by("-starts_at").first()
    assert last.note.staff_note.startswith("Eier har ikke vært med på de to siste møtene")
    assert not MeetingNote.objects.exclude(meeting=last).filter(staff_note__startswith="Eier har ikke").exists()
    assert Registration.objects.filter(meeting__registration_open=True, meeting__portfolio=bodo.portfolio).count() >= 3
    assert Meeting.objects.filter(kind="follow_up", group__status="completed").exists()

    current = Portfolio.objects.get(status=Portfolio.Status.ACTIVE)
    today = timezone.localdate()
    assert current.agreement_start <= today <= current.agreement_end
    assert (current.agreement_start.day, current.agreement_start.month) == (1, 1)
    assert current.plan_items.count() == 22
    assert current.plan_items.filter(week_from__gt=today).exists()
    # A copy of Portefølje 4 by whole years: every row in its own ISO week and on its own weekday, the
    # titles and «Når» with the new years and number.
    years = current.agreement_start.year - p4.agreement_start.year
    for old, new in zip(p4.plan_items.all(), current.plan_items.all(), strict=True):
        assert (new.title, new.weeks_display) == (old.title, old.weeks_display)
        if old.week_from:
            assert new.week_from.isocalendar()[1:] == old.week_from.isocalendar()[1:]
    when = dict(current.plan_items.values_list("title", "when_text"))
    assert when["Kick-off webinar"] == f"Januar {2023 + years} ({date.fromisocalendar(2023 + years, 4, 5):%d.%m})"
    assert when["Veiledningsmøte"] == f"Mars {2024 + years}"  # the last of the rows of that title
    assert current.name == f"Portefølje {4 + years}, {2023 + years}–{(24 + years) % 100:02d}"
    assert current.document_title == (
        f"Grunnlagsdokument – Veiledning i kulturskoleutvikling {2023 + years}–{2024 + years}"
    )
    assert f"portefølje {4 + years}, {2023 + years}-{(24 + years) % 100:02d}" in current.plan_title

    bodo = MunicipalityGroup.objects.get(portfolio=current, name="Bodø")
    assert bodo.shortcomings() == []
    pair = MunicipalityGroup.objects.get(portfolio=current, municipalities__number="1840")
    assert sorted(pair.municipalities.values_list("name", flat=True)) == ["Fauske", "Saltdal"]
    sami = MunicipalityGroup.objects.get(portfolio=current, municipalities__number="5612")
    assert sami.display_name == "Guovdageaidnu"
    for group in MunicipalityGroup.objects.filter(portfolio=fremtidens):
        assert group.shortcomings() == []
    assert User.objects.get(email="veileder.anne@example.org").is_adviser
    assert User.objects.get(email="programleder@example.org").is_programme_leader


def test_seed_demo_hashes_the_demo_password_once_and_every_demo_user_logs_in_with_it(monkeypatch):
    # The tests' hasher (root conftest) stands in for the production one, whose every call costs a good part
    # of a second: counting its calls counts the work.
    hasher = get_hasher()
    encode = type(hasher).encode
    calls = []

    def counting_encode(self, password, salt, *args, **kwargs):
        calls.append(password)
        return encode(self, password, salt, *args, **kwargs)

    monkeypatch.setattr(type(hasher), "encode", counting_encode)
    call_command("seed_demo", stdout=io.StringIO())
    assert calls == [DEMO_PASSWORD]
    users = User.objects.exclude(password__startswith="!")  # the survey's respondents have no password
    assert users.count() > 20
    assert all(user.check_password(DEMO_PASSWORD) for user in users)

    calls.clear()
    call_command("seed_demo", stdout=io.StringIO())
    assert calls == []  # nobody new, nothing hashed


def test_the_deploy_check_passes_with_production_settings():
    env = {
        **os.environ,
        "DEBUG": "False",
        "SECRET_KEY": "a-long-and-random-production-secret-key-" + "x" * 30,
        "ALLOWED_HOSTS": "veiledning.kulturskoleradet.no",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_the_demo_staff_log_in_with_the_printed_key_and_demo_code_gives_their_code(client, capsys):
    call_command("seed_demo")
    out = capsys.readouterr().out
    secret = re.search(r"Legg demonøkkelen\n  ([A-Z2-7 ]+)\n", out).group(1)
    client.post(reverse("accounts:login"), {"username": "programleder@example.org", "password": "veiledning-demo"})
    assert "_auth_user_id" not in client.session  # the password alone is not enough for staff, in the demo too
    client.post(reverse("accounts:second_factor"), {"otp_token": code_for_secret(secret)})
    assert client.session["_auth_user_id"] == str(User.objects.get(email="programleder@example.org").pk)

    call_command("demo_code")
    code = re.search(r"Engangskode: (\d{6})", capsys.readouterr().out).group(1)
    adviser = Client()
    adviser.post(reverse("accounts:login"), {"username": "veileder.anne@example.org", "password": "veiledning-demo"})
    adviser.post(reverse("accounts:second_factor"), {"otp_token": code})
    assert "_auth_user_id" in adviser.session
