"""The development plans' part of the permission matrix (see testing/permissions.py).

In the shared world, member_a and member_b are their groups' kulturskoleleder (the factory's role), so they
edit; the rules for the other roles (reader, owner) are tested below the matrix."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent, User
from municipalities.models import Role
from municipalities.tests.factories import MembershipFactory
from testing.permissions import FORMER_MEMBERS, PERSONAS, check_access, matrix_ids

from ..models import DevelopmentPlan, PlanVersion
from ..selectors import plan_access, plan_content_token
from .factories import DevelopmentPlanFactory, GoalFactory, MeasureFactory


@pytest.fixture
def world(world):
    for key in ("a", "b"):
        # Version 1 was approved; the plan is now the draft of version 2.
        plan = DevelopmentPlanFactory(group=world[f"group_{key}"], version=2)
        goal = GoalFactory(plan=plan)
        GoalFactory(plan=plan)
        MeasureFactory(goal=goal)
        MeasureFactory(goal=goal)
        PlanVersion.objects.create(
            plan=plan,
            number=1,
            approved_by=world[f"member_{key}"],
            approved_at=timezone.now(),
            snapshot={"plan": {}, "goals": []},
        )
        world[f"plan_{key}"] = plan
        world[f"goal_{key}"] = goal
        world[f"measure_{key}"] = goal.measures.first()
    return world


READ = [302, 200, 404, 200, 404, 200, 404, 302, 404]
# The approved versions stay readable to a former member (records); the deactivated one cannot log in.
READ_APPROVED = [302, 200, 404, 200, 404, 200, 200, 302, 200]
READ_B = [302, 404, 200, 404, 200, 200, 404, 302, 404]
EDIT_GET = [302, 200, 404, 404, 404, 404, 404, 302, 404]
EDIT_POST = [302, 302, 404, 404, 404, 404, 404, 302, 404]
COMMENT_POST = [302, 302, 404, 302, 404, 404, 404, 302, 404]
LEADER_ONLY = [302, 404, 404, 404, 404, 200, 404, 302, 404]

PLAN = {"pk": "plan_a.pk"}
GOAL = {"pk": "plan_a.pk", "goal_pk": "goal_a.pk"}
MEASURE = {"pk": "plan_a.pk", "measure_pk": "measure_a.pk"}
GOAL_DATA = {"level": "owner", "title": "Kulturskolen er med i kommunens planverk"}
MEASURE_DATA = {"title": "Kulturskoleleder legger fram planen i oppvekstutvalget", "status": "planned"}
# An edit form carries the revision it was opened at (core.concurrency); the world's rows have not changed.
OPENED = {"revision": "0"}

# url name, kwargs, method, data, expected status per persona (PERSONAS order).
MATRIX = [
    (
        "development_plans:group_plan",
        {"group_pk": "group_a.pk"},
        "get",
        None,
        [302, 302, 404, 302, 404, 302, 404, 302, 404],
    ),
    ("development_plans:plan_create", {"group_pk": "group_a.pk"}, "post", None, EDIT_POST),
    ("development_plans:plan_detail", PLAN, "get", None, READ),
    ("development_plans:plan_detail", {"pk": "plan_b.pk"}, "get", None, READ_B),
    ("development_plans:plan_edit", PLAN, "get", None, EDIT_GET),
    ("development_plans:plan_edit", PLAN, "post", {"needs": "Flere elever"} | OPENED, EDIT_POST),
    ("development_plans:plan_share", PLAN, "post", None, EDIT_POST),
    # member_a is the kulturskoleleder, not an owner: nobody in the world may approve (see the tests below).
    ("development_plans:plan_approve", PLAN, "post", None, [302, 404, 404, 404, 404, 404, 404, 302, 404]),
    ("development_plans:comment_add", PLAN, "post", {"text": "Godt forslag."}, COMMENT_POST),
    (
        "development_plans:comment_add",
        {"pk": "plan_b.pk"},
        "post",
        {"text": "Hei"},
        [302, 404, 302, 404, 302, 404, 404, 302, 404],
    ),
    ("development_plans:progress", PLAN, "get", None, READ),
    ("development_plans:plan_pdf", PLAN, "get", None, READ),
    ("development_plans:change_log", PLAN, "get", None, READ),
    ("development_plans:change_log", {"pk": "plan_b.pk"}, "get", None, READ_B),
    ("development_plans:version_detail", {"pk": "plan_a.pk", "number": 1}, "get", None, READ_APPROVED),
    (
        "development_plans:version_detail",
        {"pk": "plan_a.pk", "number": 2},
        "get",
        None,
        [302, *[404] * 5, 404, 302, 404],
    ),
    ("development_plans:goal_add", PLAN, "get", None, EDIT_GET),
    ("development_plans:goal_add", PLAN, "post", GOAL_DATA, EDIT_POST),
    ("development_plans:goal_edit", GOAL, "get", None, EDIT_GET),
    ("development_plans:goal_edit", GOAL, "post", GOAL_DATA | OPENED, EDIT_POST),
    ("development_plans:goal_delete", GOAL, "post", None, EDIT_POST),
    ("development_plans:goal_move", GOAL, "post", {"direction": "down"}, EDIT_POST),
    ("development_plans:measure_add", GOAL, "get", None, EDIT_GET),
    ("development_plans:measure_add", GOAL, "post", MEASURE_DATA, EDIT_POST),
    ("development_plans:measure_edit", MEASURE, "get", None, EDIT_GET),
    ("development_plans:measure_edit", MEASURE, "post", MEASURE_DATA | OPENED, EDIT_POST),
    ("development_plans:measure_delete", MEASURE, "post", None, EDIT_POST),
    ("development_plans:measure_move", MEASURE, "post", {"direction": "down"}, EDIT_POST),
    # Another plan's goal or measure under one's own plan's address is out of reach too.
    (
        "development_plans:goal_edit",
        {"pk": "plan_a.pk", "goal_pk": "goal_b.pk"},
        "get",
        None,
        [302, *[404] * 5, 404, 302, 404],
    ),
    (
        "development_plans:measure_delete",
        {"pk": "plan_a.pk", "measure_pk": "measure_b.pk"},
        "post",
        None,
        [302, *[404] * 5, 404, 302, 404],
    ),
    ("development_plans:portfolio_overview", {"portfolio_pk": "group_a.portfolio.pk"}, "get", None, LEADER_ONLY),
    # The admin shows plans to the programme leader only, and only for reading.
    (
        "admin:development_plans_developmentplan_changelist",
        {},
        "get",
        None,
        [302, 302, 302, 403, 403, 200, 302, 302, 302],
    ),
    (
        "admin:development_plans_developmentplan_change",
        {"object_id": "plan_a.pk"},
        "get",
        None,
        [302, 302, 302, 403, 403, 200, 302, 302, 302],
    ),
]


def _ids(matrix):
    return [f"{row[2]}-{name}" for row, name in zip(matrix, matrix_ids(matrix), strict=True)]


@pytest.mark.parametrize(("url_name", "kwargs", "method", "data", "expected"), MATRIX, ids=_ids(MATRIX))
@pytest.mark.parametrize("persona", PERSONAS)
def test_permission_matrix(client, world, url_name, kwargs, method, data, expected, persona):
    check_access(client, world, url_name, kwargs, expected, persona, method=method, data=data)


@pytest.mark.parametrize("role", [Role.RESOURCE_TEACHER, Role.OTHER, Role.OWNER_POLITICAL])
def test_a_member_who_is_not_leader_or_coordinator_reads_and_comments_but_cannot_edit(client, world, role):
    plan = world["plan_a"]
    reader = MembershipFactory(group=plan.group, role=role).user
    client.force_login(reader)
    page = client.get(plan.get_absolute_url())
    assert page.status_code == 200
    assert "Legg til mål" not in page.content.decode()
    assert client.get(reverse("development_plans:plan_edit", args=[plan.pk])).status_code == 404
    assert client.post(reverse("development_plans:goal_add", args=[plan.pk]), GOAL_DATA).status_code == 404
    assert client.post(reverse("development_plans:plan_share", args=[plan.pk])).status_code == 404
    assert client.post(reverse("development_plans:comment_add", args=[plan.pk]), {"text": "Ok"}).status_code == 302
    assert plan.goals.count() == 2


def test_the_coordinator_edits_like_the_leader(client, world):
    plan = world["plan_a"]
    client.force_login(MembershipFactory(group=plan.group, role=Role.COORDINATOR).user)
    assert client.post(reverse("development_plans:goal_add", args=[plan.pk]), GOAL_DATA).status_code == 302
    assert plan.goals.count() == 3


@pytest.mark.parametrize(
    ("role", "approves"),
    [
        (Role.OWNER_POLITICAL, True),
        (Role.OWNER_ADMINISTRATIVE, True),
        (Role.MUNICIPAL_DIRECTOR, True),
        (Role.LEADER, False),
        (Role.COORDINATOR, False),
        (Role.RESOURCE_TEACHER, False),
    ],
)
def test_only_an_owner_approves(client, world, role, approves):
    plan = world["plan_a"]
    plan.status = DevelopmentPlan.Status.SHARED
    plan.save(update_fields=["status"])
    client.force_login(MembershipFactory(group=plan.group, role=role).user)
    response = client.post(
        reverse("development_plans:plan_approve", args=[plan.pk]), {"content_token": plan_content_token(plan)}
    )
    plan.refresh_from_db()
    assert response.status_code == (302 if approves else 404)
    assert (plan.status == DevelopmentPlan.Status.APPROVED) is approves


def test_an_owner_of_another_group_cannot_approve(client, world):
    plan = world["plan_a"]
    plan.status = DevelopmentPlan.Status.SHARED
    plan.save(update_fields=["status"])
    client.force_login(MembershipFactory(group=world["group_b"], role=Role.OWNER_POLITICAL).user)
    assert client.post(reverse("development_plans:plan_approve", args=[plan.pk])).status_code == 404


def test_a_refused_plan_is_logged_and_looks_like_a_missing_one(client, world):
    client.force_login(world["member_b"])
    hidden = client.get(world["plan_a"].get_absolute_url())
    missing = client.get(reverse("development_plans:plan_detail", args=[999999]))
    assert hidden.status_code == missing.status_code == 404
    event = AuditEvent.objects.filter(action="access.refused").first()
    assert event.payload["object_type"] == "development_plans.developmentplan"


@pytest.mark.parametrize("persona", [p for p in PERSONAS[1:] if p != "deactivated_member_a"])
def test_visible_to_agrees_with_the_access_rules(world, persona):
    # A former member sees their group's plan for its approved versions alone (can_read_approved).
    if persona in FORMER_MEMBERS:
        FORMER_MEMBERS[persona](world)
        user = User.objects.get(pk=world["member_a"].pk)
    else:
        user = world[persona]
    visible = set(DevelopmentPlan.objects.visible_to(user))
    readable = {p for p in DevelopmentPlan.objects.all() if plan_access(user, p.group).can_read_approved}
    assert visible == readable
    assert visible


def test_visible_to_shows_an_anonymous_user_no_plan(world):
    assert list(DevelopmentPlan.objects.visible_to(AnonymousUser())) == []
