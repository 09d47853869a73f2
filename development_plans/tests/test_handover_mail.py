"""The e-mails at a plan's hand-overs: shared (to the adviser), waiting for approval (to the owners who may
approve) and approved (to the adviser and the group's current members), through the outbox, each person
once and never the person who did it."""

from datetime import timedelta

import pytest
from django.utils import timezone

from core.models import Email
from core.testing.mail import deliver_outbox
from municipalities.models import Role
from municipalities.tests.factories import MembershipFactory

from .. import services
from .factories import DevelopmentPlanFactory, GoalFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def group():
    """A group with a plan that has a goal, and people in every position the e-mails tell apart."""
    plan = DevelopmentPlanFactory(group__name="Guovdageaidnu")
    GoalFactory(plan=plan)
    group = plan.group
    group.people = {
        "leader": MembershipFactory(group=group, role=Role.LEADER, user__full_name="Sárá Hætta").user,
        "owner": MembershipFactory(group=group, role=Role.OWNER_POLITICAL, user__full_name="Ánte Gaup").user,
        "director": MembershipFactory(group=group, role=Role.MUNICIPAL_DIRECTOR).user,
        "teacher": MembershipFactory(group=group, role=Role.RESOURCE_TEACHER).user,
        # An owner who has left: no longer approves, and hears nothing.
        "former_owner": MembershipFactory(
            group=group, role=Role.OWNER_ADMINISTRATIVE, ended_on=timezone.localdate() - timedelta(days=1)
        ).user,
    }
    return group


def _sent(template):
    return sorted(Email.objects.filter(template=template).values_list("to", flat=True))


def _emails(group, *names):
    return sorted(group.people[name].email for name in names)


def test_sharing_tells_the_adviser_and_asks_the_owners_who_may_approve(group, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.plan_share(plan=group.development_plan, user=group.people["leader"])

    assert _sent("development_plans/email/shared") == [group.adviser.email]
    assert _sent("development_plans/email/awaiting_approval") == _emails(group, "owner", "director")
    plan_url = f"/utviklingsplaner/{group.development_plan.pk}/"
    asked = Email.objects.get(template="development_plans/email/awaiting_approval", to=group.people["owner"].email)
    assert asked.subject == "Utviklingsplanen til Guovdageaidnu venter på godkjenningen din"
    assert plan_url in asked.body
    assert "Hei, Ánte Gaup!" in asked.body
    assert "Sárá Hætta har delt utviklingsplanen" in asked.body
    told = Email.objects.get(template="development_plans/email/shared")
    assert told.subject == "Utviklingsplanen til Guovdageaidnu er delt med deg"
    assert plan_url in told.body
    # Through the outbox: nothing leaves until the worker sends it, and then each goes once.
    assert len(deliver_outbox()) == 3


def test_an_owner_who_shares_is_not_asked_to_approve_what_they_shared(group, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.plan_share(plan=group.development_plan, user=group.people["owner"])

    assert _sent("development_plans/email/awaiting_approval") == _emails(group, "director")
    assert _sent("development_plans/email/shared") == [group.adviser.email]


def test_approval_tells_the_adviser_and_every_current_member_but_the_approver_once(
    group, django_capture_on_commit_callbacks
):
    services.plan_share(plan=group.development_plan, user=group.people["leader"])
    Email.objects.all().delete()

    with django_capture_on_commit_callbacks(execute=True):
        services.plan_approve(plan=group.development_plan, user=group.people["owner"])

    approved = _sent("development_plans/email/approved")
    assert approved == sorted([group.adviser.email, *_emails(group, "leader", "director", "teacher")])
    assert Email.objects.count() == 4
    email = Email.objects.get(to=group.adviser.email)
    assert email.subject == "Utviklingsplanen til Guovdageaidnu er godkjent"
    assert "Ánte Gaup har godkjent utviklingsplanen til Guovdageaidnu (versjon 1)" in email.body
    assert f"/utviklingsplaner/{group.development_plan.pk}/" in email.body


def test_a_refused_hand_over_queues_nothing(group, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(services.PlanStateError):
        services.plan_approve(plan=group.development_plan, user=group.people["owner"])

    assert not Email.objects.exists()
