"""Helpers for the browser tests: logging in through the real form and checking a page with axe-core.

The fixtures that start Chromium (`browser`, `page`, `make_page`) live in the root conftest.py; these
helpers take the Playwright page they return.
"""

from typing import Any

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page
from pytest_django.live_server_helper import LiveServer

CHROMIUM = "/usr/bin/chromium"

# Chromium's own traffic (component updates, sync, QUIC probes) is pointless on a machine without internet and
# floods the log with refused connections, so every launch switches it off.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

DESKTOP_VIEWPORT = {"width": 1280, "height": 800}
PHONE_VIEWPORT = {"width": 390, "height": 844}

# Norwegian public bodies must meet WCAG 2.1 AA; these tags are exactly the rules of levels A and AA up to 2.1.
WCAG_21_AA_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

_axe = Axe()


def login(page: Page, live_server: LiveServer, email: str, password: str) -> None:
    """Logs in through the login form at /konto/logg-inn/ and waits for the page it leads to.

    Fails the test if the form is shown again, i.e. the login was refused.
    """
    page.goto(f"{live_server.url}/konto/logg-inn/")
    # Not exact: crispy-forms appends an asterisk to the labels of required fields («E-post*»).
    page.get_by_label("E-post").fill(email)
    page.get_by_label("Passord").fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="Logg inn").click()
    if "/konto/logg-inn/" in page.url:
        alerts = page.locator(".alert, .invalid-feedback").all_inner_texts()
        raise AssertionError(f"Login as {email} was refused; the form says: {alerts or 'nothing'}")


def assert_accessible(page: Page) -> None:
    """Runs axe-core on the page as it is now and fails listing every WCAG 2.1 A/AA violation."""
    options = {"runOnly": {"type": "tag", "values": WCAG_21_AA_TAGS}, "resultTypes": ["violations"]}
    violations = _axe.run(page, options=options).response["violations"]
    if violations:
        raise AssertionError(f"axe-core found {len(violations)} violation(s) on {page.url}:\n" + _report(violations))


def _report(violations: list[dict[str, Any]]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"]:
            target = " ".join(str(part) for part in node["target"])
            lines.append(f"    {target}")
            if node.get("failureSummary"):
                lines.extend(f"      {line}" for line in node["failureSummary"].splitlines())
    return "\n".join(lines)
