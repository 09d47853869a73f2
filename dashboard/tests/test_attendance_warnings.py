"""The warning that a group's owner or kulturskoleleder missed its last two guidance meetings (issue 16), on
the group's page for its staff and in the programme leader's status matrix."""

import pytest
from django.urls import reverse

from accounts.tests.factories import ProgrammeLeaderFactory
from dashboard.todo import TodoItem, leader_todo
from meetings.models import Meeting
from meetings.services import attendance_record
from meetings.tests.factories import MeetingFactory, in_days
from municipalities.models import Role
from municipalities.tests.factories import MembershipFactory, MunicipalityGroupFactory

pytestmark = pytest.mark.django_db

OWNER_AWAY = "Kulturskoleeier var ikke med på de to siste veiledningsmøtene."


@pytest.fixture
def group():
    """A group whose kulturskoleleder came to its last two guidance meetings and whose owner came to neither."""
    group = MunicipalityGroupFactory(name="Bodø")
    MembershipFactory(group=group, role=Role.OWNER_POLITICAL)
    leader = MembershipFactory(group=group, role=Role.LEADER)
    for days in (20, 10):
        meeting = MeetingFactory(group=group, status=Meeting.Status.HELD, starts_at=in_days(-days))
        attendance_record(meeting=meeting, memberships=[leader], guests=[], user=group.adviser)
    return group


def test_the_group_page_warns_its_adviser_and_the_programme_leader_and_not_its_members(client, group):
    for user in (group.adviser, ProgrammeLeaderFactory()):
        client.force_login(user)
        assert OWNER_AWAY in client.get(group.get_absolute_url()).content.decode()
    client.force_login(group.memberships.get(role=Role.LEADER).user)
    assert OWNER_AWAY not in client.get(group.get_absolute_url()).content.decode()


def test_the_status_matrix_warns_on_the_groups_row_and_not_on_the_others(client, group):
    other = MunicipalityGroupFactory(portfolio=group.portfolio, name="Saltdal")
    MembershipFactory(group=other, role=Role.OWNER_POLITICAL)
    leader = ProgrammeLeaderFactory()
    client.force_login(leader)
    response = client.get(reverse("dashboard:portfolio_matrix", kwargs={"pk": group.portfolio.pk}))
    rows = {row.group.pk: row for row in response.context["rows"]}
    assert rows[group.pk].attendance_warnings == [OWNER_AWAY]
    assert rows[other.pk].attendance_warnings == []
    assert OWNER_AWAY in response.content.decode()


def test_the_programme_leaders_todo_names_the_group_and_links_to_its_page(group):
    assert TodoItem(f"Bodø: {OWNER_AWAY}", group.get_absolute_url()) in leader_todo()
