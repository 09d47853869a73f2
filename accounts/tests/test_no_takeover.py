"""Staff never choose, see or set another person's password (issue 13): the programme leader once set a
kulturskoleeier's password in the admin, logged in as them and signed their contract. These tests walk that path
and its detours, and check that what staff may still change about a person is in the audit log."""

import re

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.urls import reverse

from accounts.models import AuditEvent, User
from accounts.roles import ADVISER
from accounts.tests.factories import PASSWORD, ProgrammeLeaderFactory, UserFactory
from core.testing.admin import admin_form_data
from core.testing.mail import deliver_outbox

pytestmark = pytest.mark.django_db

LOGIN_URL = reverse("accounts:login")
TAKEOVER_PASSWORD = "Overtatt-av-programleder-1"


def _change_url(user: User) -> str:
    return reverse("admin:accounts_user_change", args=[user.pk])


def _logs_in(client, email: str, password: str) -> bool:
    client.logout()
    client.post(LOGIN_URL, {"username": email, "password": password})
    return "_auth_user_id" in client.session


def test_the_programme_leader_cannot_set_a_members_password_and_log_in_as_them(client):
    owner = UserFactory()  # a kulturskoleeier, say
    client.force_login(ProgrammeLeaderFactory())
    url = f"/admin/accounts/user/{owner.pk}/password/"

    assert client.get(url).status_code == 404
    client.post(url, {"usable_password": "true", "password1": TAKEOVER_PASSWORD, "password2": TAKEOVER_PASSWORD})

    owner.refresh_from_db()
    assert owner.check_password(PASSWORD)
    assert not _logs_in(client, owner.email, TAKEOVER_PASSWORD)


def test_not_even_a_superuser_sets_another_persons_password_in_the_admin(client):
    member = UserFactory()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    url = f"/admin/accounts/user/{member.pk}/password/"
    assert client.get(url).status_code == 404
    client.post(url, {"usable_password": "true", "password1": TAKEOVER_PASSWORD, "password2": TAKEOVER_PASSWORD})
    member.refresh_from_db()
    assert member.check_password(PASSWORD)


def test_the_change_form_neither_shows_nor_takes_a_password(client):
    member = UserFactory()
    client.force_login(ProgrammeLeaderFactory())
    page = client.get(_change_url(member))
    html = page.content.decode()
    assert "/password/" not in html
    assert member.password not in html
    assert 'name="password' not in html

    data = admin_form_data(page)
    forged = User(email="x@example.org")
    forged.set_password(TAKEOVER_PASSWORD)
    data.update(password=forged.password, password1=TAKEOVER_PASSWORD, password2=TAKEOVER_PASSWORD)
    assert client.post(_change_url(member), data).status_code == 302
    member.refresh_from_db()
    assert member.check_password(PASSWORD)


def test_a_person_added_in_the_admin_gets_no_password_whatever_is_posted(client):
    client.force_login(ProgrammeLeaderFactory())
    response = client.post(
        reverse("admin:accounts_user_add"),
        {
            "email": "ny.eier@example.org",
            "full_name": "Ny Eier",
            "phone": "",
            "usable_password": "true",
            "password1": TAKEOVER_PASSWORD,
            "password2": TAKEOVER_PASSWORD,
            "password": TAKEOVER_PASSWORD,
        },
    )
    assert response.status_code == 302
    created = User.objects.get(email="ny.eier@example.org")
    assert not created.has_usable_password()
    assert AuditEvent.objects.filter(action="user.created", object_id=str(created.pk)).exists()


