"""Two editors of one development plan (the kulturskoleleder and the coordinator): a save of the plan, a goal
or a measure over a change made since the form was opened is refused with what changed, the typed text
stays in the form, and saving again after merging stores it (issue 12, «Data lost»)."""

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import AuditEvent
from accounts.tests.factories import ProgrammeLeaderFactory
from meetings.tests.factories import TaskFactory
from municipalities.models import Role
from municipalities.tests.factories import MembershipFactory
from testing.forms import carried, opened

from ..models import DevelopmentPlan, Goal, Measure
from .factories import DevelopmentPlanFactory, GoalFactory, MeasureFactory

pytestmark = pytest.mark.django_db

CONFLICT = "Ikke lagret:"


@pytest.fixture
def plan():
    return DevelopmentPlanFactory()


@pytest.fixture
def leader(plan):
    return MembershipFactory(group=plan.group, role=Role.LEADER, user__full_name="Lena Ødegård").user


@pytest.fixture
def coordinator(plan):
    return MembershipFactory(group=plan.group, role=Role.COORDINATOR, user__full_name="Kari Koordinator").user


def _client(user):
    client = Client(headers={"X-Forwarded-Proto": "https", "Host": "testserver"})
    client.force_login(user)
    return client


def _plan_case(plan):
    fields = {f: getattr(plan, f) for f in ("needs", "knowledge_base", "opportunities", "focus_area", "overall_goal")}
    return (
        reverse("development_plans:plan_edit", args=[plan.pk]),
        plan,
        fields | {"needs": "Lederens behov: flere elever fra ungdomstrinnet"},
        fields | {"needs": "Koordinatorens behov: et tilbud i alle bygdene"},
        ("Utviklingsbehov", "Lederens behov: flere elever fra ungdomstrinnet"),
        lambda row: row.needs,
    )


def _goal_case(plan):
    goal = GoalFactory(plan=plan, level="leader", title="Lærerne samarbeider", success_criteria="")
    return (
        reverse("development_plans:goal_edit", args=[plan.pk, goal.pk]),
        goal,
        {"level": "owner", "title": "Eier vedtar planen", "pillars": ["learning"]},
        {"level": "leader", "title": "Koordinatoren skrev dette målet"},
        ("Nivå", "Kulturskoleeier"),
        lambda row: row.title,
    )


def _measure_case(plan):
    measure = MeasureFactory(goal=GoalFactory(plan=plan), title="Fagdag", status="planned")
    dates = {"starts_on": measure.starts_on.isoformat(), "ends_on": measure.ends_on.isoformat()}
    return (
        reverse("development_plans:measure_edit", args=[plan.pk, measure.pk]),
        measure,
        {"title": "Fagdag", "status": "dropped", "dropped_reason": "Ingen lærer kunne"} | dates,
        {"title": "Koordinatorens fagdag for alle lærerne", "status": "in_progress"} | dates,
        ("Status", "Avbrutt"),
        lambda row: row.title,
    )


@pytest.mark.parametrize("case", [_plan_case, _goal_case, _measure_case], ids=["plan", "goal", "measure"])
def test_a_stale_form_is_refused_with_what_changed_and_keeps_what_was_typed(plan, leader, coordinator, case):
    url, row, leaders_data, coordinators_data, (label, leaders_value), typed = case(plan)
    as_leader, as_coordinator = _client(leader), _client(coordinator)
    coordinators_form = opened(as_coordinator, url)
    assert as_leader.post(url, leaders_data | opened(as_leader, url)).status_code == 302
    row.refresh_from_db()
    saved = typed(row)
    events = AuditEvent.objects.count()

    response = as_coordinator.post(url, coordinators_data | coordinators_form)

    assert response.status_code == 200
    page = response.content.decode()
    assert "noen andre har lagret en endring etter at du åpnet skjemaet" in page
    assert "Lena Ødegård lagret" in page
    conflict = page[page.index(CONFLICT) : page.index("</dl>")]
    assert f"<dt>{label}</dt>" in conflict
    assert leaders_value in conflict
    typed_text = coordinators_data.get("needs") or coordinators_data["title"]
    assert f"{typed_text}</textarea>" in page
    row.refresh_from_db()
    assert typed(row) == saved
    assert (row.revision, row.revised_by) == (1, leader)
    assert AuditEvent.objects.count() == events  # the refused save changed nothing, so logged nothing

    # The coordinator has seen the leader's change; saving again stores what is in their form.
    assert as_coordinator.post(url, coordinators_data | carried(response)).status_code == 302
    row.refresh_from_db()
    assert typed(row) == typed_text
    assert (row.revision, row.revised_by) == (2, coordinator)


