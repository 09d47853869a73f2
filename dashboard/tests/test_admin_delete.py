"""Issue 12: the admin's delete confirmation of a survey with many responses, or of a portfolio with many
groups, costs a fixed number of queries (core.admin.SummarisedDeleteMixin): it counts what would go with
the object instead of naming every row, which took 10 024 queries and 114 s for a survey with 2 000
responses. A portfolio with groups is refused with a Norwegian message saying what to do instead."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import ProgrammeLeaderFactory
from meetings.tests.factories import MeetingFactory
from municipalities.models import Membership, Role
from municipalities.tests.factories import MembershipFactory, MunicipalityGroupFactory, municipality
from portfolios.models import Portfolio
from portfolios.tests.factories import PlanItemFactory, PortfolioFactory
from surveys.models import Answer, Invitation, Response, Survey, level_for_role
from surveys.tests.factories import evaluation_survey

pytestmark = pytest.mark.django_db


def _respond(survey, count):
    """`count` more members of a new group in the survey's portfolio, each with a submitted response that
    answers every scale question and one open question."""
    group = MunicipalityGroupFactory(portfolio=survey.portfolio, municipalities=[municipality("1804")])
    questions = list(survey.questions.filter(kind__in=["scale", "text"]))
    for _ in range(count):
        membership = MembershipFactory(group=group, role=Role.LEADER)
        invitation = Invitation(
            survey=survey, user=membership.user, group=group, role=membership.role, level=level_for_role(Role.LEADER)
        )
        invitation.set_token()
        invitation.save()
        response = Response.objects.create(
            survey=survey, invitation=invitation, level=invitation.level, submitted_at=timezone.now()
        )
        Answer.objects.bulk_create(
            Answer(
                response=response, question=q, value=4 if q.kind == "scale" else None, text="Bra." * (q.kind == "text")
            )
            for q in questions
        )


def _queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), response.content.decode()


def test_a_surveys_delete_page_costs_the_same_with_3_and_30_responses_and_counts_them(client):
    client.force_login(ProgrammeLeaderFactory())
    survey = evaluation_survey(PortfolioFactory(), open_now=False)
    url = reverse("admin:surveys_survey_delete", args=[survey.pk])
    _respond(survey, 3)
    few, _ = _queries(client, url)
    _respond(survey, 27)
    many, html = _queries(client, url)
    # Before the summary: 25 queries with 3 responses and 52 with 30, as each invitation was named with a
    # query of its own (its person); with 2 000 responses, 6 048.
    assert many == few
    answers = Answer.objects.filter(response__survey=survey).count()
    assert "Besvarelser: 30" in html
    assert f"Svar: {answers}" in html
    assert "Invitasjoner til spørreundersøkelse: 30" in html
    assert "antallet av hver sort står i sammendraget" in html


def test_the_confirmed_delete_still_deletes_the_survey_and_all_that_goes_with_it(client):
    client.force_login(ProgrammeLeaderFactory())
    survey = evaluation_survey(PortfolioFactory(), open_now=False)
    _respond(survey, 3)
    response = client.post(reverse("admin:surveys_survey_delete", args=[survey.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert not Survey.objects.filter(pk=survey.pk).exists()
    assert not Response.objects.exists()
    assert not Answer.objects.exists()


def test_slett_valgte_summarises_too(client):
    client.force_login(ProgrammeLeaderFactory())
    surveys = [evaluation_survey(PortfolioFactory(), open_now=False) for _ in range(2)]
    _respond(surveys[0], 4)
    data = {"action": "delete_selected", "_selected_action": [s.pk for s in surveys], "index": "0"}
    html = client.post(reverse("admin:surveys_survey_changelist"), data).content.decode()
    assert "Spørreundersøkelser: 2" in html
    assert "Besvarelser: 4" in html


def test_a_portfolio_with_groups_is_refused_in_the_same_queries_with_2_and_10_groups_saying_what_to_do(client):
    client.force_login(ProgrammeLeaderFactory())
    portfolio = PortfolioFactory()
    PlanItemFactory.create_batch(3, portfolio=portfolio)
    url = reverse("admin:portfolios_portfolio_delete", args=[portfolio.pk])
    numbers = ["1804", "1841", "1840", "5612", "5501", "3405", "5610", "5041", "5006", "3407"]

    def add_groups(count, start):
        for number in numbers[start : start + count]:
            group = MunicipalityGroupFactory(portfolio=portfolio, municipalities=[municipality(number)])
            MembershipFactory.create_batch(2, group=group)
            MeetingFactory(group=group, starts_at=timezone.now() + timedelta(days=20))

    add_groups(2, 0)
    few, _ = _queries(client, url)
    add_groups(8, 2)
    many, html = _queries(client, url)
    # Before the summary: 18 queries with 2 groups and 34 with 10 (every group, member and meeting named).
    assert many == few
    assert "Kommunegrupper: 10" in html
    assert "Sett status til «Avsluttet» i stedet" in html
    assert 'name="post"' not in html  # no button to confirm
    client.post(url, {"post": "yes"})
    assert Portfolio.objects.filter(pk=portfolio.pk).exists()
    assert Membership.objects.filter(group__portfolio=portfolio).count() == 20


def test_a_portfolio_without_groups_can_still_be_deleted_with_its_plan(client):
    client.force_login(ProgrammeLeaderFactory())
    portfolio = PortfolioFactory()
    PlanItemFactory.create_batch(3, portfolio=portfolio)
    url = reverse("admin:portfolios_portfolio_delete", args=[portfolio.pk])
    assert "Plan for gjennomføring: 3" in client.get(url).content.decode()
    assert client.post(url, {"post": "yes"}).status_code == 302
    assert not Portfolio.objects.filter(pk=portfolio.pk).exists()
