import os

import pytest
from django.core.management import call_command
from django.db import connections
from django.test import Client
from django.test.utils import override_settings
from playwright.sync_api import sync_playwright
from pytest_django.live_server_helper import LiveServer

from core.testing.browser import DESKTOP_VIEWPORT
from core.testing.chromium import CHROMIUM, CHROMIUM_ARGS
from core.testing.otp import pass_second_factor
from testing.permissions import build_world

# An S3-compatible object store (moto's server) for the tests of the private storage; real Celery workers and
# an SMTP server for the tests of the outbox.
pytest_plugins = ["core.tests.s3", "core.testing.workers"]


@pytest.fixture(autouse=True)
def _fast_passwords_and_local_mail(settings):
    # Hashing with the production hasher costs ~0.3 s per user; tests don't test the hasher.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture(autouse=True)
def _force_login_includes_the_second_factor(monkeypatch):
    """`client.force_login(user)` stands for a finished login, so for staff it includes the one-time code
    (core.testing.otp.pass_second_factor). Without this every staff session of a test would be ended by the portal
    (accounts.middleware.SecondFactorMiddleware). The login pages themselves are tested through the real steps
    (accounts/tests/test_two_factor.py), and so are the browser tests (core.testing.browser.login)."""
    original = Client._login

    def _login(self, user, backend=None):
        original(self, user, backend)
        pass_second_factor(self, user)

    monkeypatch.setattr(Client, "_login", _login)


@pytest.fixture(scope="session", autouse=True)
def _collected_static(tmp_path_factory):
    """The static files collected once per run into a STATIC_ROOT of the run's own, as production does.

    The tests run with DEBUG off and the production static storage (WhiteNoise's manifest storage), so
    `{% static %}` gives hashed names that only the manifest knows: every page and every PDF renders as in
    production, and a file missing from the collected ones fails the test that needs it. The settings
    change signal makes the storage read the new STATIC_ROOT and its manifest.

    WhiteNoise's middleware indexes the ~800 collected files (originals, hashed copies, .gz and .br) when it
    is created, which Django does for every test client: 30-50 ms each, some 900 times, a fifth of the
    suite's time. With autorefresh it looks a file up when it is asked for instead, in the same STATIC_ROOT
    and with the same headers, so the live server's static files still answer as production's do.
    """
    staticfiles = tmp_path_factory.mktemp("staticfiles")
    with override_settings(STATIC_ROOT=staticfiles, WHITENOISE_AUTOREFRESH=True):
        call_command("collectstatic", interactive=False, verbosity=0)
        yield


@pytest.fixture
def client():
    """pytest-django's test client, sending what nginx sends in production: `X-Forwarded-Proto: https`, which
    SECURE_PROXY_SSL_HEADER trusts. With production's settings (DEBUG=False in the environment, as `.ci/run`
    runs the permission matrix and the header tests a second time) a plain-http request would only get the
    redirect to https; with these, every request is the HTTPS request a server sees, HSTS and all."""
    # The Host as nginx passes it: without one Django would build absolute addresses from the port the test
    # request claims (80), as https://testserver:80/.
    return Client(headers={"X-Forwarded-Proto": "https", "Host": "testserver"})


@pytest.fixture(autouse=True)
def _private_storage(settings, tmp_path):
    """Each test keeps private files (contract PDFs) in a folder of its own on the local storage, never in
    the project's private/ folder nor in an object store that the environment may name."""
    settings.PRIVATE_STORAGE_ROOT = tmp_path / "private"
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {"BACKEND": "core.storage.PrivateFileSystemStorage", "OPTIONS": {"location": tmp_path / "private"}},
    }


@pytest.fixture
def world(db):
    """Two groups in two portfolios and one person of each persona (testing/permissions.py)."""
    return build_world()


@pytest.fixture(scope="session")
def live_server(request, _collected_static):
    """pytest-django's live server, serving static files the way production does.

    pytest-django's own wraps the portal in Django's StaticFilesHandler, which looks files up with the
    finders and so knows only the plain names, not the hashed ones the pages link. Without that wrapper the
    requests reach the portal's middleware, where WhiteNoise serves the collected files from STATIC_ROOT
    with production's headers. Same address options as pytest-django's fixture.
    """
    addr = request.config.getvalue("liveserver") or os.getenv("DJANGO_LIVE_TEST_SERVER_ADDRESS") or "localhost"
    server = LiveServer(addr, start=False)
    server.thread.static_handler = _no_static_handler
    server.start()
    yield server
    server.stop()


def _no_static_handler(application):
    # LiveServerThread wraps its WSGI application in `static_handler(application)`; this leaves it as it is.
    return application


# Browser tests: Debian's Chromium driven by Playwright's sync API. `playwright install` cannot download
# browsers on these machines, so the fixtures always launch the system Chromium.


@pytest.fixture(scope="session")
def browser():
    """One Chromium for the whole session; skipped without Chromium unless BROWSER_TESTS=required."""
    if not os.path.exists(CHROMIUM):
        message = f"Browser tests need Chromium at {CHROMIUM} (apt-get install chromium)."
        if os.environ.get("BROWSER_TESTS") == "required":
            pytest.fail(f"BROWSER_TESTS=required, but Chromium is missing. {message}", pytrace=False)
        pytest.skip(message)
    # Playwright's sync API keeps an asyncio event loop running in the test thread for as long as it is
    # started, and Django refuses ORM calls from a thread with a running loop (SynchronousOnlyOperation).
    # The tests create their data, and the database is flushed after them, in that same thread with no
    # coroutine sharing the connection, so lifting the guard is safe. It is lifted while Playwright runs:
    # the loop outlives each test, so every later test in the session needs it too.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    # With a running loop, Django looks its connections up per context instead of per thread, so the test
    # thread would get new connection objects. Those lack what the test-database set-up stored on the old
    # ones (the contents serialized_rollback restores) and are not the ones the live server shares for an
    # in-memory SQLite, so the thread is handed its own connections back.
    thread_connections = {alias: connections[alias] for alias in connections}
    try:
        with sync_playwright() as playwright:
            for alias, connection in thread_connections.items():
                connections[alias] = connection
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            yield chromium
            chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def make_page(browser):
    """A factory of pages, each in a fresh context (own cookies): make_page(viewport=PHONE_VIEWPORT).

    Every context is closed after the test.
    """
    contexts = []

    def make(viewport=None):
        context = browser.new_context(viewport=viewport or DESKTOP_VIEWPORT, locale="nb-NO")
        # A missing element should fail within seconds, not after Playwright's default 30 s.
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(request, make_page):
    """A page in a fresh context at desktop size; parametrize indirectly with a viewport dict for another size."""
    return make_page(getattr(request, "param", None))
