"""Development plans: status transitions, versions, the change log, forms that keep what was typed, ordering,
the progress data, the PDF and the programme leader's overview."""

import io
import re
from datetime import date, timedelta

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from pypdf import PdfReader

from accounts.models import AuditEvent
from accounts.tests.factories import ProgrammeLeaderFactory
from core.testing.pdf import assert_printed_with_the_print_stylesheet
from meetings.tests.factories import TaskFactory
from municipalities.models import Role
from municipalities.tests.documents import document
from municipalities.tests.factories import MembershipFactory, MunicipalityGroupFactory, municipality
from testing.forms import opened

from .. import services
from ..models import DevelopmentPlan, Goal, Level, Measure, PlanVersion
from ..selectors import progress_data
from .factories import DevelopmentPlanFactory, GoalFactory, MeasureFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan():
    return DevelopmentPlanFactory()


@pytest.fixture
def leader(plan):
    return MembershipFactory(group=plan.group, role=Role.LEADER).user


@pytest.fixture
def owner(plan):
    return MembershipFactory(group=plan.group, role=Role.OWNER_ADMINISTRATIVE).user


def _url(name, *args):
    return reverse(f"development_plans:{name}", args=args)


def _events(plan):
    return list(
        AuditEvent.objects.filter(object_type="development_plans.developmentplan", object_id=str(plan.pk))
        .order_by("created_at", "pk")
        .values_list("action", flat=True)
    )


# Status and versions


def test_a_leader_starts_the_plan_from_the_group_page_with_the_groups_focus_area(client):
    group = MunicipalityGroupFactory(focus_area="Kulturskolen som ressurssenter")
    client.force_login(MembershipFactory(group=group, role=Role.LEADER).user)
    assert "Start utviklingsplanen" in client.get(group.get_absolute_url()).content.decode()

    response = client.post(_url("plan_create", group.pk))

    plan = DevelopmentPlan.objects.get(group=group)
    assert response["Location"] == plan.get_absolute_url()
    assert (plan.status, plan.version, plan.focus_area) == ("draft", 1, "Kulturskolen som ressurssenter")
    assert "Åpne utviklingsplanen" in client.get(group.get_absolute_url()).content.decode()
    # A second start (another tab) leads to the same plan.
    client.post(_url("plan_create", group.pk))
    assert DevelopmentPlan.objects.filter(group=group).count() == 1


def test_a_plan_goes_from_draft_to_shared_to_approved(plan, leader, owner):
    GoalFactory(plan=plan)
    services.plan_share(plan=plan, user=leader)
    plan.refresh_from_db()
    assert plan.status == DevelopmentPlan.Status.SHARED
    assert plan.shared_at is not None

    version = services.plan_approve(plan=plan, user=owner)

    plan.refresh_from_db()
    assert (plan.status, plan.approved_by, plan.version) == ("approved", owner, 1)
    assert (version.number, version.approved_by) == (1, owner)


def test_a_plan_without_goals_cannot_be_shared(client, plan, leader):
    client.force_login(leader)
    response = client.post(_url("plan_share", plan.pk), follow=True)
    assert "Planen må ha minst ett mål før den kan deles." in response.content.decode()
    plan.refresh_from_db()
    assert plan.status == DevelopmentPlan.Status.DRAFT


def test_a_draft_cannot_be_approved_and_a_shared_plan_not_shared_again(client, plan, leader, owner):
    GoalFactory(plan=plan)
    client.force_login(owner)
    response = client.post(_url("plan_approve", plan.pk), follow=True)
    assert "Planen må være delt med veilederen før den kan godkjennes." in response.content.decode()
    services.plan_share(plan=plan, user=leader)
    with pytest.raises(services.PlanStateError):
        services.plan_share(plan=plan, user=leader)
    plan.refresh_from_db()
    assert plan.status == DevelopmentPlan.Status.SHARED
    assert not PlanVersion.objects.exists()


def _content_token(client, plan):
    """The content token in the approve form of the plan page, as the logged-in owner sees it."""
    html = client.get(plan.get_absolute_url()).content.decode()
    return re.search(r'name="content_token" value="([0-9a-f]{64})"', html).group(1)


