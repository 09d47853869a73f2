"""Two factors for staff (issue 13, ASVS 6.3.3): the programme leader and advisers give a one-time code after
the password, set up at their first login with backup codes; the admin and every staff page require it;
participants keep password login. Every login here goes through the real pages."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import AuditEvent, Invitation, hash_token
from accounts.roles import ADVISER
from accounts.tests.factories import PASSWORD, AdviserFactory, ProgrammeLeaderFactory, UserFactory
from core.testing.mail import deliver_outbox
from core.testing.otp import code_for_secret, next_code

pytestmark = pytest.mark.django_db

LOGIN_URL = reverse("accounts:login")
CODE_URL = reverse("accounts:second_factor")
SETUP_URL = reverse("accounts:second_factor_setup")


def _authenticator(user):
    return TOTPDevice.objects.create(user=user, name="Autentiseringsapp", confirmed=True)


def _code(device):
    device.refresh_from_db()
    return next_code(device)


def _password_step(client, user, next_url=None, **extra):
    url = LOGIN_URL + (f"?next={next_url}" if next_url else "")
    return client.post(url, {"username": user.email, "password": PASSWORD}, **extra)


def _logged_in(client):
    return "_auth_user_id" in client.session


def _wrong(code):
    return f"{(int(code) + 1) % 1_000_000:06d}"


def _unthrottle(user):
    """django-otp makes a device wait 1, 2, 4 … seconds after each wrong code; tests that go on at once with
    the right one skip the wait (test_a_device_asks_for_a_pause_after_a_wrong_code tests it)."""
    TOTPDevice.objects.filter(user=user).update(throttling_failure_count=0)


def test_the_first_login_of_a_programme_leader_sets_up_an_app_and_shows_backup_codes_once(client):
    leader = ProgrammeLeaderFactory()
    response = _password_step(client, leader)
    assert response["Location"] == SETUP_URL
    assert not _logged_in(client)

    page = client.get(SETUP_URL).content.decode()
    assert "Sett opp engangskoder" in page
    assert "<svg" in page and 'role="img"' in page  # the QR code, drawn here
    secret = re.search(r'<code[^>]*id="totp-secret">([A-Z2-7 ]+)</code>', page).group(1)
    assert len(secret.replace(" ", "")) == 32

    wrong = client.post(SETUP_URL, {"otp_token": _wrong(code_for_secret(secret))})
    assert "Koden stemmer ikke" in wrong.content.decode()
    assert not _logged_in(client)
    # A reload shows the same key, so that an app that already scanned it stays right.
    assert secret in client.get(SETUP_URL).content.decode()
    _unthrottle(leader)

    done = client.post(SETUP_URL, {"otp_token": code_for_secret(secret)}, REMOTE_ADDR="10.2.2.2")
    assert done["Location"] == reverse("accounts:backup_codes")
    assert int(client.session["_auth_user_id"]) == leader.pk
    assert TOTPDevice.objects.get(user=leader).confirmed

    codes_page = client.get(reverse("accounts:backup_codes")).content.decode()
    codes = re.findall(r"<li>([a-z2-7]{8})</li>", codes_page)
    assert len(codes) == 10
    assert set(codes) == set(StaticToken.objects.filter(device__user=leader).values_list("token", flat=True))
    again = client.get(reverse("accounts:backup_codes"), follow=True).content.decode()
    assert not any(code in again for code in codes)
    assert "vises bare én gang" in again

    assert set(AuditEvent.objects.filter(actor=leader).values_list("action", flat=True)) >= {
        "auth.second_factor_failed",
        "auth.second_factor_set_up",
        "auth.login",
    }
    deliver_outbox()
    assert [m.subject for m in mail.outbox] == ["Engangskoder er satt opp for kontoen din i portalen for veiledning"]


def test_the_password_alone_opens_no_staff_page(client):
    adviser = AdviserFactory()
    _authenticator(adviser)
    assert _password_step(client, adviser)["Location"] == CODE_URL
    for url in (reverse("admin:index"), reverse("dashboard:my_groups"), reverse("accounts:account")):
        response = client.get(url, follow=True)
        assert response.redirect_chain[-1][0].startswith(LOGIN_URL), url
        assert "Logg inn" in response.content.decode()


def test_an_adviser_logs_in_with_the_code_and_lands_where_they_were_going(client):
    adviser = AdviserFactory()
    device = _authenticator(adviser)
    _password_step(client, adviser, next_url=reverse("dashboard:my_groups"))

    wrong = client.post(CODE_URL, {"otp_token": "000000" if _code(device) != "000000" else "111111"})
    assert wrong.status_code == 200
    assert "Koden stemmer ikke" in wrong.content.decode()
    assert not _logged_in(client)
    event = AuditEvent.objects.get(action="auth.second_factor_failed")
    assert event.payload == {"username": adviser.email}

    _unthrottle(adviser)
    response = client.post(CODE_URL, {"otp_token": _code(device)})
    assert response["Location"] == reverse("dashboard:my_groups")
    assert client.get(reverse("dashboard:my_groups")).status_code == 200
    assert client.get(reverse("admin:index")).status_code == 200
    assert AuditEvent.objects.filter(action="auth.second_factor_passed", payload__method="totp").exists()


def test_a_code_is_good_once(client):
    leader = ProgrammeLeaderFactory()
    device = _authenticator(leader)
    code = _code(device)
    _password_step(client, leader)
    client.post(CODE_URL, {"otp_token": code})
    assert _logged_in(client)

    client.logout()
    _password_step(client, leader)
    replay = client.post(CODE_URL, {"otp_token": code})
    assert "Koden stemmer ikke" in replay.content.decode()
    assert not _logged_in(client)


def test_a_device_asks_for_a_pause_after_a_wrong_code(client):
    leader = ProgrammeLeaderFactory()
    device = _authenticator(leader)
    _password_step(client, leader)
    client.post(CODE_URL, {"otp_token": _wrong(_code(device))})
    response = client.post(CODE_URL, {"otp_token": _code(device)})
    assert "Vent noen sekunder" in response.content.decode()
    assert not _logged_in(client)


def test_a_backup_code_works_once_instead_of_the_app(client):
    leader = ProgrammeLeaderFactory()
    _authenticator(leader)
    device = StaticDevice.objects.create(user=leader, name="Reservekoder")
    device.token_set.create(token="abcd2345")
    device.token_set.create(token="efgh6777")

    _password_step(client, leader)
    response = client.post(CODE_URL, {"otp_token": "ABCD-2345"}, follow=True)
    assert _logged_in(client)
    assert "du har 1 igjen" in response.content.decode()

    client.logout()
    _password_step(client, leader)
    client.post(CODE_URL, {"otp_token": "abcd2345"})
    assert not _logged_in(client)


def test_wrong_codes_count_with_wrong_passwords_and_lock_the_address_out(client, settings):
    leader = ProgrammeLeaderFactory()
    device = _authenticator(leader)
    # Two wrong passwords, then wrong codes: a right password in between does not start the count again.
    for _ in range(2):
        client.post(LOGIN_URL, {"username": leader.email, "password": "gjetting"})
    for _ in range(settings.AXES_FAILURE_LIMIT - 2):
        _password_step(client, leader)
        _unthrottle(leader)
        last = client.post(CODE_URL, {"otp_token": _wrong(_code(device))})
    assert last.status_code == 429
    assert "For mange mislykkede innlogginger" in last.content.decode()

    # Locked out: neither the right password nor a right code gets in.
    assert _password_step(client, leader).status_code == 429
    assert not _logged_in(client)


def test_a_staff_session_that_skipped_the_code_is_ended(client):
    adviser = AdviserFactory()
    client.force_login(adviser)
    session = client.session
    del session[DEVICE_ID_SESSION_KEY]  # as Django's admin login form, or an old session, would leave it
    session.save()

    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert not _logged_in(client)
    assert AuditEvent.objects.filter(action="auth.second_factor_missing", actor=adviser).exists()


def test_someone_given_a_staff_role_while_logged_in_must_log_in_again_with_a_code(client):
    person = UserFactory()
    client.force_login(person)
    assert client.get(reverse("dashboard:home")).status_code == 200
    person.groups.add(Group.objects.get(name=ADVISER))  # not even `is_staff`: the role alone asks for the code
    assert client.get(reverse("dashboard:home")).status_code == 302
    assert not _logged_in(client)


def test_participants_keep_the_password_alone(client):
    member = UserFactory()
    response = _password_step(client, member)
    assert response["Location"] == reverse("dashboard:home")
    assert int(client.session["_auth_user_id"]) == member.pk
    assert not TOTPDevice.objects.exists()


def test_the_admins_own_login_form_leads_to_the_portals(client):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response["Location"] == f"{LOGIN_URL}?next=/admin/"


def test_a_half_login_expires(client, settings):
    leader = ProgrammeLeaderFactory()
    device = _authenticator(leader)
    _password_step(client, leader)
    settings.SECOND_FACTOR_PENDING_SECONDS = -1
    response = client.post(CODE_URL, {"otp_token": _code(device)})
    assert response["Location"] == LOGIN_URL
    assert not _logged_in(client)


def test_the_code_page_without_a_password_step_sends_to_the_login(client):
    assert client.get(CODE_URL)["Location"] == LOGIN_URL
    assert client.get(SETUP_URL)["Location"] == LOGIN_URL


def test_a_login_never_leads_off_the_site(client):
    leader = ProgrammeLeaderFactory()
    device = _authenticator(leader)
    _password_step(client, leader, next_url="https://angriper.example.com/")
    response = client.post(CODE_URL, {"otp_token": _code(device)})
    assert response["Location"] == reverse("dashboard:home")


def test_resetting_the_second_factor_ends_its_sessions_and_asks_for_a_new_app(client):
    adviser = AdviserFactory()
    client.force_login(adviser)
    leader = ProgrammeLeaderFactory()
    leader_client = client.__class__()
    leader_client.force_login(leader)
    leader_client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "reset_second_factor", "_selected_action": [adviser.pk]},
        REMOTE_ADDR="10.7.7.7",
    )
    assert not TOTPDevice.objects.filter(user=adviser).exists()
    event = AuditEvent.objects.get(action="user.second_factor_reset")
    assert (event.actor, event.object_id, event.ip_address) == (leader, str(adviser.pk), "10.7.7.7")
    deliver_outbox()
    assert [m.to for m in mail.outbox] == [[adviser.email]]

    assert client.get(reverse("dashboard:my_groups")).status_code == 302
    assert _password_step(client, adviser)["Location"] == SETUP_URL


def test_staff_make_new_backup_codes_and_the_old_stop_working(client):
    leader = ProgrammeLeaderFactory()
    client.force_login(leader)
    account = client.get(reverse("accounts:account")).content.decode()
    assert "Lag nye reservekoder" in account

    client.post(reverse("accounts:backup_codes_renew"))
    first = re.findall(r"<li>([a-z2-7]{8})</li>", client.get(reverse("accounts:backup_codes")).content.decode())
    client.post(reverse("accounts:backup_codes_renew"))
    second = re.findall(r"<li>([a-z2-7]{8})</li>", client.get(reverse("accounts:backup_codes")).content.decode())
    assert len(first) == len(second) == 10
    assert set(StaticToken.objects.values_list("token", flat=True)) == set(second)
    # The session stays verified throughout.
    assert client.get(reverse("admin:index")).status_code == 200


def test_participants_have_no_backup_codes_to_make(client):
    client.force_login(UserFactory())
    assert client.post(reverse("accounts:backup_codes_renew")).status_code == 404
    assert "reservekoder" not in client.get(reverse("accounts:account")).content.decode()


def test_a_person_changes_their_own_password_with_the_old_one_and_is_told(client):
    member = UserFactory()
    client.force_login(member)
    url = reverse("accounts:password_change")
    new = {"new_password1": "Nytt-fjell-26", "new_password2": "Nytt-fjell-26"}
    wrong = client.post(url, {"old_password": "gjetning", **new})
    assert "Det nåværende passordet er feil" in wrong.content.decode()
    client.post(url, {"old_password": PASSWORD, **new})
    member.refresh_from_db()
    assert member.check_password("Nytt-fjell-26")
    assert _logged_in(client)
    assert AuditEvent.objects.filter(action="auth.password_changed", actor=member).exists()
    deliver_outbox()
    assert [m.to for m in mail.outbox] == [[member.email]]


def test_the_admins_password_page_is_the_portals_own(client):
    client.force_login(ProgrammeLeaderFactory())
    assert client.get("/admin/password_change/")["Location"] == reverse("accounts:password_change")


def test_invited_staff_choose_a_password_and_go_on_to_set_up_their_app(client):
    """An invitation ends the password step only: staff are not logged in until their app is set up."""
    adviser = AdviserFactory(password=None)
    token = Invitation.new_token()
    Invitation.objects.create(
        user=adviser,
        token_hash=hash_token(token),
        invited_by=ProgrammeLeaderFactory(),
        expires_at=timezone.now() + timedelta(days=7),
    )
    url = reverse("accounts:invitation_accept", args=[token])

    done = client.post(url, {"new_password1": "Fjelltopp-2026", "new_password2": "Fjelltopp-2026"}, follow=True)

    assert done.redirect_chain[-1][0] == SETUP_URL
    page = done.content.decode()
    assert "Passordet er lagret. Sett opp en autentiseringsapp" in page
    assert "du er logget inn" not in page
    assert not _logged_in(client)
    secret = re.search(r'<code[^>]*id="totp-secret">([A-Z2-7 ]+)</code>', page).group(1)
    client.post(SETUP_URL, {"otp_token": code_for_secret(secret)})
    assert int(client.session["_auth_user_id"]) == adviser.pk
    assert client.get(reverse("dashboard:my_groups")).status_code == 200
