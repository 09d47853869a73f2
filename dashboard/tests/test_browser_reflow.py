"""Issue 17: every portal page reflows at 320 px (WCAG 1.4.10), still fits with text at 200 % (1.4.4), and passes
axe-core, for each person who uses it.

The pages are the crawler's (testing/crawl.py): one of each kind, on the demo, as the member, the adviser and
the programme leader visit them, so that a new page is checked here as soon as the crawl visits it. Downloads,
posts and redirects are left out: they have no page to lay out."""

import io

import pytest
from django.core.management import call_command
from playwright.sync_api import Page

from core.testing.browser import (
    NARROW_VIEWPORT,
    assert_accessible,
    assert_no_sideways_scroll,
    login,
    set_text_size,
)
from dashboard.management.commands.seed_demo import DEMO_PASSWORD
from testing.crawl import Targets, Visit, find_targets, portal_visits

# The live server answers from another thread, so the data must be committed (see dashboard/tests/test_browser.py).
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PERSONAS = ("member", "adviser", "leader")
# Names of URLs that answer with a file, not a page.
DOWNLOADS = ("pdf", "xlsx", "csv", "export", "download")
TEXT_200_VIEWPORT = {"width": 640, "height": 640}


def _pages(targets: Targets) -> list[Visit]:
    return [
        visit
        for visit in portal_visits(targets)
        if visit.persona in PERSONAS
        and visit.method == "get"
        and visit.status == 200
        and not any(word in visit.url_name for word in DOWNLOADS)
    ]


def _fits_with_text_at_200_percent(page: Page) -> None:
    """Text at 200 % (WCAG 1.4.4) on a screen twice as wide: as much text per line as at 320 px, but with the
    layout of a wider screen, whose breakpoints (in px) do not move with the text."""
    page.set_viewport_size(TEXT_200_VIEWPORT)
    set_text_size(page, "200%")
    try:
        assert_no_sideways_scroll(page)
    finally:
        page.set_viewport_size(NARROW_VIEWPORT)


@pytest.fixture
def demo():
    call_command("seed_demo", stdout=io.StringIO())
    targets = find_targets()
    # The crawl's personal links belong to the anonymous visitor, whose pages are not visited here; the
    # addresses only need a token to be built.
    targets.calendar_token = targets.account_invitation_token = "ubrukt"
    targets.open_survey_token = targets.submitted_survey_token = "ubrukt"
    targets.draft_application_token = targets.submitted_application_token = "ubrukt"
    return targets


def test_every_portal_page_reflows_at_320_px_and_at_200_percent_text_and_passes_axe(live_server, make_page, demo):
    pages = _pages(demo)
    # The kinds of page this must cover, so that a change to the crawl cannot quietly leave them out.
    names = {visit.url_name for visit in pages}
    assert {
        "dashboard:group_detail",
        "dashboard:portfolio_detail",
        "portfolios:foundation_document",
        "contracts:detail",
        "meetings:group_meetings",
        "surveys:results",
        "surveys:report",
        "surveys:compare",
        "dashboard:report_portfolio",
    } <= names
    failures = []
    for persona in PERSONAS:
        user = getattr(demo, persona)
        page = make_page(NARROW_VIEWPORT)
        login(page, live_server, user.email, DEMO_PASSWORD)
        for visit in (v for v in pages if v.persona == persona):
            response = page.goto(live_server.url + visit.path)
            if response is None or response.status != 200:
                failures.append(f"{visit.key}: answered {response and response.status}")
                continue
            for check in (assert_no_sideways_scroll, assert_accessible, _fits_with_text_at_200_percent):
                try:
                    check(page)
                except AssertionError as error:
                    failures.append(f"{visit.key}: {error}")
    # Every failure at once: a page that scrolls sideways rarely comes alone.
    assert failures == [], "\n".join(failures)
