"""Memberships decide who reads a group's meetings and plan and who signs its contract, so every change to them
in the admin is an audit event with who, when and from where (issue 13), not only a line in Django's history."""

import pytest
from django.urls import reverse

from accounts.models import AuditEvent
from accounts.tests.factories import ProgrammeLeaderFactory, UserFactory
from core.testing.admin import admin_form_data
from municipalities.models import Membership, Role
from municipalities.tests.factories import MembershipFactory, MunicipalityGroupFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def leader(client):
    leader = ProgrammeLeaderFactory()
    client.force_login(leader)
    return leader


def _events(action):
    return list(AuditEvent.objects.filter(action=action))


def test_adding_changing_and_removing_a_membership_in_the_admin_is_logged(client, leader):
    group = MunicipalityGroupFactory()
    person = UserFactory()
    client.post(
        reverse("admin:municipalities_membership_add"),
        {"user": person.pk, "group": group.pk, "role": Role.OWNER_POLITICAL, "municipality": ""},
        REMOTE_ADDR="10.4.4.4",
    )
    membership = Membership.objects.get(user=person, group=group)
    [added] = _events("membership.added")
    assert (added.actor, added.object_id, added.ip_address) == (leader, str(group.pk), "10.4.4.4")
    assert added.payload == {"user_id": person.pk, "role": Role.OWNER_POLITICAL, "membership_id": membership.pk}

    change_url = reverse("admin:municipalities_membership_change", args=[membership.pk])
    data = admin_form_data(client.get(change_url))
    data["role"] = Role.LEADER
    client.post(change_url, data, REMOTE_ADDR="10.4.4.5")
    [changed] = _events("membership.changed")
    assert changed.ip_address == "10.4.4.5"
    assert changed.payload["changes"] == {"role": [Role.OWNER_POLITICAL, Role.LEADER]}

    client.post(
        reverse("admin:municipalities_membership_delete", args=[membership.pk]), {"post": "yes"}, REMOTE_ADDR="10.4.4.6"
    )
    assert not Membership.objects.filter(pk=membership.pk).exists()
    [removed] = _events("membership.removed")
    assert (removed.actor, removed.object_id, removed.ip_address) == (leader, str(group.pk), "10.4.4.6")
    assert removed.payload == {"user_id": person.pk, "role": Role.LEADER, "membership_id": membership.pk}


def test_removing_memberships_in_bulk_logs_each(client, leader):
    memberships = [MembershipFactory(), MembershipFactory()]
    client.post(
        reverse("admin:municipalities_membership_changelist"),
        {"action": "delete_selected", "_selected_action": [m.pk for m in memberships], "post": "yes"},
    )
    assert Membership.objects.count() == 0
    assert sorted(e.payload["membership_id"] for e in _events("membership.removed")) == sorted(
        m.pk for m in memberships
    )


def test_memberships_changed_on_the_groups_page_are_logged(client, leader):
    group = MunicipalityGroupFactory()
    kept = MembershipFactory(group=group, role=Role.LEADER)
    gone = MembershipFactory(group=group, role=Role.RESOURCE_TEACHER)
    newcomer = UserFactory()
    change_url = reverse("admin:municipalities_municipalitygroup_change", args=[group.pk])
    data = admin_form_data(client.get(change_url))
    index = {data[f"memberships-{i}-id"]: i for i in range(2)}  # the inline orders by name
    data[f"memberships-{index[str(kept.pk)]}-role"] = Role.COORDINATOR
    data[f"memberships-{index[str(gone.pk)]}-DELETE"] = "on"
    data.update({"memberships-TOTAL_FORMS": "3", "memberships-2-user": newcomer.pk, "memberships-2-role": Role.OTHER})
    data["memberships-2-group"] = group.pk
    response = client.post(change_url, data, REMOTE_ADDR="10.5.5.5")
    assert response.status_code == 302, response.context["errors"] if response.context else response

    assert Membership.objects.get(pk=kept.pk).role == Role.COORDINATOR
    assert not Membership.objects.filter(pk=gone.pk).exists()
    assert {e.payload["user_id"] for e in _events("membership.added")} == {newcomer.pk}
    assert [e.payload["changes"] for e in _events("membership.changed")] == [{"role": [Role.LEADER, Role.COORDINATOR]}]
    assert [e.payload["user_id"] for e in _events("membership.removed")] == [gone.user_id]
    events = AuditEvent.objects.filter(action__startswith="membership.")
    assert {(e.actor, e.object_id, e.ip_address) for e in events} == {(leader, str(group.pk), "10.5.5.5")}