def test_a_form_shown_again_for_a_typing_error_still_notices_a_change_made_meanwhile(plan, leader, coordinator):
    goal = GoalFactory(plan=plan, title="Lærerne samarbeider")
    url = reverse("development_plans:goal_edit", args=[plan.pk, goal.pk])
    as_leader, as_coordinator = _client(leader), _client(coordinator)
    with_error = as_coordinator.post(url, {"level": "", "title": "Koordinatorens mål"} | opened(as_coordinator, url))
    assert "Velg hvilket nivå målet gjelder." in with_error.content.decode()
    assert CONFLICT not in with_error.content.decode()
    assert as_leader.post(url, {"level": "owner", "title": "Lederens mål"} | opened(as_leader, url)).status_code == 302

    response = as_coordinator.post(url, {"level": "leader", "title": "Koordinatorens mål"} | carried(with_error))

    assert CONFLICT in response.content.decode()
    assert Goal.objects.get(pk=goal.pk).title == "Lederens mål"


def test_a_measure_whose_task_links_changed_meanwhile_is_refused(plan, leader, coordinator):
    measure = MeasureFactory(goal=GoalFactory(plan=plan), title="Fagdag")
    task = TaskFactory(note__meeting__group=plan.group, text="Avtale med grunnskolen")
    url = reverse("development_plans:measure_edit", args=[plan.pk, measure.pk])
    dates = {"starts_on": measure.starts_on.isoformat(), "ends_on": measure.ends_on.isoformat()}
    as_leader, as_coordinator = _client(leader), _client(coordinator)
    coordinators_form = opened(as_coordinator, url)
    linked = {"title": "Fagdag", "status": "planned", "tasks": [task.pk]} | dates
    assert as_leader.post(url, linked | opened(as_leader, url)).status_code == 302

    response = as_coordinator.post(url, {"title": "Fagdag", "status": "done"} | dates | coordinators_form)

    conflict = response.content.decode()
    conflict = conflict[conflict.index(CONFLICT) : conflict.index("</dl>")]
    assert "<dt>Oppgaver fra møtereferatene</dt>" in conflict
    assert "Avtale med grunnskolen (fra veiledningsmøte" in conflict
    measure.refresh_from_db()
    assert (measure.status, list(measure.tasks.all())) == ("planned", [task])


@pytest.mark.parametrize(
    ("admin_url", "model"),
    [
        ("development_plans_developmentplan_change", DevelopmentPlan),
        ("development_plans_measure_change", Measure),
    ],
)
def test_the_admin_is_no_second_writer_of_plans_and_measures(client, plan, admin_url, model):
    """The admin only shows plans, goals (an inline of the plan) and measures: the portal's forms are the only
    writers the revision has to guard. A POST to the admin's change form is refused and changes nothing."""
    measure = MeasureFactory(goal=GoalFactory(plan=plan), title="Uendret")
    needs = plan.needs
    row = plan if model is DevelopmentPlan else measure
    client.force_login(ProgrammeLeaderFactory())
    url = reverse(f"admin:{admin_url}", args=[row.pk])
    assert client.get(url).status_code == 200
    assert client.post(url, {"needs": "Fra admin", "title": "Fra admin"}).status_code == 403
    plan.refresh_from_db()
    measure.refresh_from_db()
    assert (plan.needs, plan.revision, measure.title, measure.revision) == (needs, 0, "Uendret", 0)
