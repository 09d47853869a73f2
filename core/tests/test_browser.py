"""The statements in a real browser: reached from the footer, clean by axe-core, and readable at 320 px
wide without scrolling sideways (WCAG 1.4.10)."""

import pytest
from playwright.sync_api import expect

from core.testing.browser import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

NARROW = {"width": 320, "height": 640}


def test_the_statements_are_reached_from_the_footer_and_pass_axe_at_320_px(live_server, make_page):
    page = make_page(viewport=NARROW)
    page.goto(f"{live_server.url}/konto/logg-inn/")
    footer = page.get_by_role("navigation", name="Erklæringer og kontakt")
    for link, heading in [
        ("Tilgjengelighetserklæring", "Tilgjengelighetserklæring for Veiledning"),
        ("Personvernerklæring", "Personvernerklæring for Veiledning"),
        ("Kontakt", "Kontakt"),
    ]:
        footer.get_by_role("link", name=link).click()
        expect(page.get_by_role("heading", level=1, name=heading)).to_be_visible()
        assert_accessible(page)
        assert page.evaluate("document.documentElement.scrollWidth") <= NARROW["width"], page.url
