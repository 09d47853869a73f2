"""Follow-up meetings (oppfølgingsmøter) with a completed group after its period (issue 16)."""

import pytest
from django.urls import reverse

from accounts.tests.factories import AdviserFactory, ProgrammeLeaderFactory
from meetings.models import Meeting, Reminder
from meetings.selectors import meetings_for_user
from meetings.services import MeetingError, follow_up_add
from meetings.tests.factories import in_days, schedule_data
from municipalities.models import MunicipalityGroup, Role
from municipalities.tests.factories import MembershipFactory, MunicipalityGroupFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def completed():
    group = MunicipalityGroupFactory(status=MunicipalityGroup.Status.COMPLETED)
    MembershipFactory(group=group, role=Role.LEADER, user__email="leder@example.org")
    return group


def _url(group):
    return reverse("meetings:follow_up_new", kwargs={"group_pk": group.pk})


def test_the_adviser_plans_a_follow_up_a_year_on_and_it_gets_reminders_and_shows_on_the_meetings_page(
    client, completed
):
    client.force_login(completed.adviser)
    form = client.get(_url(completed))
    # The form suggests a day a year after the agreement period (or soon, if that has passed).
    assert form.status_code == 200
    assert "Oppfølgingsmøte" in form.content.decode()
    response = client.post(
        _url(completed), schedule_data(title="Oppfølgingsmøte ett år etter", day=in_days(20).date().isoformat())
    )
    meeting = Meeting.objects.get(group=completed, kind=Meeting.Kind.FOLLOW_UP)
    assert response.status_code == 302
    assert (meeting.title, meeting.status) == ("Oppfølgingsmøte ett år etter", Meeting.Status.CONFIRMED)
    recipients = set(
        Reminder.objects.filter(meeting=meeting, kind=Reminder.Kind.BEFORE_MEETING).values_list(
            "recipient__email", flat=True
        )
    )
    assert recipients == {"leder@example.org", completed.adviser.email}
    assert meeting in meetings_for_user(completed.adviser)  # in the adviser's calendar feed too
    client.force_login(completed.memberships.get().user)
    page = client.get(reverse("meetings:group_meetings", kwargs={"group_pk": completed.pk})).content.decode()
    assert "Oppfølgingsmøte ett år etter" in page
    assert "Planlegg oppfølgingsmøte" not in page


def test_only_the_groups_adviser_and_the_programme_leader_plan_follow_ups(client, completed):
    for user, status in (
        (completed.adviser, 200),
        (ProgrammeLeaderFactory(), 200),
        (completed.memberships.get().user, 404),
        (AdviserFactory(), 404),
    ):
        client.force_login(user)
        assert client.get(_url(completed)).status_code == status


def test_a_group_still_in_its_period_has_no_follow_up(client):
    group = MunicipalityGroupFactory()
    with pytest.raises(MeetingError, match="fullført perioden"):
        follow_up_add(
            group=group,
            title="Oppfølgingsmøte",
            starts_at=in_days(5),
            ends_at=in_days(5, hour=12),
            format=Meeting.Format.DIGITAL,
            user=group.adviser,
        )
    client.force_login(group.adviser)
    assert client.get(_url(group)).status_code == 404
