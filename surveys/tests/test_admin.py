"""The survey builder in the admin: the pages open, and the actions copy, invite and remind."""

import pytest
from django.core import mail

from accounts.tests.factories import AdviserFactory, ProgrammeLeaderFactory
from core.testing.mail import deliver_outbox
from municipalities.tests.factories import MembershipFactory, MunicipalityGroupFactory
from portfolios.tests.factories import PortfolioFactory
from surveys.models import Delivery, Invitation, Survey
from surveys.services import deliveries_hand_over
from surveys.tests.factories import evaluation_survey

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/surveys/survey/"


@pytest.fixture
def survey():
    portfolio = PortfolioFactory()
    group = MunicipalityGroupFactory(portfolio=portfolio)
    for role in ("owner_political", "leader", "resource_teacher"):
        MembershipFactory(group=group, role=role)
    return evaluation_survey(portfolio)


def test_the_programme_leader_builds_surveys_in_the_admin(client, survey):
    client.force_login(ProgrammeLeaderFactory())
    assert client.get(CHANGELIST).status_code == 200
    html = client.get(f"{CHANGELIST}{survey.pk}/change/").content.decode()
    assert "I hvilken grad har veiledningsarbeidet vært forankret i kommunen?" in html
    assert "Roller som spørres" in html
    question = survey.questions.get(key="organisering")
    assert "Digitale mellommøter" in client.get(f"/admin/surveys/question/{question.pk}/change/").content.decode()
    assert client.get(f"{CHANGELIST}add/").status_code == 200


def test_an_adviser_cannot_open_the_survey_admin(client, survey):
    client.force_login(AdviserFactory())
    assert client.get(f"{CHANGELIST}{survey.pk}/change/").status_code in (302, 403)


def test_the_copy_action_copies_to_the_chosen_portfolio(client, survey):
    client.force_login(ProgrammeLeaderFactory())
    target = PortfolioFactory(name="Portefølje 5, 2025–26")
    data = {"action": "copy_to_portfolio", "_selected_action": [survey.pk]}
    assert "Til portefølje" in client.post(CHANGELIST, data).content.decode()
    response = client.post(CHANGELIST, {**data, "apply": "1", "portfolio": target.pk})
    assert response.status_code == 302
    copy = Survey.objects.get(portfolio=target)
    assert copy.copied_from == survey
    assert copy.questions.count() == survey.questions.count() == 16


def test_the_invite_and_reminder_actions(client, survey):
    client.force_login(ProgrammeLeaderFactory())
    client.post(CHANGELIST, {"action": "send_invitations", "_selected_action": [survey.pk]})
    # Without a broker the e-mails wait for the sender that cron runs (send_due_reminders).
    deliveries_hand_over()
    assert Invitation.objects.filter(survey=survey).count() == 3
    assert len(deliver_outbox()) == 3
    client.post(CHANGELIST, {"action": "start_reminder_round", "_selected_action": [survey.pk]})
    deliveries_hand_over()
    assert len(deliver_outbox()) == 6
    assert mail.outbox[-1].subject.startswith("Påminnelse:")
    assert Delivery.objects.filter(email__status="sent").count() == 6


def test_with_the_broker_unreachable_inviting_succeeds_and_the_emails_wait(
    client, survey, settings, django_capture_on_commit_callbacks
):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    client.force_login(ProgrammeLeaderFactory())
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(CHANGELIST, {"action": "send_invitations", "_selected_action": [survey.pk]})
    assert callbacks and response.status_code == 302
    assert Invitation.objects.filter(survey=survey).count() == 3
    assert deliveries_hand_over() == 3
    assert len(deliver_outbox()) == 3


def test_a_second_reminder_round_within_the_hour_is_refused_in_the_admin(client, survey):
    client.force_login(ProgrammeLeaderFactory())
    client.post(CHANGELIST, {"action": "send_invitations", "_selected_action": [survey.pk]})
    client.post(CHANGELIST, {"action": "start_reminder_round", "_selected_action": [survey.pk]})
    response = client.post(CHANGELIST, {"action": "start_reminder_round", "_selected_action": [survey.pk]}, follow=True)
    assert "vent minst en time" in response.content.decode()
    assert Delivery.objects.filter(mailing__kind="reminder").count() == 3