CHANGED = "Planen er endret siden du åpnet den. Les den igjen før du godkjenner."

# Edits made by the leader while the owner has the shared plan open; each must invalidate the owner's page.
EDITS = {
    "plan field": lambda plan, goal, measure, task, user: services.plan_update(
        plan=plan, user=user, data={"needs": "Nye behov"}
    ),
    "goal": lambda plan, goal, measure, task, user: services.goal_update(
        goal=goal, user=user, data={"title": "Et annet mål"}
    ),
    "measure": lambda plan, goal, measure, task, user: services.measure_update(
        measure=measure, user=user, data={"status": "in_progress"}
    ),
    "order": lambda plan, goal, measure, task, user: services.goal_move(goal=goal, user=user, direction="down"),
    "task link": lambda plan, goal, measure, task, user: services.measure_update(
        measure=measure, user=user, data={"tasks": [task]}
    ),
    "new measure": lambda plan, goal, measure, task, user: services.measure_create(
        goal=goal, user=user, data={"title": "Nytt tiltak", "status": "planned"}
    ),
}


@pytest.mark.parametrize("edit", EDITS.values(), ids=EDITS.keys())
def test_the_owner_cannot_approve_a_plan_changed_after_they_opened_it(client, plan, leader, owner, edit):
    goal = GoalFactory(plan=plan, title="Eier forankrer kulturskolen")
    GoalFactory(plan=plan)
    measure = MeasureFactory(goal=goal)
    task = TaskFactory(note__meeting__group=plan.group)
    services.plan_share(plan=plan, user=leader)
    client.force_login(owner)
    token = _content_token(client, plan)

    edit(plan, goal, measure, task, leader)
    response = client.post(_url("plan_approve", plan.pk), {"content_token": token}, follow=True)

    assert CHANGED in response.content.decode()
    plan.refresh_from_db()
    assert (plan.status, plan.approved_by) == ("shared", None)
    assert not PlanVersion.objects.exists()
    assert "development_plan.approved" not in _events(plan)

    # Having read the plan again, the owner approves what they read.
    response = client.post(_url("plan_approve", plan.pk), {"content_token": _content_token(client, plan)}, follow=True)
    assert "Du har godkjent planen." in response.content.decode()
    plan.refresh_from_db()
    assert (plan.status, plan.approved_by) == ("approved", owner)
    assert plan.versions.get().snapshot == services.plan_snapshot(plan)


def test_an_unchanged_plan_is_approved_and_a_form_without_a_token_is_refused(client, plan, leader, owner):
    GoalFactory(plan=plan)
    services.plan_share(plan=plan, user=leader)
    client.force_login(owner)
    token = _content_token(client, plan)
    # Comments are not content: the adviser may comment while the owner reads.
    services.comment_add(plan=plan, user=plan.group.adviser, text="Ser bra ut")

    response = client.post(_url("plan_approve", plan.pk), follow=True)
    assert CHANGED in response.content.decode()
    plan.refresh_from_db()
    assert plan.status == "shared"

    response = client.post(_url("plan_approve", plan.pk), {"content_token": token}, follow=True)
    assert "Du har godkjent planen." in response.content.decode()
    plan.refresh_from_db()
    assert (plan.status, plan.version, plan.approved_by) == ("approved", 1, owner)


