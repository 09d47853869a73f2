"""The organisation that runs the portal is named from one place, settings.ORGANISATION: pages, e-mails and
PDFs all read it there, so that another organisation can run the portal by setting it."""

import pytest
from django.test import Client
from django.urls import reverse

from core.mail import render_mail
from core.testing.pdf import pdf_text
from municipalities.tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def other_organisation(settings):
    settings.ORGANISATION = {**settings.ORGANISATION, "name": "Samisk kulturråd", "email": "post@example.org"}
    return settings.ORGANISATION


def test_pages_name_the_organisation_of_the_settings(client, other_organisation):
    page = client.get(reverse("accounts:login")).content.decode()
    assert "– Samisk kulturråd</title>" in page
    assert "Samisk kulturråd · Veiledning i kulturskoleutvikling" in page
    assert "Norsk kulturskoleråd" not in page


def test_emails_name_the_organisation_of_the_settings(other_organisation):
    context = {"user": {"full_name": "Ánte"}, "link": "https://portal.example/x", "expires_at": None}
    subject, body, html = render_mail(template="accounts/email/invitation", context=context)
    assert subject == "Invitasjon til portalen for veiledning fra Samisk kulturråd"
    assert body.rstrip().endswith("Vennlig hilsen\nSamisk kulturråd\n\nSpørsmål? Skriv til post@example.org")
    assert "Samisk kulturråd" in html
    assert "Norsk kulturskoleråd" not in subject + body + html


def test_pdfs_name_the_organisation_of_the_settings(other_organisation):
    membership = MembershipFactory()
    client = Client()
    client.force_login(membership.user)
    response = client.get(reverse("contracts:foundation_pdf", args=[membership.group.portfolio_id]))
    text = pdf_text(b"".join(response.streaming_content) if response.streaming else response.content)
    assert "Samisk kulturråd" in text


def test_the_500_page_names_the_organisation_and_its_address(other_organisation, caplog):
    from dashboard.tests.test_error_pages import _fails  # noqa: F401 - the failing view's URL conf

    client = Client(raise_request_exception=False)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("django.conf.settings.ROOT_URLCONF", "dashboard.tests.test_error_pages")
        page = client.get("/feiler/").content.decode()
    assert "ta kontakt med Samisk kulturråd (post@example.org)" in page
