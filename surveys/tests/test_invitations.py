"""Invitations to the portfolio's members with the chosen roles, and e-mail rounds sent exactly once."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from core.models import Email
from core.testing.mail import deliver_outbox
from municipalities.tests.factories import MembershipFactory, MunicipalityGroupFactory
from portfolios.tests.factories import PortfolioFactory
from surveys.models import Delivery, Invitation, Mailing
from surveys.services import (
    SurveyError,
    deliveries_hand_over,
    invitations_create,
    reminder_round_start,
    response_submit,
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


def test_invitations_go_to_members_with_the_chosen_roles_with_their_level(survey):
    assert invitations_create(survey=survey) == 6
    assert deliveries_hand_over() == 6
    invitations = Invitation.objects.filter(survey=survey)
    assert sorted(invitations.values_list("level", flat=True)) == ["eier", "eier", "laerer", "laerer", "leder", "leder"]
    assert len(deliver_outbox()) == 6
    message = mail.outbox[0]
    assert "/sporreundersokelse/svar/" in message.body
    invitation = Invitation.objects.get(user__email=message.to[0])
    assert invitation.get_answer_url() in message.body


def test_inviting_again_invites_only_new_members(survey):
    invitations_create(survey=survey)
    group = survey.portfolio.groups.first()
    MembershipFactory(group=group, role="leader")
    assert invitations_create(survey=survey) == 1
    deliveries_hand_over()
    assert len(deliver_outbox()) == 7


def test_a_reminder_round_reaches_only_those_who_have_not_submitted_and_never_twice(survey):
    invitations_create(survey=survey)
    deliveries_hand_over()
    deliver_outbox()
    invitations = list(Invitation.objects.filter(survey=survey))
    answer(invitations[0], {})
    answer(invitations[1], {}, submit=False)
    mail.outbox.clear()
    assert reminder_round_start(survey=survey) == 5
    deliveries_hand_over()
    assert len(deliver_outbox()) == 5
    assert invitations[0].user.email not in {m.to[0] for m in mail.outbox}
    started = next(m for m in mail.outbox if m.to[0] == invitations[1].user.email)
    assert "Du har begynt på" in started.body
    # Running the hand-over and the sender again (a retried task, a second worker) sends nothing more.
    assert deliveries_hand_over() == 0
    assert len(deliver_outbox()) == 5
    # The same round cannot get a second row for an invitation.
    mailing = Mailing.objects.get(kind=Mailing.Kind.REMINDER)
    Delivery.objects.bulk_create([Delivery(mailing=mailing, invitation=invitations[2])], ignore_conflicts=True)
    assert Delivery.objects.filter(mailing=mailing, invitation=invitations[2]).count() == 1


def test_someone_who_submits_before_the_reminder_goes_out_is_skipped_with_the_reason(survey):
    invitations_create(survey=survey)
    deliveries_hand_over()
    reminder_round_start(survey=survey)  # queued, not yet sent
    first = Invitation.objects.filter(survey=survey).first()
    answer(first, {})
    assert deliveries_hand_over() == 5
    skipped = Delivery.objects.get(invitation=first, mailing__kind="reminder")
    assert skipped.status == Delivery.Status.SKIPPED
    assert skipped.reason == "Har allerede svart."


def test_a_reminder_waiting_in_the_outbox_is_stopped_when_the_person_answers(survey):
    invitations_create(survey=survey)
    deliveries_hand_over()
    reminder_round_start(survey=survey)
    deliveries_hand_over()  # in the outbox, not yet sent (the mail server may be down)
    first = Invitation.objects.filter(survey=survey).first()
    survey.questions.update(required=False)
    response_submit(response=answer(first, {}, submit=False))
    reminder = Delivery.objects.get(invitation=first, mailing__kind="reminder").email
    assert reminder.status == Email.Status.CANCELLED
    assert first.user.email not in {m.to[0] for m in deliver_outbox() if m.subject.startswith("Påminnelse")}


def test_no_reminder_round_after_closing():
    survey = SurveyFactory()
    survey.closes_at = survey.opens_at + (survey.closes_at - survey.opens_at) / 1000
    survey.save(update_fields=["closes_at"])
    with pytest.raises(SurveyError):
        reminder_round_start(survey=survey)


def test_the_command_for_set_ups_without_redis_sends_what_waits_once(survey):
    invitations_create(survey=survey)  # queued; without a broker nothing else starts the hand-over
    call_command("send_due_reminders")
    assert len(mail.outbox) == 6
    call_command("send_due_reminders")
    assert len(mail.outbox) == 6


def test_a_second_reminder_round_within_an_hour_is_refused(survey):
    invitations_create(survey=survey)
    assert reminder_round_start(survey=survey) == 6
    with pytest.raises(SurveyError, match="vent minst en time"):
        reminder_round_start(survey=survey)
    assert Mailing.objects.filter(kind=Mailing.Kind.REMINDER).count() == 1
    # An hour later a new round may start.
    Mailing.objects.filter(kind=Mailing.Kind.REMINDER).update(created_at=timezone.now() - timedelta(minutes=61))
    assert reminder_round_start(survey=survey) == 6
    deliveries_hand_over()
    assert len(deliver_outbox()) == 6 + 2 * 6


def test_the_hand_over_costs_a_fixed_number_of_queries_however_many_e_mails(survey, django_assert_num_queries):
    for _ in range(20):
        MembershipFactory(group=survey.portfolio.groups.first(), role="leader")
    assert invitations_create(survey=survey) == 26
    # The claim (savepoint, select for update); the claimed rows with their invitations, surveys and
    # responses; the e-mails (one insert); the deliveries (one update); release; the empty second claim
    # (savepoint, select, release).
    with django_assert_num_queries(6 + 3):
        assert deliveries_hand_over() == 26


def test_an_invitation_sent_before_opening_says_when_the_survey_opens(survey):
    opens = timezone.now() + timedelta(days=3)
    survey.opens_at, survey.closes_at = opens, opens + timedelta(days=14)
    survey.save(update_fields=["opens_at", "closes_at"])
    invitations_create(survey=survey)
    deliveries_hand_over()
    body = deliver_outbox()[0].body
    assert f"Undersøkelsen åpner {timezone.localtime(opens):%d.%m.%Y kl. %H.%M}" in body


def test_a_deactivated_person_is_skipped_with_the_reason(survey):
    invitations_create(survey=survey)
    invitation = Invitation.objects.filter(survey=survey).first()
    invitation.user.is_active = False
    invitation.user.save(update_fields=["is_active"])
    assert deliveries_hand_over() == 5
    skipped = Delivery.objects.get(invitation=invitation)
    assert (skipped.status, skipped.reason) == (Delivery.Status.SKIPPED, "Deltakeren er deaktivert.")
