"""The staff login in a real browser: the first login sets up the app from the page's key and shows the backup
codes, a later one asks for the code, a participant needs none; axe-core on every page of the way."""

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from accounts.tests.factories import PASSWORD, ProgrammeLeaderFactory, UserFactory
from core.testing.browser import PHONE_VIEWPORT, assert_accessible, expect_form_error, login
from core.testing.otp import code_for_secret, next_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _password(page, live_server, email):
    page.goto(f"{live_server.url}/admin/")
    expect(page.get_by_role("heading", name="Logg inn")).to_be_visible()
    page.get_by_label("E-post").fill(email)
    page.get_by_label("Passord").fill(PASSWORD)
    page.get_by_role("button", name="Logg inn").click()


def test_the_programme_leader_sets_up_the_app_then_logs_in_with_its_code(live_server, make_page):
    leader = ProgrammeLeaderFactory(full_name="Siri Aasland Øvrebø")
    page = make_page(viewport=PHONE_VIEWPORT)
    _password(page, live_server, leader.email)
    expect(page.get_by_role("heading", name="Sett opp engangskoder")).to_be_visible()
    expect(page.get_by_role("img", name="QR-kode")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Engangskode").fill("000000" if code_for_secret(_secret(page)) != "000000" else "111111")
    page.get_by_role("button", name="Bekreft og logg inn").click()
    expect_form_error(page, "Koden stemmer ikke")
    assert_accessible(page)
    TOTPDevice.objects.filter(user=leader).update(throttling_failure_count=0)  # skip django-otp's 1 s pause
    page.get_by_label("Engangskode").fill(code_for_secret(_secret(page)))
    page.get_by_role("button", name="Bekreft og logg inn").click()
    expect(page.get_by_role("heading", name="Reservekodene dine")).to_be_visible()
    expect(page.get_by_role("list", name="Reservekoder").get_by_role("listitem")).to_have_count(10)
    assert_accessible(page)
    page.get_by_role("link", name="Jeg har tatt vare på kodene – fortsett").click()
    # Where the login was going: the admin.
    expect(page.get_by_role("heading", name="Norsk kulturskoleråd")).to_be_visible()

    later = make_page()
    _password(later, live_server, leader.email)
    expect(later.get_by_role("heading", name="Engangskode")).to_be_visible()
    assert_accessible(later)
    later.get_by_label("Engangskode").fill(next_code(TOTPDevice.objects.get(user=leader)))
    later.get_by_role("button", name="Logg inn").click()
    expect(later.get_by_role("heading", name="Norsk kulturskoleråd")).to_be_visible()
    later.goto(f"{live_server.url}/")
    later.get_by_role("link", name=leader.full_name).click()
    expect(later.get_by_text("Du har 10 ubrukte reservekoder.")).to_be_visible()
    assert_accessible(later)


def _secret(page):
    return page.locator("#totp-secret").inner_text()


def test_the_login_helper_sets_up_the_app_the_way_a_person_does(live_server, page):
    leader = ProgrammeLeaderFactory()
    login(page, live_server, leader.email, PASSWORD, set_up_app=True)
    assert TOTPDevice.objects.get(user=leader).confirmed
    expect(page.get_by_role("link", name="Administrasjon", exact=True)).to_be_visible()


def test_a_participant_logs_in_with_the_password_alone(live_server, page):
    member = UserFactory()
    login(page, live_server, member.email, PASSWORD)
    expect(page.get_by_role("heading", name="Engangskode")).to_have_count(0)
    assert not TOTPDevice.objects.exists()


def test_after_a_failed_submit_the_keyboard_starts_at_the_error_summary(live_server, make_page):
    person = UserFactory(full_name="Ingrid Kåsen")
    page = make_page(viewport=PHONE_VIEWPORT)
    login(page, live_server, person.email, PASSWORD)
    page.goto(f"{live_server.url}/konto/passord/endre/")
    page.get_by_label("Nåværende passord").fill("ikke-det-gamle")
    page.get_by_label("Nytt passord", exact=False).first.fill("Nordlys-over-fjellet")
    page.get_by_label("Gjenta nytt passord").fill("Nordlys-over-fjellet")
    page.get_by_role("button", name="Endre passord").click()
    expect_form_error(page, "Det nåværende passordet er feil. Prøv igjen.")
    assert_accessible(page)
    summary = page.locator("#feiloppsummering")
    page.keyboard.press("Tab")
    link = summary.get_by_role("link", name="Nåværende passord: Det nåværende passordet er feil. Prøv igjen.")
    expect(link).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#id_old_password")).to_be_focused()
