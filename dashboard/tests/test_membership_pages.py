"""The group page's members over time, the adviser widening the group, and how a completed group goes on
(issue 16)."""

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent, User
from accounts.tests.factories import ProgrammeLeaderFactory
from core.models import Email
from dashboard.reports import figures_for
from development_plans.models import DevelopmentPlan, Level
from development_plans.services import goal_create, plan_approve, plan_share
from development_plans.tests.factories import DevelopmentPlanFactory, GoalFactory
from meetings.tests.factories import TaskFactory
from municipalities.forms import MunicipalityGroupAdminForm
from municipalities.models import Continuation, Membership, MembershipChange, MunicipalityGroup, Role
from municipalities.selectors import former_members
from municipalities.services import membership_end, membership_role_change
from municipalities.tests.factories import MembershipFactory, MunicipalityGroupFactory, municipality
from portfolios.models import Portfolio
from portfolios.tests.factories import PortfolioFactory

pytestmark = pytest.mark.django_db


def _days_ago(days):
    return timezone.localdate() - timedelta(days=days)


@pytest.fixture
def group():
    return MunicipalityGroupFactory()


def _invite_data(**overrides):
    return {"full_name": "Ola Kulturhus", "email": "ola@example.org", "phone": "", "role": Role.OTHER, **overrides}


def test_the_groups_adviser_invites_an_annen_deltaker_to_their_own_group(client, group):
    client.force_login(group.adviser)
    page = client.get(reverse("dashboard:group_invite", kwargs={"pk": group.pk}))
    assert [value for value, _ in page.context["form"].fields["role"].choices] == [Role.OTHER]

    response = client.post(reverse("dashboard:group_invite", kwargs={"pk": group.pk}), _invite_data())

    assert response.status_code == 302 and response["Location"] == group.get_absolute_url()
    membership = Membership.objects.get(group=group, user__email="ola@example.org")
    assert membership.role == Role.OTHER
    assert AuditEvent.objects.get(action="membership.added").actor == group.adviser
    assert Email.objects.filter(to="ola@example.org").exists()


def test_the_adviser_may_not_invite_in_the_other_roles(client, group):
    client.force_login(group.adviser)
    response = client.post(reverse("dashboard:group_invite", kwargs={"pk": group.pk}), _invite_data(role=Role.LEADER))
    assert response.status_code == 200
    assert response.context["form"].errors["role"] == [
        "Du kan ikke invitere i denne rollen. Velg en av rollene i listen."
    ]
    assert 'value="Ola Kulturhus"' in response.content.decode()  # what was typed is kept
    assert not Membership.objects.filter(user__email="ola@example.org").exists()


def test_the_adviser_of_another_group_and_the_groups_own_members_get_a_404(client, group):
    other = MunicipalityGroupFactory()
    member = MembershipFactory(group=group).user
    url = reverse("dashboard:group_invite", kwargs={"pk": group.pk})
    for person in (other.adviser, member):
        client.force_login(person)
        assert client.post(url, _invite_data()).status_code == 404
    assert not Membership.objects.filter(user__email="ola@example.org").exists()


def test_the_programme_leader_invites_in_any_role_from_the_portal(client, group):
    client.force_login(ProgrammeLeaderFactory())
    client.post(reverse("dashboard:group_invite", kwargs={"pk": group.pk}), _invite_data(role=Role.LEADER))
    assert Membership.objects.get(user__email="ola@example.org").role == Role.LEADER


def test_a_former_member_cannot_be_invited_again_by_the_adviser(client, group):
    MembershipFactory(group=group, user__email="ola@example.org", started_on=_days_ago(50), ended_on=_days_ago(3))
    client.force_login(group.adviser)
    response = client.post(reverse("dashboard:group_invite", kwargs={"pk": group.pk}), _invite_data())
    assert response.context["form"].errors["email"] == [
        "Denne personen har vært med i gruppen før. Programlederen kan ta hen med igjen."
    ]