def test_a_change_after_approval_starts_a_new_version_and_the_old_one_stays_readable(client, plan, leader, owner):
    goal = GoalFactory(plan=plan, title="Eier forankrer kulturskolen i kommuneplanen")
    MeasureFactory(goal=goal, title="Sak til kommunestyret")
    services.plan_share(plan=plan, user=leader)
    services.plan_approve(plan=plan, user=owner)

    client.force_login(leader)
    form = client.get(_url("goal_edit", plan.pk, goal.pk)).content.decode()
    assert "Lagrer du en endring, starter du versjon 2 som et nytt utkast" in form
    url = _url("goal_edit", plan.pk, goal.pk)
    data = {"level": "owner", "title": "Eier vedtar en plan for kulturskolen"}
    response = client.post(url, data | opened(client, url))

    assert response.status_code == 302
    plan.refresh_from_db()
    assert (plan.status, plan.version, plan.approved_by) == ("draft", 2, None)
    assert "development_plan.version_started" in _events(plan)
    live = client.get(plan.get_absolute_url()).content.decode()
    assert "Eier vedtar en plan for kulturskolen" in live
    assert "Versjon 1</a>, godkjent" in live
    old = client.get(_url("version_detail", plan.pk, 1)).content.decode()
    assert "Eier forankrer kulturskolen i kommuneplanen" in old
    assert "Sak til kommunestyret" in old
    assert "Eier vedtar en plan" not in old

    # The second change in the same draft does not start yet another version.
    services.plan_update(plan=plan, user=leader, data={"needs": "Nye behov"})
    plan.refresh_from_db()
    assert plan.version == 2

    services.plan_share(plan=plan, user=leader)
    services.plan_approve(plan=plan, user=owner)
    assert list(plan.versions.order_by("number").values_list("number", flat=True)) == [1, 2]
    assert plan.versions.get(number=2).snapshot["plan"]["needs"] == "Nye behov"


def test_a_deleted_goal_stays_in_the_approved_version(plan, leader, owner):
    goal = GoalFactory(plan=plan, title="Lærerne bruker rammeplanen i planleggingen")
    MeasureFactory(goal=goal)
    services.plan_share(plan=plan, user=leader)
    services.plan_approve(plan=plan, user=owner)
    services.goal_delete(goal=goal, user=leader)
    snapshot = plan.versions.get(number=1).snapshot
    assert snapshot["goals"][0]["title"] == "Lærerne bruker rammeplanen i planleggingen"
    assert len(snapshot["goals"][0]["measures"]) == 1


# The change log


def test_every_change_is_in_the_audit_log_with_who_and_what(client, plan, leader, owner):
    client.force_login(leader)
    url = _url("plan_edit", plan.pk)
    client.post(url, {"needs": "Flere elever fra ungdomstrinnet", "overall_goal": "Alle"} | opened(client, url))
    client.post(_url("goal_add", plan.pk), {"level": "teachers", "title": "Lærerne planlegger sammen"})
    goal = plan.goals.get()
    client.post(_url("measure_add", plan.pk, goal.pk), {"title": "Fagdag", "status": "planned"})
    measure = Measure.objects.get()
    url = _url("measure_edit", plan.pk, measure.pk)
    client.post(url, {"title": "Fagdag", "status": "done", "evaluation": "Godt mottatt"} | opened(client, url))
    client.post(_url("goal_add", plan.pk), {"level": "owner", "title": "Eier følger opp"})
    client.post(_url("goal_move", plan.pk, goal.pk), {"direction": "down"})
    client.post(_url("plan_share", plan.pk))
    client.post(_url("comment_add", plan.pk), {"text": "Se over datoene"})
    client.force_login(owner)
    client.post(_url("plan_approve", plan.pk), {"content_token": _content_token(client, plan)})
    client.force_login(leader)
    client.post(_url("measure_delete", plan.pk, measure.pk))

    assert _events(plan) == [
        "development_plan.updated",
        "development_plan.goal_added",
        "development_plan.measure_added",
        "development_plan.measure_changed",
        "development_plan.goal_added",
        "development_plan.goal_moved",
        "development_plan.shared",
        "development_plan.commented",
        "development_plan.approved",
        "development_plan.version_started",
        "development_plan.measure_deleted",
    ]
    changed = AuditEvent.objects.get(action="development_plan.measure_changed")
    assert changed.actor == leader
    assert changed.payload["changes"] == {"status": ["planned", "done"], "evaluation": ["", "Godt mottatt"]}
    assert AuditEvent.objects.get(action="development_plan.approved").actor == owner
    assert AuditEvent.objects.get(action="development_plan.measure_deleted").payload["version"] == 2

    log = client.get(_url("change_log", plan.pk)).content.decode()
    assert "Tiltak endret: «Fagdag»" in log
    assert "Status: Planlagt → Gjennomført" in log
    assert "Godkjent av kulturskoleeier" in log
    assert "Ny versjon startet etter godkjenning" in log


