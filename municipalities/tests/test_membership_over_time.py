"""Membership over time (issue 16): a membership starts and ends, a person who leaves stays a former member,
and role changes are recorded for the group's history."""

from datetime import datetime, time, timedelta

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent
from accounts.tests.factories import ProgrammeLeaderFactory
from core.testing.admin import admin_form_data
from municipalities.models import Membership, MembershipChange, Role
from municipalities.selectors import former_members, members_in_role_order, membership_history
from municipalities.services import (
    MembershipNotEnded,
    membership_delete_allowed,
    membership_end,
    membership_role_change,
)
from municipalities.tests.factories import MembershipFactory, MunicipalityGroupFactory

pytestmark = pytest.mark.django_db


def _days_ago(days):
    return timezone.localdate() - timedelta(days=days)


@pytest.fixture
def leader():
    return ProgrammeLeaderFactory()


def test_ending_a_membership_keeps_the_person_as_a_former_member_from_that_day(leader):
    membership = MembershipFactory(started_on=_days_ago(100), role=Role.RESOURCE_TEACHER)

    membership_end(membership=membership, ended_by=leader)

    membership.refresh_from_db()
    assert membership.ended_on == timezone.localdate()
    assert not Membership.objects.current().filter(pk=membership.pk).exists()
    group = membership.group
    assert former_members(group) == [membership]
    assert members_in_role_order(group) == []
    [event] = AuditEvent.objects.filter(action="membership.ended")
    assert (event.actor, event.group_id, event.payload["ended_on"]) == (
        leader,
        group.pk,
        timezone.localdate().isoformat(),
    )


def test_a_membership_cannot_end_before_it_started(leader):
    membership = MembershipFactory(started_on=timezone.localdate())
    with pytest.raises(MembershipNotEnded):
        membership_end(membership=membership, ended_by=leader, ended_on=_days_ago(1))
    membership.refresh_from_db()
    assert membership.ended_on is None


def test_ending_again_later_keeps_the_first_end(leader):
    membership = MembershipFactory(started_on=_days_ago(100), ended_on=_days_ago(10))
    membership_end(membership=membership, ended_by=leader)
    membership.refresh_from_db()
    assert membership.ended_on == _days_ago(10)
    assert not AuditEvent.objects.filter(action="membership.ended").exists()


def test_a_role_change_is_recorded_with_who_and_when_and_shown_in_the_history(leader):
    group = MunicipalityGroupFactory()
    membership = MembershipFactory(group=group, role=Role.OTHER, started_on=_days_ago(30), user__full_name="Eirin Ås")
    left = MembershipFactory(
        group=group, role=Role.RESOURCE_TEACHER, started_on=_days_ago(60), ended_on=_days_ago(5), user__full_name="Per"
    )

    membership_role_change(membership=membership, role=Role.RESOURCE_TEACHER, changed_by=leader)

    [change] = MembershipChange.objects.all()
    assert (change.old_role, change.new_role, change.changed_by, change.changed_on) == (
        Role.OTHER,
        Role.RESOURCE_TEACHER,
        leader,
        timezone.localdate(),
    )
    assert AuditEvent.objects.get(action="membership.changed").payload["changes"] == {
        "role": [Role.OTHER, Role.RESOURCE_TEACHER]
    }
    group = type(group).objects.with_overview().get(pk=group.pk)
    assert [(e.on, e.name, e.text) for e in membership_history(group)] == [
        (timezone.localdate(), "Eirin Ås", "Byttet rolle fra annen deltaker til ressurslærer"),
        (_days_ago(5), "Per", "Sluttet"),
        (_days_ago(30), "Eirin Ås", "Ble med som annen deltaker"),
        (_days_ago(60), "Per", "Ble med som ressurslærer"),
    ]
    assert left in former_members(group)


def test_deleting_an_older_membership_in_the_admin_ends_it_instead(client, leader):
    membership = MembershipFactory(started_on=_days_ago(40))
    client.force_login(leader)

    response = client.post(reverse("admin:municipalities_membership_delete", args=[membership.pk]), {"post": "yes"})

    assert response["Location"] == reverse("admin:municipalities_membership_change", args=[membership.pk])
    membership.refresh_from_db()
    assert membership.ended_on == timezone.localdate()
    assert AuditEvent.objects.filter(action="membership.ended").count() == 1
    told = [str(m) for m in get_messages(response.wsgi_request)]
    assert told == [
        f"{membership.user} er ikke slettet, men er tidligere deltaker fra {timezone.localdate():%d.%m.%Y}: "
        "signaturer, referater og svar viser fortsatt hvem det var. Bare deltakelser lagt til i dag kan slettes."
    ]
    assert not AuditEvent.objects.filter(action="membership.removed").exists()


def test_a_membership_added_by_mistake_today_is_deleted_in_the_admin(client, leader):
    membership = MembershipFactory()  # started today
    client.force_login(leader)
    client.post(reverse("admin:municipalities_membership_delete", args=[membership.pk]), {"post": "yes"})
    assert not Membership.objects.filter(pk=membership.pk).exists()
    assert AuditEvent.objects.filter(action="membership.removed").count() == 1


