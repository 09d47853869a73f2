"""A group admitted from an application (issue 15) shows what it applied with: on its page and in the status
matrix, with a link to the application, for the programme leader alone."""

import pytest
from django.urls import reverse

from accounts.tests.factories import ProgrammeLeaderFactory
from applications.models import Application
from applications.review_services import application_decide
from applications.tests.factories import SubmittedApplicationFactory, complete_veiledning_contacts
from municipalities.models import Membership
from municipalities.tests.factories import MunicipalityGroupFactory, municipality

pytestmark = pytest.mark.django_db


@pytest.fixture
def admitted():
    leader = ProgrammeLeaderFactory()
    application = SubmittedApplicationFactory(
        municipalities=[municipality("1804")], motivation="Vi vil bygge kulturskolen som kommunal ressurs."
    )
    complete_veiledning_contacts(application)
    outcome = application_decide(
        application=application,
        decision=Application.Status.ADMITTED,
        letter_text="Velkommen!",
        decided_by=leader,
    )
    return leader, application, outcome.group


def test_the_leader_sees_the_application_on_the_group_page(client, admitted):
    leader, application, group = admitted
    client.force_login(leader)
    page = client.get(group.get_absolute_url()).content.decode()
    assert reverse("application_review:detail", args=[application.pk]) in page
    assert "Søknaden gruppen ble tatt opp på" in page
    assert "Vi vil bygge kulturskolen som kommunal ressurs." in page


def test_a_member_of_the_admitted_group_does_not_see_the_application(client, admitted):
    _leader, application, group = admitted
    member = Membership.objects.filter(group=group).first().user
    client.force_login(member)
    page = client.get(group.get_absolute_url()).content.decode()
    assert "Søknaden gruppen ble tatt opp på" not in page
    assert reverse("application_review:detail", args=[application.pk]) not in page


def test_the_matrix_links_the_application_of_an_admitted_group_and_sorts_by_it(client, admitted):
    leader, application, group = admitted
    MunicipalityGroupFactory(portfolio=group.portfolio, municipalities=[municipality("5612")])
    client.force_login(leader)
    url = reverse("dashboard:portfolio_matrix", args=[group.portfolio.pk])
    response = client.get(url, {"sort": "-soknad"})
    rows = response.context["rows"]
    assert rows[0].group.pk == group.pk
    assert rows[0].application_url == reverse("application_review:detail", args=[application.pk])
    assert rows[1].application_url == ""
    assert f'href="{rows[0].application_url}"' in response.content.decode()
