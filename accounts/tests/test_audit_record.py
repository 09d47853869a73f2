"""Audit events cannot be changed or deleted: not through the admin (whoever is logged in), not through the
ORM, and on PostgreSQL not even by SQL sent past the ORM."""

import os

import pytest
from django.contrib.auth.models import Permission
from django.db import connection, transaction
from django.db.utils import DatabaseError
from django.urls import reverse

from accounts.models import AuditEvent
from accounts.services import audit_log
from accounts.tests.factories import ProgrammeLeaderFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def event():
    return audit_log(action="auth.login", actor=UserFactory(), payload={"note": "uendret"})


@pytest.fixture(params=["leader", "superuser"])
def admin_client(request, client):
    if request.param == "leader":
        user = ProgrammeLeaderFactory()
    else:
        user = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(user)
    return client


def test_no_permission_to_add_change_or_delete_log_events_exists():
    codenames = set(Permission.objects.filter(content_type__model="auditevent").values_list("codename", flat=True))
    assert codenames == {"view_auditevent"}


def test_the_admin_shows_an_event_read_only(admin_client, event):
    page = admin_client.get(reverse("admin:accounts_auditevent_change", args=[event.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Logget inn" in html
    assert 'name="action"' not in html and "_save" not in html


def test_the_admin_refuses_to_change_an_event(admin_client, event):
    response = admin_client.post(
        reverse("admin:accounts_auditevent_change", args=[event.pk]), {"action": "auth.logout", "payload": "{}"}
    )
    assert response.status_code == 403
    event.refresh_from_db()
    assert (event.action, event.payload) == ("auth.login", {"note": "uendret"})


def test_the_admin_refuses_to_delete_an_event(admin_client, event):
    response = admin_client.post(reverse("admin:accounts_auditevent_delete", args=[event.pk]), {"post": "yes"})
    assert response.status_code == 403
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_the_admin_list_has_no_delete_action(admin_client, event):
    response = admin_client.post(
        reverse("admin:accounts_auditevent_changelist"),
        {"action": "delete_selected", "_selected_action": [event.pk], "post": "yes"},
    )
    assert AuditEvent.objects.filter(pk=event.pk).exists()
    assert response.status_code in (200, 302)
    assert "delete_selected" not in admin_client.get(reverse("admin:accounts_auditevent_changelist")).content.decode()


def test_the_admin_refuses_to_add_an_event(admin_client):
    response = admin_client.post(reverse("admin:accounts_auditevent_add"), {"action": "auth.login"})
    assert response.status_code == 403
    # The only events are the login and the refusal itself.
    assert not AuditEvent.objects.exclude(action__in=["auth.login", "access.forbidden"]).exists()


def test_the_orm_refuses_to_change_or_delete_events(event):
    event.action = "auth.logout"
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=event.pk).update(action="auth.logout")
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=event.pk).delete()
    assert AuditEvent.objects.get(pk=event.pk).action == "auth.login"


def test_deleting_a_user_keeps_their_events(event):
    user = event.actor
    user.delete()
    event.refresh_from_db()
    assert (event.actor, event.action, event.payload) == (None, "auth.login", {"note": "uendret"})


@pytest.fixture
def postgres():
    if connection.vendor != "postgresql":
        if os.environ.get("CI_POSTGRES") == "required":
            pytest.fail("CI_POSTGRES=required, but the tests run on " + connection.vendor)
        pytest.skip("The database's own guard exists on PostgreSQL only.")


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE accounts_auditevent SET action = 'auth.logout' WHERE id = %s",
        "UPDATE accounts_auditevent SET actor_id = NULL, payload = '{}' WHERE id = %s",
        "DELETE FROM accounts_auditevent WHERE id = %s",
    ],
)
def test_postgresql_refuses_sql_that_changes_or_deletes_an_event(postgres, event, sql):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, [event.pk])
    assert AuditEvent.objects.get(pk=event.pk).action == "auth.login"