def test_saving_a_form_without_changes_writes_no_event(client, plan, leader):
    goal = GoalFactory(plan=plan, level=Level.OWNER, title="Uendret", success_criteria="")
    client.force_login(leader)
    url = _url("goal_edit", plan.pk, goal.pk)
    client.post(url, {"level": "owner", "title": "Uendret"} | opened(client, url))
    assert "development_plan.goal_changed" not in _events(plan)


def _approve(plan, leader, owner):
    services.plan_share(plan=plan, user=leader)
    services.plan_approve(plan=plan, user=owner)


def test_saving_or_moving_without_changes_keeps_an_approved_plan_approved(client, plan, leader, owner):
    """Pressing «Lagre» on an unchanged form, or «Flytt opp» on the first goal, must not throw the owner's
    approval away by starting a new version."""
    first = GoalFactory(plan=plan, level=Level.OWNER, title="Først", success_criteria="")
    last = GoalFactory(plan=plan, level=Level.TEACHERS, title="Sist", success_criteria="")
    measure = MeasureFactory(goal=first, title="Eneste tiltak")
    task = TaskFactory(note__meeting__group=plan.group, text="Avtale med grunnskolen")
    measure.tasks.add(task)
    _approve(plan, leader, owner)
    client.force_login(leader)

    posts = [
        (
            _url("plan_edit", plan.pk),
            {f: getattr(plan, f) for f in ("needs", "knowledge_base", "opportunities", "focus_area", "overall_goal")},
        ),
        (_url("goal_edit", plan.pk, first.pk), {"level": "owner", "title": "Først"}),
        (
            _url("measure_edit", plan.pk, measure.pk),
            {
                "title": "Eneste tiltak",
                "status": "planned",
                "starts_on": measure.starts_on.isoformat(),
                "ends_on": measure.ends_on.isoformat(),
                "tasks": [task.pk],  # the same task, linked again
            },
        ),
        (_url("goal_move", plan.pk, first.pk), {"direction": "up"}),
        (_url("goal_move", plan.pk, last.pk), {"direction": "down"}),
        (_url("measure_move", plan.pk, measure.pk), {"direction": "up"}),
        (_url("measure_move", plan.pk, measure.pk), {"direction": "down"}),
    ]
    for url, data in posts:
        # The edit forms carry their revision, as a browser sends them; the moves have none.
        if "flytt" not in url:
            data |= opened(client, url)
        assert client.post(url, data).status_code == 302, url

    plan.refresh_from_db()
    assert (plan.status, plan.version, plan.approved_by) == ("approved", 1, owner)
    assert _events(plan) == ["development_plan.shared", "development_plan.approved"]
    assert "Planen er godkjent." in client.get(plan.get_absolute_url()).content.decode()

    # A move that does move something starts version 2, as any other change.
    client.post(_url("goal_move", plan.pk, first.pk), {"direction": "down"})
    plan.refresh_from_db()
    assert (plan.status, plan.version) == ("draft", 2)
    assert _events(plan)[-2:] == ["development_plan.version_started", "development_plan.goal_moved"]


def test_linking_the_same_tasks_again_keeps_an_approved_plan_approved(plan, leader, owner):
    measure = MeasureFactory(goal=GoalFactory(plan=plan))
    task = TaskFactory(note__meeting__group=plan.group)
    measure.tasks.add(task)
    _approve(plan, leader, owner)

    services.measure_update(measure=measure, user=leader, data={"tasks": [task]})

    plan.refresh_from_db()
    assert (plan.status, plan.version) == ("approved", 1)
    assert "development_plan.version_started" not in _events(plan)


# Forms keep what was typed