def test_a_member_whose_end_date_is_still_ahead_is_told_to_be_in_the_group_not_former(client, group):
    MembershipFactory(group=group, user__email="ola@example.org", started_on=_days_ago(50), ended_on=_days_ago(-3))
    client.force_login(group.adviser)
    response = client.post(reverse("dashboard:group_invite", kwargs={"pk": group.pk}), _invite_data())
    assert response.context["form"].errors["email"] == ["Denne personen er allerede med i gruppen."]


def test_a_member_who_ends_today_counts_as_former(client, group):
    MembershipFactory(group=group, user__email="ola@example.org", started_on=_days_ago(50), ended_on=_days_ago(0))
    client.force_login(group.adviser)
    response = client.post(reverse("dashboard:group_invite", kwargs={"pk": group.pk}), _invite_data())
    assert response.context["form"].errors["email"] == [
        "Denne personen har vært med i gruppen før. Programlederen kan ta hen med igjen."
    ]


def test_the_group_page_shows_current_and_former_members_and_the_history(client, group):
    leader = ProgrammeLeaderFactory()
    stays = MembershipFactory(group=group, role=Role.OTHER, started_on=_days_ago(200), user__full_name="Eirin Skjærvø")
    leaves = MembershipFactory(
        group=group, role=Role.RESOURCE_TEACHER, started_on=_days_ago(200), user__full_name="Sigrid Ågotnes"
    )
    MembershipFactory(group=group, role=Role.RESOURCE_TEACHER, started_on=_days_ago(30), user__full_name="Jørgen")
    membership_end(membership=leaves, ended_by=leader, ended_on=_days_ago(30))
    membership_role_change(membership=stays, role=Role.COORDINATOR, changed_by=leader)
    member = MembershipFactory(group=group, role=Role.LEADER).user

    client.force_login(member)
    response = client.get(group.get_absolute_url())

    assert {m.user.full_name for m in response.context["members"]} == {
        "Eirin Skjærvø",
        "Jørgen",
        member.full_name,
    }
    assert [m.user.full_name for m in response.context["former_members"]] == ["Sigrid Ågotnes"]
    html = response.content.decode()
    assert f"{_days_ago(200):%d.%m.%Y}–{_days_ago(30):%d.%m.%Y}" in html
    assert "Sigrid Ågotnes – Sluttet" in html
    assert "Eirin Skjærvø – Byttet rolle fra annen deltaker til koordinator" in html
    assert "Inviter deltaker" not in html  # the members do not invite


def test_a_former_member_is_still_named_on_their_tasks(client, group):
    leaves = MembershipFactory(group=group, started_on=_days_ago(90), user__full_name="Sigrid Ågotnes")
    task = TaskFactory(note__meeting__group=group, responsible_user=leaves.user)
    membership_end(membership=leaves, ended_by=ProgrammeLeaderFactory())

    client.force_login(group.adviser)
    html = client.get(task.note.meeting.get_absolute_url()).content.decode()

    assert "ansvarlig: Sigrid Ågotnes" in html


def test_the_group_page_runs_the_same_queries_however_many_former_members(client, group):
    def count():
        client.force_login(group.adviser)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(group.get_absolute_url()).status_code == 200
        return len(queries)

    MembershipFactory(group=group, started_on=_days_ago(90), ended_on=_days_ago(1))
    one = count()
    for _ in range(5):
        m = MembershipFactory(group=group, started_on=_days_ago(90))
        membership_end(membership=m, ended_by=group.adviser, ended_on=_days_ago(2))
        membership_role_change(membership=m, role=Role.OTHER, changed_by=group.adviser)
    assert count() == one


# After the period


def test_the_programme_leader_records_how_completed_groups_go_on_from_the_admins_list(client):
    completed = MunicipalityGroupFactory(status=MunicipalityGroup.Status.COMPLETED)
    active = MunicipalityGroupFactory()
    client.force_login(ProgrammeLeaderFactory())

    client.post(
        reverse("admin:municipalities_municipalitygroup_changelist"),
        {"action": "continuation_sharing_arena", "_selected_action": [completed.pk, active.pk]},
    )

    completed.refresh_from_db()
    active.refresh_from_db()
    assert completed.continuation == Continuation.SHARING_ARENA and completed.continuation_recorded_at
    assert active.continuation == ""
    assert AuditEvent.objects.filter(action="group.continuation_set", group_id=completed.pk).count() == 1


