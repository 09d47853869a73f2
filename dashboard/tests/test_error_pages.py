"""Norwegian error pages as production shows them (DEBUG off, as in every test), and failures that reach
Django's log instead of escaping it."""

import logging
import re
import shutil
from pathlib import Path

import pytest
from django.test import Client
from django.urls import include, path, reverse

from core.pdf import PdfRenderError
from municipalities.tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def _fails(request):
    raise RuntimeError("Noe i visningen sviktet")


# The portal's URLs and one view that fails, for the tests marked with pytest.mark.urls(__name__).
urlpatterns = [path("feiler/", _fails), path("", include("veiledning.urls"))]
handler500 = "core.views.server_error"  # as veiledning.urls has it


def _logged_errors(caplog):
    return [r for r in caplog.records if r.name == "django.request" and r.levelno == logging.ERROR]


def test_an_unknown_address_answers_the_norwegian_404_page(client, settings):
    assert settings.DEBUG is False
    response = client.get("/finnes-ikke/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "<h1>Siden finnes ikke</h1>" in html
    assert 'lang="nb"' in html
    # In the portal's layout, with the hashed name of its collected stylesheet.
    assert "Norsk kulturskoleråd · Veiledning i kulturskoleutvikling" in html
    assert re.search(r'href="/static/css/veiledning\.[0-9a-f]{12}\.css"', html)


@pytest.mark.urls(__name__)
def test_a_failing_view_answers_the_norwegian_500_page_and_logs_the_traceback(caplog):
    client = Client(raise_request_exception=False)
    response = client.get("/feiler/")
    assert response.status_code == 500
    html = response.content.decode()
    assert "<h1>Noe gikk galt</h1>" in html
    assert "Det oppstod en feil hos oss" in html
    assert "Norsk kulturskoleråd · Veiledning i kulturskoleutvikling" in html
    # Rendered without a request context: nothing of the user's, and the stylesheets by their plain names.
    assert "Logg ut" not in html
    assert 'href="/static/css/veiledning.css"' in html
    (record,) = _logged_errors(caplog)
    assert record.getMessage() == "Internal Server Error: /feiler/"
    assert isinstance(record.exc_info[1], RuntimeError)


@pytest.mark.urls(__name__)
def test_the_500_page_renders_for_a_logged_in_user_without_their_menu(caplog):
    client = Client(raise_request_exception=False)
    client.force_login(MembershipFactory().user)
    response = client.get("/feiler/")
    assert response.status_code == 500
    assert "Noe gikk galt" in response.content.decode()
    assert "Logg ut" not in response.content.decode()


def test_a_pdf_that_cannot_be_rendered_answers_the_500_page_and_logs_why(settings, tmp_path, caplog):
    # A STATIC_ROOT whose manifest lists files that are not there: the template links print.css by its
    # hashed name, and the fetcher does not find it.
    shutil.copy(Path(settings.STATIC_ROOT) / "staticfiles.json", tmp_path)
    settings.STATIC_ROOT = tmp_path
    membership = MembershipFactory()
    client = Client(raise_request_exception=False)
    client.force_login(membership.user)

    response = client.get(reverse("contracts:foundation_pdf", args=[membership.group.portfolio_id]))

    assert response.status_code == 500
    assert "<h1>Noe gikk galt</h1>" in response.content.decode()
    (record,) = _logged_errors(caplog)
    assert isinstance(record.exc_info[1], PdfRenderError)
    assert "Fant ikke den statiske filen css/print." in str(record.exc_info[1])