def test_a_dropped_measure_without_a_reason_is_shown_again_with_what_was_typed(client, plan, leader):
    goal = GoalFactory(plan=plan)
    client.force_login(leader)
    response = client.post(
        _url("measure_add", plan.pk, goal.pk),
        {
            "title": "Felles konsert med grunnskolen",
            "status": "dropped",
            "starts_on": "2026-03-01",
            "ends_on": "2026-02-01",
            "evaluation": "Vi rakk det ikke",
        },
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Skriv hvorfor tiltaket ble avbrutt." in html
    assert "Sluttdatoen kan ikke være før startdatoen." in html
    assert "Felles konsert med grunnskolen" in html
    assert "Vi rakk det ikke" in html
    assert 'value="2026-03-01"' in html
    assert not Measure.objects.exists()


def test_a_goal_without_a_title_is_shown_again_with_the_other_fields(client, plan, leader):
    client.force_login(leader)
    response = client.post(
        _url("goal_add", plan.pk),
        {"level": "teachers", "title": "", "pillars": ["learning"], "success_criteria": "Alle deltar på fagdagen"},
    )
    html = response.content.decode()
    assert "Skriv hva målet er." in html
    assert "Alle deltar på fagdagen" in html
    assert 'value="learning"  id="id_pillars_0" checked' in html
    assert not Goal.objects.exists()


def test_an_attainment_text_needs_a_score(client, plan, leader):
    client.force_login(leader)
    response = client.post(
        _url("goal_add", plan.pk), {"level": "owner", "title": "Mål", "attainment_text": "Delvis nådd"}
    )
    assert "Gi en vurdering fra 1 til 6 når du skriver om måloppnåelsen." in response.content.decode()


def test_the_database_refuses_a_dropped_measure_without_reason_and_a_score_outside_1_to_6(plan):
    goal = GoalFactory(plan=plan)
    with pytest.raises(IntegrityError), transaction.atomic():
        Measure.objects.create(goal=goal, title="Uten grunn", status=Measure.Status.DROPPED)
    with pytest.raises(IntegrityError), transaction.atomic():
        Goal.objects.filter(pk=goal.pk).update(attainment=7)
    with pytest.raises(IntegrityError), transaction.atomic():
        MeasureFactory(goal=goal, starts_on=date(2026, 3, 1), ends_on=date(2026, 2, 1))


def test_a_measure_taken_up_again_loses_its_dropped_reason(client, plan, leader):
    measure = MeasureFactory(goal=GoalFactory(plan=plan), status="dropped", dropped_reason="Ingen lærer")
    client.force_login(leader)
    url = _url("measure_edit", plan.pk, measure.pk)
    client.post(url, {"title": measure.title, "status": "in_progress"} | opened(client, url))
    measure.refresh_from_db()
    assert (measure.status, measure.dropped_reason) == ("in_progress", "")


def test_a_responsible_person_must_be_a_member_of_the_group(client, plan, leader):
    goal = GoalFactory(plan=plan)
    stranger = MembershipFactory().user
    client.force_login(leader)
    response = client.post(
        _url("measure_add", plan.pk, goal.pk),
        {"title": "Tiltak", "status": "planned", "responsible_person": stranger.pk},
    )
    assert response.status_code == 200
    client.post(
        _url("measure_add", plan.pk, goal.pk),
        {"title": "Tiltak", "status": "planned", "responsible_person": leader.pk, "responsible_role": "leader"},
    )
    assert Measure.objects.get().responsible_display == f"{leader.full_name}, Kulturskoleleder"


# Ordering


def test_goals_and_measures_move_up_and_down(client, plan, leader):
    first, _second, third = (GoalFactory(plan=plan, title=t) for t in ("A", "B", "C"))
    m1, m2 = MeasureFactory(goal=first, title="m1"), MeasureFactory(goal=first, title="m2")
    client.force_login(leader)
    client.post(_url("goal_move", plan.pk, third.pk), {"direction": "up"})
    assert list(plan.goals.order_by("order").values_list("title", flat=True)) == ["A", "C", "B"]
    client.post(_url("goal_move", plan.pk, first.pk), {"direction": "up"})  # already first: nothing happens
    assert list(plan.goals.order_by("order").values_list("title", flat=True)) == ["A", "C", "B"]
    client.post(_url("measure_move", plan.pk, m1.pk), {"direction": "down"})
    assert list(first.measures.order_by("order").values_list("title", flat=True)) == ["m2", "m1"]
    html = client.get(plan.get_absolute_url()).content.decode()
    assert html.index("Mål 2: C") < html.index("Mål 3: B")
    assert m2.pk


# Progress


def test_progress_counts_measures_by_status_and_flags_the_overdue_ones(plan):
    today = date(2026, 5, 1)
    goal = GoalFactory(plan=plan)
    late = MeasureFactory(goal=goal, status="in_progress", starts_on=date(2026, 1, 5), ends_on=date(2026, 4, 1))
    MeasureFactory(goal=goal, status="done", starts_on=date(2026, 1, 5), ends_on=date(2026, 3, 1))
    MeasureFactory(goal=goal, status="dropped", dropped_reason="Ingen søkere", starts_on=None, ends_on=date(2026, 2, 1))
    MeasureFactory(goal=goal, status="planned", starts_on=None, ends_on=None)
    MeasureFactory(goal=GoalFactory(plan=plan), status="planned", starts_on=date(2026, 8, 1), ends_on=date(2026, 12, 1))

    data = progress_data(plan, today=today)

    assert [(label, n) for label, _, n in data["by_status"]] == [
        ("Planlagt", 2),
        ("Pågår", 1),
        ("Gjennomført", 1),
        ("Avbrutt", 1),
    ]
    assert data["total"] == 5
    assert data["overdue_count"] == 1
    assert [r["measure"] for r in data["rows"] if r["overdue"]] == [late]
    assert [r["number"] for r in data["rows"]] == ["1.1", "1.2", "1.3", "1.4", "2.1"]
    chart = data["chart"]
    assert len(chart["bars"]) == 4  # the measure without dates is in the table only
    assert (chart["first"], chart["last"]) == (date(2026, 1, 1), date(2026, 12, 31))
    assert [b["number"] for b in chart["bars"]] == ["1.1", "1.2", "1.3", "2.1"]
    assert all(40 <= b["x"] <= chart["width"] for b in chart["bars"])
    assert chart["bars"][0]["x"] < chart["today_x"] < chart["bars"][3]["x"]


def test_the_progress_page_names_overdue_measures_in_words(client, plan, leader):
    MeasureFactory(goal=GoalFactory(plan=plan), status="planned", ends_on=date.today() - timedelta(days=3))
    client.force_login(leader)
    html = client.get(_url("progress", plan.pk)).content.decode()
    assert "Forsinket</strong>" in html
    assert 'role="img"' in html
    assert '<title id="tidslinje-tittel">' in html


# PDF and overview


def test_the_pdf_holds_the_goals_and_measures(client, plan, leader):
    goal = GoalFactory(plan=plan, level=Level.OWNER, title="Kulturskolen er forankret i kommuneplanen")
    MeasureFactory(goal=goal, title="Politisk sak om kulturskolen i Čáhcesuolu")
    client.force_login(leader)
    response = client.get(_url("plan_pdf", plan.pk))
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith('attachment; filename="utviklingsplan-')
    # Words as read back, whatever the line breaks.
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages).split())
    assert "Kulturskolen er forankret i kommuneplanen" in text
    assert "Čáhcesuolu" in text
    assert_printed_with_the_print_stylesheet(response.content)
    assert "development_plan.exported" in _events(plan)


