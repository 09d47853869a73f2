"""Throttling: «Glemt passord» per address and per IP address, with the same work for unknown addresses as for
real ones; logins locked per address and IP pair, and per IP address when it tries many addresses; and the
session idle timeout, shorter for staff."""

import re
import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import AuditEvent, PasswordResetRequest
from accounts.services import SESSION_ACTIVITY_KEY, password_resets_send
from accounts.tests.factories import PASSWORD, AdviserFactory, UserFactory

pytestmark = pytest.mark.django_db

RESET = reverse("accounts:password_reset")
LOGIN = reverse("accounts:login")


def test_a_fourth_reset_request_for_one_address_within_the_hour_is_refused_in_norwegian(client, settings):
    UserFactory(email="glemsk@example.org")
    for n in range(settings.PASSWORD_RESET_LIMIT_PER_ADDRESS):
        assert client.post(RESET, {"email": "glemsk@example.org"}, REMOTE_ADDR=f"10.0.0.{n}").status_code == 302
    refused = client.post(RESET, {"email": "Glemsk@example.org"}, REMOTE_ADDR="10.0.0.99")
    assert refused.status_code == 429
    assert "For mange forespørsler om nytt passord" in refused.content.decode()
    assert password_resets_send() == settings.PASSWORD_RESET_LIMIT_PER_ADDRESS
    assert AuditEvent.objects.get(action="auth.password_reset_throttled").payload == {
        "email": "glemsk@example.org",
        "limit": "address",
    }


def test_one_ip_address_asking_for_many_addresses_is_refused(client, settings):
    settings.PASSWORD_RESET_LIMIT_PER_IP = 5
    for n in range(5):
        assert client.post(RESET, {"email": f"person{n}@example.org"}, REMOTE_ADDR="10.3.3.3").status_code == 302
    assert client.post(RESET, {"email": "enda.en@example.org"}, REMOTE_ADDR="10.3.3.3").status_code == 429
    # Another network address is not affected.
    assert client.post(RESET, {"email": "enda.en@example.org"}, REMOTE_ADDR="10.3.3.4").status_code == 302


def test_an_unknown_address_counts_towards_the_limit_like_a_real_one(client, settings):
    for _ in range(settings.PASSWORD_RESET_LIMIT_PER_ADDRESS):
        client.post(RESET, {"email": "ingen@example.org"})
    assert client.post(RESET, {"email": "ingen@example.org"}).status_code == 429


def _normalised(queries):
    # The same statements, whatever the values in them (the typed address, times, ids).
    return [re.sub(r"'[^']*'|\"s\d+_x\d+\"|\b\d+\b", "?", query["sql"]) for query in queries]


def test_a_reset_request_does_the_same_work_for_an_unknown_address_as_for_a_real_one(client):
    """Timing that depends on whether the address exists tells an attacker which addresses do: the request
    sends the same statements to the database either way, and nothing else (no mail, no token)."""
    UserFactory(email="finnes@example.org")
    responses, statements = [], []
    for email in ("finnes@example.org", "finnes-ikke@example.org"):
        with CaptureQueriesContext(connection) as queries:
            responses.append(client.post(RESET, {"email": email}))
        statements.append(_normalised(queries.captured_queries))
    assert statements[0] == statements[1]
    assert [r.status_code for r in responses] == [302, 302]
    assert responses[0]["Location"] == responses[1]["Location"]
    assert PasswordResetRequest.objects.count() == 2


def test_an_ip_address_trying_one_password_on_many_addresses_is_locked_out(client, settings):
    """Each address gets a single wrong password, far below the pair's limit; the IP address is locked once
    it has failed for AXES_IP_ADDRESS_LIMIT addresses, even for a right password of another account."""
    victims = [UserFactory(email=f"offer{n}@example.org") for n in range(settings.AXES_IP_ADDRESS_LIMIT)]
    for victim in victims:
        client.post(LOGIN, {"username": victim.email, "password": "Sommer2026!"}, REMOTE_ADDR="10.8.8.8")
    attacker = UserFactory(email="angriper@example.org")
    response = client.post(LOGIN, {"username": attacker.email, "password": PASSWORD}, REMOTE_ADDR="10.8.8.8")
    assert response.status_code == 429
    assert "For mange mislykkede innlogginger" in response.content.decode()
    assert AuditEvent.objects.filter(action="auth.locked_out", ip_address="10.8.8.8").exists()
    # Elsewhere the same accounts log in as before.
    other = client.post(LOGIN, {"username": attacker.email, "password": PASSWORD}, REMOTE_ADDR="10.8.8.9")
    assert other.status_code == 302


def test_one_persons_typos_do_not_lock_out_their_colleagues_on_the_shared_address(client, settings):
    UserFactory(email="kari@kommune.example")
    colleague = UserFactory(email="per@kommune.example")
    for _ in range(settings.AXES_FAILURE_LIMIT * 3):
        client.post(LOGIN, {"username": "kari@kommune.example", "password": "feil"}, REMOTE_ADDR="10.9.9.9")
    response = client.post(LOGIN, {"username": colleague.email, "password": PASSWORD}, REMOTE_ADDR="10.9.9.9")
    assert response.status_code == 302


def _idle(client, seconds):
    session = client.session
    session[SESSION_ACTIVITY_KEY] = int(time.time()) - seconds
    session.save()


@pytest.mark.parametrize(
    ("factory", "idle_minutes", "logged_out"),
    [(AdviserFactory, 29, False), (AdviserFactory, 31, True), (UserFactory, 31, False), (UserFactory, 121, True)],
)
def test_a_session_ends_after_its_idle_time_staff_sooner(client, factory, idle_minutes, logged_out):
    user = factory()
    client.force_login(user)
    _idle(client, idle_minutes * 60)
    response = client.get(reverse("meetings:calendar"), follow=True)
    assert ("_auth_user_id" not in client.session) == logged_out
    if logged_out:
        assert "Du ble logget ut fordi du ikke hadde vært aktiv" in response.content.decode()
        assert AuditEvent.objects.filter(action="auth.session_timed_out", actor=user).exists()


def test_the_session_cookie_expires_with_the_idle_time(client, settings):
    client.force_login(AdviserFactory())
    response = client.get(reverse("meetings:calendar"))
    assert response.status_code == 200
    assert client.session.get_expiry_age() == settings.STAFF_SESSION_IDLE_MINUTES * 60
