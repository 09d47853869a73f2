import re
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent, Invitation, User
from accounts.services import client_ip, invitation_send, password_resets_send
from accounts.tests.factories import PASSWORD, AdviserFactory, ProgrammeLeaderFactory, UserFactory
from core.models import Email
from core.testing.mail import deliver_outbox

pytestmark = pytest.mark.django_db

LOGIN_URL = reverse("accounts:login")


def _invitation_link(message):
    return re.search(r"https?://\S+/konto/invitasjon/\S+/", message.body).group(0)


def test_user_logs_in_with_email_in_any_case_and_the_login_is_logged(client):
    user = UserFactory(email="lena.odegard@example.org")
    response = client.post(
        LOGIN_URL, {"username": "Lena.Odegard@EXAMPLE.org", "password": PASSWORD}, REMOTE_ADDR="10.0.0.7"
    )
    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == user.pk
    event = AuditEvent.objects.get(action="auth.login")
    assert (event.actor, event.ip_address) == (user, "10.0.0.7")


def test_a_wrong_password_gets_a_norwegian_message_keeps_the_address_and_is_logged(client):
    UserFactory(email="ola@example.org")
    response = client.post(LOGIN_URL, {"username": "ola@example.org", "password": "feil"})
    assert response.status_code == 200
    assert "Feil e-post eller passord" in response.content.decode()
    assert 'value="ola@example.org"' in response.content.decode()
    assert AuditEvent.objects.filter(action="auth.login_failed", payload__username="ola@example.org").exists()


def test_five_failed_logins_lock_the_address_out_even_with_the_right_password(client, settings):
    UserFactory(email="kari@example.org")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(LOGIN_URL, {"username": "kari@example.org", "password": "gjetting"})
    response = client.post(LOGIN_URL, {"username": "kari@example.org", "password": PASSWORD})
    assert response.status_code == 429
    assert "For mange mislykkede innlogginger" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_lockout_is_per_address_so_colleagues_on_the_same_network_can_log_in(client, settings):
    UserFactory(email="kari@example.org")
    colleague = UserFactory(email="per@example.org")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(LOGIN_URL, {"username": "kari@example.org", "password": "gjetting"})
    response = client.post(LOGIN_URL, {"username": "per@example.org", "password": PASSWORD})
    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == colleague.pk


def test_an_invited_person_sets_a_password_once_and_is_logged_in(client):
    leader = ProgrammeLeaderFactory()
    invited = User.objects.create_user(email="ny@example.org", full_name="Åsa Sámi")
    invitation_send(user=invited, invited_by=leader)
    deliver_outbox()

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["ny@example.org"]
    assert "Hei Åsa Sámi" in message.body
    link = _invitation_link(message)
    path = link.split("://", 1)[1].split("/", 1)[1]

    page = client.get("/" + path)
    assert page.status_code == 200
    assert "Velkommen, Åsa Sámi" in page.content.decode()

    short = client.post("/" + path, {"new_password1": "Fjell-26", "new_password2": "Fjell-26"})
    assert short.status_code == 200
    # In Norwegian (Django 5.2's message, which its nb catalogue lacks: locale/nb), under the new password.
    assert short.context["form"].errors == {"new_password1": ["Passordet er for kort. Det må ha minst 10 tegn."]}
    assert "Passordet er for kort. Det må ha minst 10 tegn." in short.content.decode()

    mismatch = client.post("/" + path, {"new_password1": "Fjelltopp-2026", "new_password2": "annet-passord-1"})
    assert mismatch.status_code == 200
    assert "De to passordfeltene er ikke like." in mismatch.content.decode()

    done = client.post("/" + path, {"new_password1": "Fjelltopp-2026", "new_password2": "Fjelltopp-2026"})
    assert done.status_code == 302
    invited.refresh_from_db()
    assert invited.check_password("Fjelltopp-2026")
    assert int(client.session["_auth_user_id"]) == invited.pk
    assert AuditEvent.objects.filter(action="invitation.accepted", actor=invited).exists()

    client.logout()
    reused = client.get("/" + path)
    assert reused.status_code == 410
    assert "Invitasjonen virker ikke" in reused.content.decode()


def test_an_expired_invitation_is_refused(client):
    invited = UserFactory()
    invitation_send(user=invited, invited_by=None)
    deliver_outbox()
    Invitation.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    response = client.get("/" + _invitation_link(mail.outbox[0]).split("://", 1)[1].split("/", 1)[1])
    assert response.status_code == 410


def test_a_new_invitation_makes_the_old_link_useless(client):
    invited = UserFactory()
    invitation_send(user=invited, invited_by=None)
    invitation_send(user=invited, invited_by=None)
    deliver_outbox()
    first, second = (_invitation_link(m).split("://", 1)[1].split("/", 1)[1] for m in mail.outbox)
    assert client.get("/" + first).status_code == 410
    assert client.get("/" + second).status_code == 200


