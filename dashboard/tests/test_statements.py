"""The accessibility statement, the privacy statement and the contact page: open to everyone, linked from
the footer of every layout (the portal's, the error pages', the admin's), and the favicon."""

import re

import pytest
from django.test import RequestFactory

from accounts.tests.factories import ProgrammeLeaderFactory, UserFactory
from core.views import server_error

pytestmark = pytest.mark.django_db

PAGES = {
    "/tilgjengelighet/": "Tilgjengelighetserklæring for Veiledning",
    "/personvern/": "Personvernerklæring for Veiledning",
    "/kontakt/": "Kontakt",
}
FOOTER_LINKS = [
    ("/tilgjengelighet/", "Tilgjengelighetserklæring"),
    ("/personvern/", "Personvernerklæring"),
    ("/kontakt/", "Kontakt"),
    ("/sok/", "Søk om å delta"),
]


def _footer_links(html):
    footer = re.search(r'<nav aria-label="Erklæringer og kontakt">(.*?)</nav>', html, re.S)
    assert footer, "no footer navigation"
    return re.findall(r'<a href="([^"]+)">([^<]+)</a>', footer.group(1))


@pytest.mark.parametrize("path", PAGES)
def test_each_statement_is_open_to_anyone_logged_in_or_not(client, path):
    anonymous = client.get(path)
    assert anonymous.status_code == 200
    assert f"<h1>{PAGES[path]}</h1>" in anonymous.content.decode()
    client.force_login(UserFactory())
    assert client.get(path).status_code == 200


def test_the_accessibility_statement_has_the_parts_uustatus_asks_for(client):
    html = client.get("/tilgjengelighet/").content.decode()
    for heading in ("Hva erklæringen gjelder", "Standard", "Status", "Gi tilbakemelding", "Den offisielle erklæringen"):
        assert f"<h2>{heading}</h2>" in html
    assert "WCAG 2.1" in html
    assert "ikke merket" in html  # the known deviations are listed, not hidden
    assert 'href="https://uustatus.no"' in html
    assert re.search(r"Sist oppdatert \d{1,2}\. \w+ \d{4}", html)


def test_the_privacy_statement_says_what_why_how_long_who_and_whom_to_ask(client, settings):
    settings.INVITATION_VALID_DAYS = 21
    html = client.get("/personvern/").content.decode()
    for heading in ("Hva vi lagrer", "Hvorfor", "Hvor lenge", "Hvem som ser opplysningene", "Dine rettigheter"):
        assert f"<h2>{heading}</h2>" in html
    assert "IP-adresse" in html
    assert "gjelder i 21 dager" in html
    assert "mailto:veiledning@kulturskoleradet.no" in html
    assert "Datatilsynet" in html


def test_the_contact_page_gives_the_organisations_details_from_the_settings(client, settings):
    settings.ORGANISATION = {**settings.ORGANISATION, "phone": "73 56 20 00", "address": "Trondheim"}
    html = client.get("/kontakt/").content.decode()
    assert 'href="mailto:veiledning@kulturskoleradet.no"' in html
    assert 'href="tel:73562000"' in html
    assert "Norsk kulturskoleråd, Trondheim" in html


def test_the_footer_links_the_statements_on_a_portal_page_and_a_404(client):
    assert _footer_links(client.get("/konto/logg-inn/").content.decode()) == FOOTER_LINKS
    missing = client.get("/finnes-ikke/")
    assert missing.status_code == 404
    assert _footer_links(missing.content.decode()) == FOOTER_LINKS


def test_the_footer_links_the_statements_on_the_500_page():
    html = server_error(RequestFactory().get("/")).content.decode()
    assert _footer_links(html) == FOOTER_LINKS
    assert 'href="/static/icons/favicon.svg"' in html


def test_the_admin_has_the_footer_links_and_the_favicon(client):
    client.force_login(ProgrammeLeaderFactory())
    response = client.get("/admin/")
    assert response.status_code == 200
    html = response.content.decode()
    assert _footer_links(html) == FOOTER_LINKS
    assert re.search(r'<link rel="icon" href="/static/icons/favicon\.[0-9a-f]+\.svg"', html)


def test_the_favicon_is_linked_and_served(client):
    html = client.get("/kontakt/").content.decode()
    svg = re.search(r'<link rel="icon" href="(/static/icons/favicon\.[0-9a-f]+\.svg)" type="image/svg\+xml">', html)
    assert svg, "the hashed SVG favicon is linked"
    assert client.get(svg.group(1)).status_code == 200
    redirect = client.get("/favicon.ico")
    assert redirect.status_code == 302
    # The hashed name from the manifest the production storage collected.
    assert re.fullmatch(r"/static/icons/favicon\.[0-9a-f]+\.ico", redirect["Location"])
    icon = client.get(redirect["Location"])
    assert icon.status_code == 200
    assert b"".join(icon.streaming_content)[:4] == b"\x00\x00\x01\x00"  # an ICO file's header
