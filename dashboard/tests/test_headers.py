"""The headers of every kind of response (ASVS 3.4): the Content-Security-Policy, the Permissions-Policy, and
`Cache-Control: private, no-store` on everything private. `.ci/run` runs this file a second time with
production's settings (DEBUG=False in the environment, HTTPS on), where the HTTPS-only checks below apply too."""

import os
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles.storage import staticfiles_storage
from django.test import Client
from django.urls import reverse

from accounts.tests.factories import ProgrammeLeaderFactory, UserFactory
from surveys.tests.factories import SurveyFactory

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
STRICT_CSP = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "object-src": "'none'",
    "frame-ancestors": "'none'",
    "form-action": "'self'",
}
PRODUCTION = bool(settings.SECURE_SSL_REDIRECT)


def _csp(response):
    return {
        part.strip().split(" ", 1)[0]: part.strip().split(" ", 1)[1]
        for part in response["Content-Security-Policy"].split(";")
        if part.strip()
    }


@pytest.fixture
def leader(client):
    leader = ProgrammeLeaderFactory()
    client.force_login(leader)
    return leader


def _directives(response):
    return {part.strip() for part in response["Cache-Control"].split(",")}


def _assert_private_page(response):
    # «private, no-store» at least (Django's never_cache, on the login page, adds more of the same kind).
    assert {"private", "no-store"} <= _directives(response), response["Cache-Control"]
    assert not {"public", "max-age=900"} & _directives(response)
    assert _csp(response) | STRICT_CSP == _csp(response), response["Content-Security-Policy"]
    assert "camera=()" in response["Permissions-Policy"] and "geolocation=()" in response["Permissions-Policy"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    if PRODUCTION:
        assert response["Strict-Transport-Security"].startswith("max-age=31536000")


def test_an_anonymous_page(client):
    response = client.get(reverse("accounts:login"))
    assert response.status_code == 200
    _assert_private_page(response)
    assert "unsafe-inline" not in response["Content-Security-Policy"]


def test_a_logged_in_page(client, leader):
    response = client.get(reverse("dashboard:portfolio_list"))
    assert response.status_code == 200
    _assert_private_page(response)


def test_a_private_download(client, leader):
    survey = SurveyFactory()
    for name in ("surveys:export_csv", "surveys:export_xlsx"):
        response = client.get(reverse(name, kwargs={"pk": survey.pk}))
        assert response.status_code == 200
        assert response["Content-Disposition"].startswith("attachment")
        _assert_private_page(response)


def test_the_calendar_feed_may_be_kept_by_its_one_reader_only(client, leader):
    # The feed's address is shown once, on the page the POST that makes it answers with.
    page = client.post(reverse("meetings:calendar")).content.decode()
    token = re.search(r"/moter/kalender/([\w-]+)\.ics", page).group(1)
    anonymous = Client(headers={"X-Forwarded-Proto": "https"}).get(f"/moter/kalender/{token}.ics")
    assert anonymous.status_code == 200
    # A calendar program polls the feed without a session: it may keep it for itself for 15 minutes.
    assert anonymous["Cache-Control"] == "private, max-age=900"


def test_an_admin_page(client, leader):
    for url in (reverse("admin:index"), reverse("admin:accounts_auditevent_changelist")):
        response = client.get(url)
        assert response.status_code == 200
        _assert_private_page(response)


def test_an_error_page(client, leader):
    response = client.get("/finnes-ikke/")
    assert response.status_code == 404
    _assert_private_page(response)
    anonymous = Client(headers={"X-Forwarded-Proto": "https"}).get("/finnes-ikke/")
    assert anonymous.status_code == 404
    _assert_private_page(anonymous)


def test_a_static_file_is_public_and_cached_for_long(client):
    url = staticfiles_storage.url("css/veiledning.css")
    response = client.get(url)
    assert response.status_code == 200
    assert "public" in response["Cache-Control"] and "max-age=315360000" in response["Cache-Control"]
    b"".join(response.streaming_content)


def test_the_health_endpoint_is_never_cached(client):
    response = Client().get("/helse/", HTTP_HOST="127.0.0.1")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.skipif(not PRODUCTION, reason="Production's settings only: HTTPS on.")
def test_plain_http_is_sent_to_https():
    response = Client().get(reverse("accounts:login"))
    assert response.status_code == 301
    assert response["Location"].startswith("https://")


def test_the_production_run_has_production_settings():
    """`.ci/run` sets CI_PRODUCTION_SETTINGS for its second run; this fails there if the settings it meant
    to test are not the ones in force (the environment did not reach settings.py)."""
    if os.environ.get("CI_PRODUCTION_SETTINGS") != "required":
        pytest.skip("Only in .ci/run's production-settings run.")
    assert settings.SECURE_SSL_REDIRECT
    assert settings.SESSION_COOKIE_SECURE and settings.CSRF_COOKIE_SECURE
    assert settings.SECURE_HSTS_SECONDS >= 31536000
    assert "django-insecure" not in settings.SECRET_KEY


TEMPLATE_DIRS = [ROOT / "templates", *(ROOT / app / "templates" for app in ("dashboard", "accounts"))]


def test_no_template_has_an_inline_script_style_or_event_handler():
    """The CSP allows no inline code, so a template with some would be broken in the browser. PDF templates
    are exempt: WeasyPrint reads their <style>, no browser does; so is the e-mail layout, which a mail program
    shows with no CSP and which needs its styles inline (most mail programs drop a <style>)."""
    offenders = []
    for folder in TEMPLATE_DIRS:
        for path in folder.rglob("*.html"):
            if path.name.endswith("_pdf.html") or "pdf" in path.parts or "email" in path.parts:
                continue
            text = path.read_text()
            for pattern in (r"<script(?![^>]*\bsrc=)", r"<style", r"\sstyle=\"", r"\son[a-z]+=\"", r"javascript:"):
                if re.search(pattern, text):
                    offenders.append(f"{path.relative_to(ROOT)}: {pattern}")
    assert offenders == []


def test_the_session_cookie_is_secure_in_production(client):
    user = UserFactory()
    response = client.post(reverse("accounts:login"), {"username": user.email, "password": "korrekt-hest-batteri"})
    assert response.status_code == 302
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["httponly"]
    if PRODUCTION:
        assert cookie["secure"]