def test_only_the_hash_of_the_invitation_token_is_stored():
    invited = UserFactory()
    invitation_send(user=invited, invited_by=None)
    deliver_outbox()
    token = _invitation_link(mail.outbox[0]).rstrip("/").rsplit("/", 1)[1]
    stored = Invitation.objects.get()
    assert token not in stored.token_hash
    assert len(stored.token_hash) == 64
    # The outbox held the link only until the e-mail had gone.
    assert not Email.objects.filter(body__contains=token).exists()


def test_password_reset_sends_a_norwegian_link_that_works(client):
    user = UserFactory(email="glemsk@example.org")
    client.post(reverse("accounts:password_reset"), {"email": "glemsk@example.org"})
    assert mail.outbox == []  # not from inside the request: the worker composes it, then the outbox sends it
    assert password_resets_send() == 1
    assert len(deliver_outbox()) == 1
    assert mail.outbox[0].subject == "Nytt passord til portalen for veiledning fra Norsk kulturskoleråd"
    path = re.search(r"/konto/passord/nytt/\S+/", mail.outbox[0].body).group(0)
    form_page = client.get(path, follow=True)
    assert "Velg nytt passord" in form_page.content.decode()
    client.post(
        form_page.redirect_chain[-1][0], {"new_password1": "Nordlys-og-fjell", "new_password2": "Nordlys-og-fjell"}
    )
    user.refresh_from_db()
    assert user.check_password("Nordlys-og-fjell")


def test_logout_is_a_post_and_is_logged(client):
    user = UserFactory()
    client.force_login(user)
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action="auth.logout", actor=user).exists()


def test_the_staff_roles_have_the_admin_permissions_they_need():
    leader = ProgrammeLeaderFactory()
    assert leader.has_perms(
        ["portfolios.add_portfolio", "municipalities.change_municipalitygroup", "accounts.view_auditevent"]
    )
    adviser = AdviserFactory()
    assert adviser.has_perms(["portfolios.view_portfolio", "portfolios.view_planitem"])
    # Advisers see groups and people only in the portal, where they see only their own.
    for perm in ("portfolios.change_portfolio", "municipalities.view_municipalitygroup", "accounts.view_user"):
        assert not adviser.has_perm(perm), perm


def test_changing_the_case_of_the_address_does_not_get_fresh_login_attempts(client, settings):
    UserFactory(email="kari@example.org")
    for variant in ["kari@example.org", "Kari@example.org", "KARI@example.org", "kaRi@example.org", "kari@EXAMPLE.org"]:
        client.post(LOGIN_URL, {"username": variant, "password": "gjetting"})
    response = client.post(LOGIN_URL, {"username": "KaRi@Example.Org", "password": PASSWORD})
    assert response.status_code == 429


def test_an_invitation_does_not_reactivate_a_deactivated_user(client):
    invited = UserFactory()
    invitation_send(user=invited, invited_by=None)
    deliver_outbox()
    invited.is_active = False
    invited.save(update_fields=["is_active"])
    path = "/" + _invitation_link(mail.outbox[0]).split("://", 1)[1].split("/", 1)[1]
    assert client.get(path).status_code == 410
    client.post(path, {"new_password1": "Fjelltopp-2026", "new_password2": "Fjelltopp-2026"})
    invited.refresh_from_db()
    assert not invited.is_active
    assert not invited.check_password("Fjelltopp-2026")


def test_the_admin_invitation_action_skips_staff_and_people_who_can_already_log_in(client):
    leader = ProgrammeLeaderFactory()
    new = User.objects.create_user(email="ny@example.org", full_name="Ny Deltaker")
    has_password = UserFactory()
    client.force_login(leader)
    client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "send_invitation", "_selected_action": [new.pk, has_password.pk, leader.pk]},
    )
    deliver_outbox()
    assert [m.to for m in mail.outbox] == [["ny@example.org"]]


def test_the_programme_leader_cannot_make_anyone_superuser(client):
    leader = ProgrammeLeaderFactory()
    client.force_login(leader)
    page = client.get(reverse("admin:accounts_user_change", args=[leader.pk])).content.decode()
    assert 'name="is_superuser"' not in page
    assert 'name="is_staff"' in page


@pytest.mark.parametrize(
    ("proxies", "meta", "expected"),
    [
        (0, {"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": "6.6.6.6"}, "10.0.0.1"),
        (1, {"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": "6.6.6.6, 84.1.2.3"}, "84.1.2.3"),
        (1, {"REMOTE_ADDR": "10.0.0.1"}, "10.0.0.1"),
    ],
)
def test_the_client_address_trusts_only_the_configured_proxies(rf, settings, proxies, meta, expected):
    settings.TRUSTED_PROXY_COUNT = proxies
    assert client_ip(rf.get("/", **meta)) == expected