def test_the_programme_leader_cannot_redirect_a_members_login_to_an_address_of_their_own(client):
    """The detour: change the member's e-mail to one the leader reads, then «Glemt passord». Once a person has
    chosen a password, only a superuser changes their address, and the old address is told."""
    owner = UserFactory()  # a kulturskoleeier, say
    old_email = owner.email
    client.force_login(ProgrammeLeaderFactory())
    page = client.get(_change_url(owner))
    assert 'name="email"' not in page.content.decode()
    data = admin_form_data(page)
    data["email"] = "programleder.privat@example.org"
    client.post(_change_url(owner), data)
    owner.refresh_from_db()
    assert owner.email == old_email

    client.post(reverse("accounts:password_reset"), {"email": "programleder.privat@example.org"})
    deliver_outbox()
    assert [m.to for m in mail.outbox] == []


def test_a_superuser_changing_an_address_is_logged_and_the_old_address_is_told(client):
    member = UserFactory(email="gammel@example.org")
    superuser = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(superuser)
    data = admin_form_data(client.get(_change_url(member)))
    data["email"] = "ny@example.org"
    client.post(_change_url(member), data, REMOTE_ADDR="10.1.2.3")

    member.refresh_from_db()
    assert member.email == "ny@example.org"
    event = AuditEvent.objects.get(action="user.email_changed")
    assert (event.actor, event.object_id, event.ip_address) == (superuser, str(member.pk), "10.1.2.3")
    assert event.payload == {"old": "gammel@example.org", "new": "ny@example.org"}
    deliver_outbox()
    assert [m.to for m in mail.outbox] == [["gammel@example.org"]]
    assert "ny@example.org" in mail.outbox[0].body


def test_an_invited_persons_address_can_still_be_corrected_by_the_programme_leader(client):
    invited = User.objects.create_user(email="feil@example.org", full_name="Skrevet Feil")
    leader = ProgrammeLeaderFactory()
    client.force_login(leader)
    data = admin_form_data(client.get(_change_url(invited)))
    data["email"] = "riktig@example.org"
    client.post(_change_url(invited), data)
    invited.refresh_from_db()
    assert invited.email == "riktig@example.org"
    assert AuditEvent.objects.filter(action="user.email_changed", actor=leader).exists()


def test_deactivating_a_person_and_changing_their_roles_are_logged_with_who_and_from_where(client):
    member = UserFactory()
    leader = ProgrammeLeaderFactory()
    client.force_login(leader)
    data = admin_form_data(client.get(_change_url(member)))
    data.pop("is_active")
    data["is_staff"] = "on"
    data["groups"] = [str(Group.objects.get(name=ADVISER).pk)]
    assert client.post(_change_url(member), data, REMOTE_ADDR="10.9.8.7").status_code == 302

    events = {e.action: e for e in AuditEvent.objects.filter(object_id=str(member.pk), actor=leader)}
    assert {"user.deactivated", "user.staff_changed", "user.groups_changed"} <= set(events)
    assert all(e.ip_address == "10.9.8.7" for e in events.values())
    assert events["user.groups_changed"].payload == {"added": [ADVISER], "removed": []}
    assert events["user.staff_changed"].payload == {"is_staff": True}


def test_the_leader_sends_a_reset_link_to_the_persons_own_address_instead(client):
    member = UserFactory(email="glemsk@example.org")
    leader = ProgrammeLeaderFactory()
    client.force_login(leader)
    client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "send_password_reset", "_selected_action": [member.pk]},
        REMOTE_ADDR="10.0.0.9",
    )
    event = AuditEvent.objects.get(action="password_reset.sent_by_staff")
    assert (event.actor, event.object_id, event.ip_address) == (leader, str(member.pk), "10.0.0.9")
    assert mail.outbox == []  # through the outbox, never from inside the request
    deliver_outbox()
    assert [m.to for m in mail.outbox] == [["glemsk@example.org"]]
    body = mail.outbox[0].body
    assert leader.full_name in body
    path = re.search(r"/konto/passord/nytt/\S+/", body).group(0)

    client.logout()
    form_page = client.get(path, follow=True)
    client.post(form_page.redirect_chain[-1][0], {"new_password1": "Eget-valg-2026", "new_password2": "Eget-valg-2026"})
    member.refresh_from_db()
    assert member.check_password("Eget-valg-2026")