def test_the_programme_leader_sees_every_groups_plan_status(client):
    approved = DevelopmentPlanFactory(group__name="Bodø", status="approved")
    portfolio = approved.group.portfolio
    draft = DevelopmentPlanFactory(
        group=MunicipalityGroupFactory(portfolio=portfolio, name="Guovdageaidnu", municipalities=[municipality("5612")])
    )
    MunicipalityGroupFactory(portfolio=portfolio, name="Tromsø", municipalities=[municipality("5501")])
    goal = GoalFactory(plan=draft)
    MeasureFactory(goal=goal, status="done")
    MeasureFactory(goal=goal, status="planned", ends_on=date.today() - timedelta(days=1))
    MeasureFactory(goal=GoalFactory(plan=draft), status="planned", ends_on=date.today() + timedelta(days=30))
    client.force_login(ProgrammeLeaderFactory())

    assert "Utviklingsplanene" in client.get(portfolio.get_absolute_url()).content.decode()
    html = client.get(_url("portfolio_overview", portfolio.pk)).content.decode()

    assert "Ikke startet: 1 · Utkast: 1 · " in html
    assert "Godkjent av kulturskoleeier: 1" in html
    row = html[html.index("Guovdageaidnu</a>") :]
    row = row[: row.index("</tr>")]
    cells = [c.split("</td>")[0].strip() for c in row.split('<td class="text-end">')[1:]]
    assert cells[:3] == ["1", "2", "3"]  # version, goals, measures
    assert cells[3] == "1"  # done
    assert "<strong>1</strong>" in cells[4]  # overdue


