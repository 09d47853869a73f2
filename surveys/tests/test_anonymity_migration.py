"""The data migration for the responses submitted before anonymous surveys were unlinked on submit
(surveys/migrations/0006): they lose their invitation and their times, their invitations record the use."""

import importlib
from datetime import timedelta

import pytest
from django.apps import apps
from django.utils import timezone

from portfolios.tests.factories import PortfolioFactory
from surveys.models import Invitation, Response
from surveys.tests.factories import evaluation_survey, invite

pytestmark = pytest.mark.django_db

migration = importlib.import_module("surveys.migrations.0006_unlink_submitted_anonymous_responses")


def _submitted_the_old_way(survey, at):
    """A response as a submit left it before: linked to its invitation, with its own times."""
    invitation, _ = invite(survey)
    Response.objects.create(survey=survey, invitation=invitation, level=invitation.level, submitted_at=at)
    return invitation


def test_existing_anonymous_responses_are_unlinked_and_their_invitations_marked_used():
    at = timezone.now() - timedelta(hours=3)
    anonymous = evaluation_survey(PortfolioFactory())
    named = evaluation_survey(PortfolioFactory(), anonymous=False)
    gone = _submitted_the_old_way(anonymous, at)
    kept = _submitted_the_old_way(named, at)
    draft, _ = invite(anonymous)
    Response.objects.create(survey=anonymous, invitation=draft, level=draft.level)

    migration.forwards(apps, None)

    unlinked = Response.objects.get(survey=anonymous, submitted_at__isnull=False)
    assert unlinked.invitation_id is None
    assert unlinked.started_at == unlinked.updated_at == unlinked.submitted_at == anonymous.opens_at
    assert Invitation.objects.get(pk=gone.pk).used_at == anonymous.opens_at  # used, not when
    # A survey that is not anonymous keeps its link and its time; a draft stays as it was.
    assert Response.objects.get(survey=named).invitation_id == kept.pk
    assert Response.objects.get(survey=named).submitted_at == at
    assert Invitation.objects.get(pk=kept.pk).used_at == at
    assert Response.objects.get(invitation=draft).submitted_at is None
    assert Invitation.objects.get(pk=draft.pk).used_at is None