def test_the_group_page_shows_the_continuation_with_its_note(client):
    group = MunicipalityGroupFactory(
        status=MunicipalityGroup.Status.COMPLETED,
        continuation=Continuation.NETWORK,
        continuation_note="Kulturskolenettverket i Innlandet.",
    )
    client.force_login(MembershipFactory(group=group).user)
    html = client.get(group.get_absolute_url()).content.decode()
    assert "Fortsetter i regionalt nettverk: Kulturskolenettverket i Innlandet." in html


def test_a_continuation_is_refused_for_a_group_that_has_not_completed():
    group = MunicipalityGroupFactory()
    form = MunicipalityGroupAdminForm(
        instance=group,
        data={
            "portfolio": group.portfolio.pk,
            "municipalities": [m.pk for m in group.municipalities.all()],
            "adviser": group.adviser.pk,
            "status": "active",
            "continuation": Continuation.OWN,
        },
    )
    assert not form.is_valid()
    assert form.errors["continuation"] == ["Videre arbeid registreres for grupper som har fullført."]


def test_a_completed_groups_members_keep_working_on_their_plan_in_a_new_version(client):
    group = MunicipalityGroupFactory(status=MunicipalityGroup.Status.COMPLETED)
    leader = MembershipFactory(group=group, role=Role.LEADER).user
    owner = MembershipFactory(group=group, role=Role.OWNER_POLITICAL).user
    plan = DevelopmentPlanFactory(group=group)
    GoalFactory(plan=plan)
    plan_share(plan=plan, user=leader)
    plan_approve(plan=DevelopmentPlan.objects.get(pk=plan.pk), user=owner, notify=False)

    client.force_login(leader)
    assert client.get(reverse("development_plans:plan_edit", kwargs={"pk": plan.pk})).status_code == 200
    goal_create(plan=plan, user=leader, data={"level": Level.LEADER, "title": "Ny drift: fagmøter hver måned"})

    plan.refresh_from_db()
    assert (plan.version, plan.status) == (2, DevelopmentPlan.Status.DRAFT)
    assert plan.versions.filter(number=1).exists()  # the approved version stays


def test_the_portfolio_report_counts_how_the_completed_groups_go_on(client):
    portfolio = PortfolioFactory()
    for number, continuation in [("1804", Continuation.NETWORK), ("5612", Continuation.NETWORK), ("5501", "")]:
        MunicipalityGroupFactory(
            portfolio=portfolio,
            municipalities=[municipality(number)],
            status=MunicipalityGroup.Status.COMPLETED,
            continuation=continuation,
        )
    client.force_login(ProgrammeLeaderFactory())
    html = client.get(reverse("dashboard:report_portfolio", kwargs={"pk": portfolio.pk})).content.decode()
    figures = figures_for([portfolio.pk])[portfolio.pk]
    assert (figures.continuing_in_network, figures.continuing, figures.stopped) == (2, 0, 0)
    assert "Fullførte grupper som fortsetter i regionalt nettverk" in html


def test_the_demo_has_a_former_member_with_a_replacement_a_role_change_and_completed_groups_going_on(client):
    call_command("seed_demo", stdout=io.StringIO())
    bodo = MunicipalityGroup.objects.with_overview().get(name="Bodø", portfolio__status=Portfolio.Status.ACTIVE)
    [former] = former_members(bodo)
    replacement = next(m for m in bodo.present_memberships() if m.role == former.role)
    assert (former.user.full_name, replacement.started_on) == ("Sigrid Ågotnes", former.ended_on)
    assert MembershipChange.objects.filter(membership__group__name="Fauske og Saltdal").exists()
    completed = MunicipalityGroup.objects.filter(status=MunicipalityGroup.Status.COMPLETED).exclude(continuation="")
    assert {g.name for g in completed} >= {"Lillehammer", "Kárášjohka", "Snåase", "Steinkjer"}
    client.force_login(User.objects.get(email="leder.bodo@example.org"))
    html = client.get(bodo.get_absolute_url()).content.decode()
    assert "Tidligere deltakere" in html and "Sigrid Ågotnes – Sluttet" in html