def test_the_groups_admin_page_ends_an_older_member_and_records_a_role_change(client, leader):
    group = MunicipalityGroupFactory()
    kept = MembershipFactory(group=group, role=Role.OTHER, started_on=_days_ago(20), user__full_name="A Kept")
    gone = MembershipFactory(group=group, role=Role.LEADER, started_on=_days_ago(20), user__full_name="B Gone")
    client.force_login(leader)
    change_url = reverse("admin:municipalities_municipalitygroup_change", args=[group.pk])
    data = admin_form_data(client.get(change_url))
    index = {data[f"memberships-{i}-id"]: i for i in range(2)}
    data[f"memberships-{index[str(kept.pk)]}-role"] = Role.COORDINATOR
    data[f"memberships-{index[str(gone.pk)]}-DELETE"] = "on"

    response = client.post(change_url, data)

    assert response.status_code == 302
    gone.refresh_from_db()
    assert gone.ended_on == timezone.localdate()
    [change] = MembershipChange.objects.all()
    assert (change.membership, change.old_role, change.new_role, change.changed_by) == (
        kept,
        Role.OTHER,
        Role.COORDINATOR,
        leader,
    )


def test_ending_memberships_in_bulk_in_the_admin(client, leader):
    memberships = [MembershipFactory(started_on=_days_ago(9)), MembershipFactory(started_on=_days_ago(9))]
    client.force_login(leader)
    client.post(
        reverse("admin:municipalities_membership_changelist"),
        {"action": "end_today", "_selected_action": [m.pk for m in memberships]},
    )
    assert Membership.objects.filter(ended_on=timezone.localdate()).count() == 2


def test_the_migration_dates_a_membership_from_its_first_added_event_or_else_its_group(leader):
    import importlib

    from django.apps import apps

    from accounts.services import audit_log

    migration = importlib.import_module("municipalities.migrations.0007_membership_over_time")
    logged = MembershipFactory()
    unlogged = MembershipFactory()
    audit_log(action="membership.added", actor=leader, obj=logged.group, payload={"user_id": logged.user_id})
    # Midday in Oslo, 50 days back: `now() - 50 days` falls on the next local day late in the evening when a
    # change of summer time lies between.
    midday = timezone.make_aware(datetime.combine(_days_ago(50), time(12)))
    type(unlogged.group).objects.filter(pk=unlogged.group.pk).update(created_at=midday)
    Membership.objects.update(started_on=_days_ago(400))

    migration.backfill_started_on(apps, None)

    logged.refresh_from_db()
    unlogged.refresh_from_db()
    assert logged.started_on == timezone.localdate()
    assert unlogged.started_on == _days_ago(50)


def test_an_older_membership_whose_start_is_moved_to_today_is_still_ended_not_deleted(client, leader):
    membership = MembershipFactory(started_on=_days_ago(40))
    client.force_login(leader)
    change_url = reverse("admin:municipalities_membership_change", args=[membership.pk])
    data = admin_form_data(client.get(change_url))
    data["started_on"] = timezone.localdate().strftime("%d.%m.%Y")
    assert client.post(change_url, data).status_code == 302
    membership.refresh_from_db()
    assert membership.started_on == timezone.localdate()  # the edit the old rule took for «added today»

    client.post(reverse("admin:municipalities_membership_delete", args=[membership.pk]), {"post": "yes"})

    membership.refresh_from_db()
    assert membership.ended_on == timezone.localdate()
    assert not AuditEvent.objects.filter(action="membership.removed").exists()


def test_the_admin_refuses_a_start_ahead_which_would_give_access_from_today(client, leader):
    membership = MembershipFactory(started_on=_days_ago(40))
    client.force_login(leader)
    change_url = reverse("admin:municipalities_membership_change", args=[membership.pk])
    data = admin_form_data(client.get(change_url))
    data["started_on"] = (timezone.localdate() + timedelta(days=7)).strftime("%d.%m.%Y")

    response = client.post(change_url, data)

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["started_on"] == [
        "En deltakelse kan ikke begynne fram i tid. Legg deltakeren til den dagen hen begynner."
    ]
    membership.refresh_from_db()
    assert membership.started_on == _days_ago(40)


def test_a_row_that_already_starts_ahead_can_still_be_saved_with_that_start_unchanged(client, leader):
    membership = MembershipFactory(role=Role.OTHER)
    Membership.objects.filter(pk=membership.pk).update(started_on=timezone.localdate() + timedelta(days=3))
    client.force_login(leader)
    change_url = reverse("admin:municipalities_membership_change", args=[membership.pk])
    data = admin_form_data(client.get(change_url))
    data["role"] = Role.COORDINATOR
    assert client.post(change_url, data).status_code == 302
    membership.refresh_from_db()
    assert membership.role == Role.COORDINATOR


def test_the_migration_dates_every_existing_membership_before_today():
    import importlib

    from django.apps import apps

    migration = importlib.import_module("municipalities.migrations.0009_membership_created_at")
    old = MembershipFactory(started_on=_days_ago(40))
    today = MembershipFactory()
    Membership.objects.update(created_at=timezone.now())

    migration.backfill_created_at(apps, None)

    old.refresh_from_db()
    today.refresh_from_db()
    assert timezone.localtime(old.created_at) == timezone.make_aware(datetime.combine(_days_ago(40), time.min))
    assert timezone.localdate(today.created_at) == _days_ago(1)
    assert not membership_delete_allowed(today)
