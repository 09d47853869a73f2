"""Invitations to the portfolio's members with the chosen roles, and e-mail rounds sent exactly once."""

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from municipalities.tests.factories import MembershipFactory, MunicipalityGroupFactory
from portfolios.tests.factories import PortfolioFactory
from surveys.models import Delivery, Invitation, Mailing
from surveys.services import (
    SurveyError,
    deliveries_recover_stuck,
    deliveries_send_due,
    invitations_create,
    reminder_round_start,
)
from surveys.tests.factories import SurveyFactory, answer, evaluation_survey

pytestmark = pytest.mark.django_db


@pytest.fixture
def survey(django_capture_on_commit_callbacks):
    portfolio = PortfolioFactory()
    for _ in range(2):
        group = MunicipalityGroupFactory(portfolio=portfolio)
        for role in ("owner_political", "leader", "resource_teacher", "other"):
            MembershipFactory(group=group, role=role)
    MembershipFactory(role="leader")  # another portfolio's member
    return evaluation_survey(portfolio)


def test_invitations_go_to_members_with_the_chosen_roles_with_their_level(survey, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assert invitations_create(survey=survey) == 6
    invitations = Invitation.objects.filter(survey=survey)
    assert sorted(invitations.values_list("level", flat=True)) == ["eier", "eier", "laerer", "laerer", "leder", "leder"]
    assert len(mail.outbox) == 6
    message = mail.outbox[0]
    assert "/sporreundersokelse/svar/" in message.body
    invitation = Invitation.objects.get(user__email=message.to[0])
    assert invitation.get_answer_url() in message.body


def test_inviting_again_invites_only_new_members(survey, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        invitations_create(survey=survey)
        group = survey.portfolio.groups.first()
        MembershipFactory(group=group, role="leader")
        assert invitations_create(survey=survey) == 1
    assert len(mail.outbox) == 7


def test_a_reminder_round_reaches_only_those_who_have_not_submitted_and_never_twice(
    survey, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invitations_create(survey=survey)
    invitations = list(Invitation.objects.filter(survey=survey))
    answer(invitations[0], {})
    answer(invitations[1], {}, submit=False)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert reminder_round_start(survey=survey) == 5
    assert len(mail.outbox) == 5
    assert invitations[0].user.email not in {m.to[0] for m in mail.outbox}
    started = next(m for m in mail.outbox if m.to[0] == invitations[1].user.email)
    assert "Du har begynt på" in started.body
    # Running the sender again (a retried task, a second worker) sends nothing more.
    assert deliveries_send_due() == 0
    assert len(mail.outbox) == 5
    # The same round cannot get a second row for an invitation.
    mailing = Mailing.objects.get(kind=Mailing.Kind.REMINDER)
    Delivery.objects.bulk_create([Delivery(mailing=mailing, invitation=invitations[2])], ignore_conflicts=True)
    assert Delivery.objects.filter(mailing=mailing, invitation=invitations[2]).count() == 1


def test_someone_who_submits_before_the_reminder_goes_out_is_skipped(survey, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        invitations_create(survey=survey)
    mail.outbox.clear()
    reminder_round_start(survey=survey)  # queued, not yet sent (on_commit not run)
    first = Invitation.objects.filter(survey=survey).first()
    answer(first, {})
    assert deliveries_send_due() == 5
    assert Delivery.objects.get(invitation=first, mailing__kind="reminder").status == Delivery.Status.SKIPPED


def test_a_failed_send_is_retried_and_a_stuck_one_is_never_sent_again(survey, monkeypatch):
    invitations_create(survey=survey)
    calls = []

    def broken(**kwargs):
        calls.append(kwargs)
        raise OSError("SMTP nede")

    monkeypatch.setattr("surveys.services.send_templated_mail", broken)
    assert deliveries_send_due() == 0
    assert Delivery.objects.filter(status=Delivery.Status.PENDING).count() == 6
    assert Delivery.objects.filter(last_error="SMTP nede").count() == 6
    assert deliveries_send_due() == 0  # not due again yet
    assert len(calls) == 6
    monkeypatch.undo()
    Delivery.objects.update(due_at=timezone.now())
    Delivery.objects.filter(pk=Delivery.objects.first().pk).update(
        status=Delivery.Status.SENDING, claimed_at="2020-01-01T00:00:00Z"
    )
    deliveries_recover_stuck()
    assert deliveries_send_due() == 5
    assert Delivery.objects.filter(status=Delivery.Status.FAILED).count() == 1


def test_no_reminder_round_after_closing():
    survey = SurveyFactory()
    survey.closes_at = survey.opens_at + (survey.closes_at - survey.opens_at) / 1000
    survey.save(update_fields=["closes_at"])
    with pytest.raises(SurveyError):
        reminder_round_start(survey=survey)


def test_the_command_for_set_ups_without_redis_sends_what_waits_once(survey):
    invitations_create(survey=survey)  # queued; the on-commit task does not run inside the test
    call_command("send_due_reminders")
    assert len(mail.outbox) == 6
    call_command("send_due_reminders")
    assert len(mail.outbox) == 6
