"""What a person keeps once their part in a group is over (issue 13): the contracts and the approved plan,
and nothing else; the permission matrices check every URL, these the pages' content and the links."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from contracts.models import Contract
from development_plans.models import PlanVersion
from development_plans.tests.factories import DevelopmentPlanFactory
from meetings.tests.factories import MeetingFactory
from municipalities.models import Membership, MunicipalityGroup, Role
from municipalities.tests.factories import MembershipFactory, MunicipalityGroupFactory, municipality
from surveys.services import invitations_create
from surveys.tests.factories import evaluation_survey, invite


@pytest.fixture
def former(db):
    group = MunicipalityGroupFactory(municipalities=[municipality("1804")])
    membership = MembershipFactory(group=group, role=Role.LEADER)
    contract = Contract.objects.create(group=group, municipality=municipality("1804"), status=Contract.Status.SENT)
    plan = DevelopmentPlanFactory(group=group, version=2)
    version = PlanVersion.objects.create(
        plan=plan, number=1, approved_by=membership.user, approved_at=timezone.now(), snapshot={"plan": {}, "goals": []}
    )
    return {"group": group, "membership": membership, "contract": contract, "version": version}


def _end(membership, days_ago=0):
    membership.ended_on = timezone.localdate() - timedelta(days=days_ago)
    membership.save(update_fields=["ended_on"])


def test_a_membership_ends_on_its_day_and_not_before(former):
    membership = former["membership"]
    membership.ended_on = timezone.localdate() + timedelta(days=1)
    membership.save(update_fields=["ended_on"])
    assert Membership.objects.current().filter(pk=membership.pk).exists()
    _end(membership)
    assert not Membership.objects.current().filter(pk=membership.pk).exists()
    assert not membership.gives_access(former["group"])


@pytest.mark.parametrize("how", ["ended", "group_ended_early"])
def test_a_former_member_lands_on_their_contracts_and_approved_plan(client, former, how):
    if how == "ended":
        _end(former["membership"], days_ago=3)
    else:
        MunicipalityGroup.objects.filter(pk=former["group"].pk).update(status="ended_early", ended_reason="Flyttet.")
    client.force_login(former["membership"].user)

    response = client.get(reverse("dashboard:home"))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Kommunegrupper du ikke lenger er med i" in html
    assert former["contract"].get_absolute_url() in html
    assert former["version"].get_absolute_url() in html
    assert former["group"].get_absolute_url() not in html
    assert client.get(former["contract"].get_absolute_url()).status_code == 200
    version_page = client.get(former["version"].get_absolute_url())
    assert version_page.status_code == 200
    # The version page offers no way into the pages that are closed to them.
    assert former["version"].plan.get_absolute_url() + '"' not in version_page.content.decode()
    assert client.get(former["group"].get_absolute_url()).status_code == 404
    assert client.get(former["version"].plan.get_absolute_url()).status_code == 404


def test_a_former_members_survey_link_says_it_no_longer_applies(client, former):
    survey = evaluation_survey(former["group"].portfolio)
    _, token = invite(survey, group=former["group"], user=former["membership"].user)
    _end(former["membership"])

    response = client.get(reverse("surveys:answer", kwargs={"token": token}))

    assert response.status_code == 410
    assert "Lenken gjelder ikke lenger" in response.content.decode()


def test_a_survey_is_not_sent_to_former_members(former):
    survey = evaluation_survey(former["group"].portfolio)
    survey.roles = [Role.LEADER]
    survey.save(update_fields=["roles"])
    staying = MembershipFactory(group=former["group"], role=Role.LEADER)
    _end(former["membership"])

    invitations_create(survey=survey, notify=False)

    assert list(survey.invitations.values_list("user", flat=True)) == [staying.user_id]


def test_the_calendar_feed_leaves_out_a_group_one_has_left(client, former):
    from meetings.services import calendar_feed_renew

    other = MembershipFactory(user=former["membership"].user).group
    left = MeetingFactory(group=former["group"])
    kept = MeetingFactory(group=other)
    token = calendar_feed_renew(user=former["membership"].user)
    _end(former["membership"])

    body = client.get(reverse("meetings:calendar_feed", kwargs={"token": token})).content.decode()

    assert str(kept.uid) in body
    assert str(left.uid) not in body


def test_a_former_member_is_no_longer_told_about_the_groups_meetings(former):
    from meetings.services import _participants_by_meeting, meeting_participants

    staying = MembershipFactory(group=former["group"])
    meeting = MeetingFactory(group=former["group"])
    _end(former["membership"])

    assert set(meeting_participants(meeting)) == {staying.user, former["group"].adviser}
    assert former["membership"].user_id not in _participants_by_meeting([meeting])[meeting.pk]


def test_someone_who_has_left_is_no_longer_offered_as_responsible_but_stays_where_already_named(former):
    from development_plans.forms import MeasureForm
    from development_plans.tests.factories import MeasureFactory

    group, leaver = former["group"], former["membership"].user
    stays = MembershipFactory(group=group, role=Role.OWNER_POLITICAL).user
    _end(former["membership"], days_ago=1)

    offered = MeasureForm(group=group).fields["responsible_person"].queryset
    assert set(offered) == {stays}

    named = MeasureFactory(responsible_person=leaver)
    assert set(MeasureForm(group=group, instance=named).fields["responsible_person"].queryset) == {stays, leaver}


def test_a_former_member_shows_their_expired_contract_as_expired(client, former):
    from portfolios.models import Portfolio

    _end(former["membership"], days_ago=3)
    Portfolio.objects.filter(pk=former["group"].portfolio_id).update(
        agreement_end=timezone.localdate() - timedelta(days=1)
    )
    client.force_login(former["membership"].user)

    html = client.get(reverse("dashboard:home")).content.decode()

    assert "(utløpt)" in html
    assert "Kontrakt for Bodø" in html


def test_a_former_members_contract_page_does_not_link_to_the_group_they_left(client, former):
    contract, group = former["contract"], former["group"]
    client.force_login(former["membership"].user)
    assert f'href="{group.get_absolute_url()}"' in client.get(contract.get_absolute_url()).content.decode()

    _end(former["membership"], days_ago=1)
    page = client.get(contract.get_absolute_url())

    assert page.status_code == 200
    assert group.display_name in page.content.decode()
    assert f'href="{group.get_absolute_url()}"' not in page.content.decode()
    assert client.get(group.get_absolute_url()).status_code == 404
