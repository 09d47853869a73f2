"""The demo's call (applications/demo.py, run by seed_demo): applications in every state the review knows,
each sent in readable by the programme leader (the draft is the applicant's own), the one under review
admittable as it stands."""

import pytest
from django.urls import reverse

from accounts.tests.factories import AdviserFactory, ProgrammeLeaderFactory
from portfolios.tests.factories import PortfolioFactory

from .. import demo
from ..models import Application, Call, ReviewNote
from ..review_services import admission_plan

pytestmark = pytest.mark.django_db


def test_the_demo_has_an_open_call_with_applications_in_every_state_and_is_safe_to_run_again(client):
    portfolio = PortfolioFactory()
    leader = ProgrammeLeaderFactory()
    adviser = AdviserFactory(email=demo.ADVISER_EMAIL)
    call = demo.seed(portfolio=portfolio, leader=leader)

    assert call is not None and call.is_open
    assert call.criteria.count() == 3
    statuses = sorted(call.applications.values_list("status", flat=True))
    assert statuses == sorted(["draft", "submitted", "in_review", "waiting_list", "declined"])
    in_review = call.applications.get(status=Application.Status.IN_REVIEW)
    assert in_review.criterion_checks.filter(met=True).count() == 2
    assert in_review.review_notes.filter(kind=ReviewNote.Kind.NOTE).count() == 2
    assert in_review.review_notes.get(kind=ReviewNote.Kind.ADVISER_COMMENT).author == adviser
    assert Application.objects.visible_to(adviser).get() == in_review
    assert admission_plan(in_review).errors == []
    declined = call.applications.get(status=Application.Status.DECLINED)
    assert declined.letter_text.startswith("Hei Kjell Åge Vefsn,")

    client.force_login(leader)
    for application in call.applications.all():
        expected = 404 if application.status == Application.Status.DRAFT else 200
        assert client.get(reverse("application_review:detail", args=[application.pk])).status_code == expected
    assert "Rødøy" in client.get(reverse("application_review:list")).content.decode()

    assert demo.seed(portfolio=portfolio, leader=leader) is None
    assert Call.objects.count() == 1
