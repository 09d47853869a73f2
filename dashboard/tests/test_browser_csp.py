"""With the Content-Security-Policy on, the admin pages the programme leader uses still work in Chromium (their
scripts run: inline rows are added, the autocomplete, the two-box selector and the date shortcuts appear), and
neither they nor the portal's own pages trip a single CSP violation."""

import pytest
from playwright.sync_api import expect

from accounts.tests.factories import PASSWORD, ProgrammeLeaderFactory
from core.testing.browser import assert_accessible, login
from municipalities.tests.factories import MunicipalityGroupFactory
from surveys.tests.factories import SurveyFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

# Collects every violation the page reports, from the first script on (an init script runs before the page's
# own and is not itself subject to the page's CSP).
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  const where = `${e.sourceFile}:${e.lineNumber}`;
  window.__cspViolations.push(`${e.effectiveDirective} blocked ${e.blockedURI || "inline"} in ${where}`);
});
"""


@pytest.fixture
def leader_page(live_server, page):
    page.add_init_script(RECORD_VIOLATIONS)
    console = []
    page.on(
        "console", lambda message: console.append(message.text) if "Content Security Policy" in message.text else None
    )
    leader = ProgrammeLeaderFactory()
    login(page, live_server, leader.email, PASSWORD)
    page.console_csp = console
    return page


def _assert_no_violations(page):
    assert page.evaluate("window.__cspViolations") == []
    assert page.console_csp == []


def test_the_admin_pages_work_with_the_csp(live_server, leader_page):
    page = leader_page
    group = MunicipalityGroupFactory()
    survey = SurveyFactory(portfolio=group.portfolio)
    admin = f"{live_server.url}/admin"

    response = page.goto(f"{admin}/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    _assert_no_violations(page)

    # A group: the municipalities' autocomplete (select2) and the members' inline rows.
    page.goto(f"{admin}/municipalities/municipalitygroup/{group.pk}/change/")
    page.locator(".field-municipalities .select2-selection").click()
    page.locator(".select2-search__field").fill("Bod")
    expect(page.locator(".select2-results__option", has_text="Bodø").first).to_be_visible()
    page.keyboard.press("Escape")
    rows = page.locator("#memberships-group .dynamic-memberships")
    before = rows.count()
    page.locator("#memberships-group .add-row a").click()
    expect(rows).to_have_count(before + 1)
    _assert_no_violations(page)

    # A portfolio: the advisers' two-box selector, the date shortcuts and the plan's inline rows.
    page.goto(f"{admin}/portfolios/portfolio/{group.portfolio.pk}/change/")
    expect(page.locator(".selector-available").first).to_be_visible()
    expect(page.locator(".datetimeshortcuts").first).to_be_visible()
    page.locator(".datetimeshortcuts a", has_text="I dag").first.click()
    _assert_no_violations(page)

    # The survey builder, a person, the log's list with its date hierarchy and filter, and a new portfolio.
    for path in (
        f"/surveys/survey/{survey.pk}/change/",
        f"/accounts/user/{group.adviser.pk}/change/",
        "/accounts/auditevent/",
        "/portfolios/portfolio/add/",
        "/meetings/meeting/",
    ):
        page.goto(f"{admin}{path}")
        expect(page.locator("#content")).to_be_visible()
        _assert_no_violations(page)


def test_the_portal_pages_have_no_csp_violations(live_server, leader_page):
    page = leader_page
    MunicipalityGroupFactory()
    for path in ("/portefoljer/", "/logg/", "/mine-kommunegrupper/", "/sporreundersokelse/", "/moter/kalender/"):
        page.goto(f"{live_server.url}{path}")
        _assert_no_violations(page)
    page.goto(f"{live_server.url}/logg/")
    expect(page.get_by_role("heading", name="Logg", level=1)).to_be_visible()
    expect(page.get_by_role("cell", name="Logget inn").first).to_be_visible()
    assert_accessible(page)
    # The menu opens (Bootstrap's script runs) on a narrow screen.
    page.set_viewport_size({"width": 390, "height": 844})
    page.get_by_role("button", name="Vis eller skjul menyen").click()
    expect(page.get_by_role("link", name="Logg")).to_be_visible()
    _assert_no_violations(page)


def test_the_check_sees_a_violation_when_there_is_one(live_server, leader_page):
    """The two tests above pass only if nothing is reported; this one shows that something would be."""
    page = leader_page
    page.goto(f"{live_server.url}/logg/")
    page.evaluate("document.body.insertAdjacentHTML('beforeend', '<p style=\"color: red\">inline</p>')")
    page.wait_for_function("window.__cspViolations.length > 0")
    assert page.evaluate("window.__cspViolations")[0].startswith("style-src")