# Query budget


def _fill(plan, goals, measures_per_goal):
    for _ in range(goals):
        goal = GoalFactory(plan=plan)
        measures = MeasureFactory.create_batch(measures_per_goal, goal=goal, responsible_person=None)
        measures[0].tasks.add(TaskFactory(note__meeting__group=plan.group))
        measures[0].documents.add(document(plan.group, plan.group.adviser, title=f"Grunnlag for {goal.pk}"))
    plan.comments.create(author=plan.group.adviser, text="Kommentar")


@pytest.mark.parametrize("name", ["plan_detail", "progress"])
def test_the_plan_page_and_progress_run_the_same_queries_with_3_and_30_goals(
    client, plan, leader, django_assert_num_queries, name
):
    client.force_login(leader)
    _fill(plan, 3, 5)
    url = _url(name, plan.pk)
    # session, user, the plan, the group with portfolio, programme and adviser, its municipalities, its
    # memberships, the goals, their measures with responsible people, the measures' tasks from meeting
    # notes with their meetings, the group's documents they link to with their newest versions, and the
    # user's staff roles (for the menu); the plan page adds comments with authors and versions with approvers.
    expected = 13 if name == "plan_detail" else 11
    with django_assert_num_queries(expected):
        assert client.get(url).status_code == 200
    _fill(plan, 27, 5)
    with django_assert_num_queries(expected):
        assert client.get(url).status_code == 200


def test_a_goal_needs_a_level(client, plan, leader):
    client.force_login(leader)
    response = client.post(_url("goal_add", plan.pk), {"title": "Alle elever får prøve scenekunst"})
    html = response.content.decode()
    assert "Velg hvilket nivå målet gjelder." in html
    assert "Alle elever får prøve scenekunst" in html


def test_starting_the_plan_twice_keeps_one_plan_and_one_event(leader, plan):
    again = services.plan_create(group=plan.group, user=leader)
    assert again == plan
    assert _events(plan) == []


def test_before_the_plan_exists_only_an_editor_is_offered_to_start_it(client):
    group = MunicipalityGroupFactory()
    url = _url("group_plan", group.pk)
    client.force_login(MembershipFactory(group=group, role=Role.LEADER).user)
    assert "Start utviklingsplanen" in client.get(url).content.decode()
    client.force_login(group.adviser)
    html = client.get(url).content.decode()
    assert "Gruppen har ikke startet utviklingsplanen ennå." in html
    assert "Start utviklingsplanen" not in html
    assert client.post(_url("plan_create", group.pk)).status_code == 404
    assert not DevelopmentPlan.objects.exists()


def test_the_admin_shows_a_plan_with_its_goals_to_the_programme_leader_for_reading_only(client, plan):
    GoalFactory(plan=plan, title="Kulturskolen er med i kommuneplanen")
    client.force_login(ProgrammeLeaderFactory())
    html = client.get(reverse("admin:development_plans_developmentplan_change", args=[plan.pk])).content.decode()
    assert "Kulturskolen er med i kommuneplanen" in html
    assert 'name="_save"' not in html
