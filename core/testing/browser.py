"""Helpers for the browser tests: logging in through the real form and checking a page with axe-core.

The fixtures that start Chromium (`browser`, `page`, `make_page`) live in the root conftest.py; these
helpers take the Playwright page they return.
"""

import re
from typing import Any

from axe_playwright_python.sync_playwright import Axe
from django.contrib.auth import get_user_model
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from .otp import code_for_secret, next_code

DESKTOP_VIEWPORT = {"width": 1280, "height": 800}
PHONE_VIEWPORT = {"width": 390, "height": 844}
# WCAG 2.1 SC 1.4.10 (reflow): content at 320 CSS px wide without scrolling in two directions.
NARROW_VIEWPORT = {"width": 320, "height": 640}

# Norwegian public bodies must meet WCAG 2.1 AA; these tags are exactly the rules of levels A and AA up to 2.1.
WCAG_21_AA_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

_axe = Axe()


SECOND_FACTOR_PATH = "/konto/logg-inn/engangskode/"
SECOND_FACTOR_SETUP_PATH = "/konto/logg-inn/engangskode/oppsett/"


def login(page: Page, live_server: LiveServer, email: str, password: str, *, set_up_app: bool = False) -> None:
    """Logs in through the login form at /konto/logg-inn/ and waits for the page it leads to.

    Staff then pass the second step as a person would, with the code of their authenticator app, computed
    from its key in the database (core.testing.otp). A staff member without an app is given one first, as if
    they had set it up at an earlier login; with `set_up_app` they set it up here instead, from the key the
    set-up page shows, and click on past their backup codes. Fails the test if a step is refused.
    """
    user = get_user_model().objects.get(email__iexact=email)
    if (
        user.needs_second_factor
        and not set_up_app
        and not TOTPDevice.objects.filter(user=user, confirmed=True).exists()
    ):
        TOTPDevice.objects.create(user=user, name="Autentiseringsapp", confirmed=True)
    page.goto(f"{live_server.url}/konto/logg-inn/")
    # Not exact: crispy-forms appends an asterisk to the labels of required fields («E-post*»).
    page.get_by_label("E-post").fill(email)
    page.get_by_label("Passord").fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="Logg inn").click()
    _refused_unless_past(page, "/konto/logg-inn/", email)
    if page.url.endswith(SECOND_FACTOR_SETUP_PATH):
        page.get_by_label("Engangskode").fill(code_for_secret(page.locator("#totp-secret").inner_text()))
        with page.expect_navigation():
            page.get_by_role("button", name="Bekreft og logg inn").click()
        _refused_unless_past(page, SECOND_FACTOR_SETUP_PATH, email)
        with page.expect_navigation():
            page.get_by_role("link", name="Jeg har tatt vare på kodene – fortsett").click()
    elif page.url.endswith(SECOND_FACTOR_PATH):
        device = TOTPDevice.objects.get(user__email__iexact=email, confirmed=True)
        page.get_by_label("Engangskode").fill(next_code(device))
        with page.expect_navigation():
            page.get_by_role("button", name="Logg inn").click()
        _refused_unless_past(page, SECOND_FACTOR_PATH, email)


def _refused_unless_past(page: Page, path: str, email: str) -> None:
    if page.url.split("?")[0].endswith(path):
        alerts = page.locator(".alert, .invalid-feedback").all_inner_texts()
        raise AssertionError(f"Login as {email} was refused; the form says: {alerts or 'nothing'}")


def assert_accessible(page: Page) -> None:
    """Runs axe-core on the page as it is now and fails listing every WCAG 2.1 A/AA violation."""
    options = {"runOnly": {"type": "tag", "values": WCAG_21_AA_TAGS}, "resultTypes": ["violations"]}
    violations = _axe.run(page, options=options).response["violations"]
    if violations:
        raise AssertionError(f"axe-core found {len(violations)} violation(s) on {page.url}:\n" + _report(violations))


# The elements that stick out to the right of the screen, or whose text runs out of them, outside any box that
# scrolls or clips them: what makes the page scroll sideways, named so that a failure says where to look.
_SIDEWAYS_CULPRITS_JS = """() => {
  const width = document.documentElement.clientWidth;
  const clipped = el => {
    for (let up = el.parentElement; up && up !== document.body; up = up.parentElement) {
      if (["auto", "scroll", "hidden", "clip"].includes(getComputedStyle(up).overflowX)) return true;
    }
    return false;
  };
  const wide = el => el.getBoundingClientRect().right > width + 0.5
    || (getComputedStyle(el).overflowX === "visible" && el.scrollWidth > el.clientWidth + 1 && el.clientWidth > 0);
  const name = el => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
    + (el.classList.length ? "." + [...el.classList].join(".") : "");
  const culprits = [...document.body.querySelectorAll("*")].filter(el => wide(el) && !clipped(el));
  // The innermost ones: their ancestors only stick out because they do.
  return culprits
    .filter(el => !culprits.some(other => other !== el && el.contains(other)))
    .slice(0, 8)
    .map(el => `${name(el)} «${el.textContent.trim().slice(0, 60)}»`
      + ` (right edge at ${Math.round(el.getBoundingClientRect().right)} px)`);
}"""


def set_text_size(page: Page, size: str) -> None:
    """Sets the page's text size («200%»), as a browser's text-size setting does, until the next navigation.

    Through the CSSOM, which the Content-Security-Policy allows (it refuses a style tag)."""
    page.evaluate("size => { document.documentElement.style.fontSize = size; }", size)


def assert_no_sideways_scroll(page: Page) -> None:
    """Fails if the page as it is now is wider than its viewport (WCAG 1.4.10), naming what sticks out."""
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    if overflow > 0:
        culprits = "\n".join(f"    {c}" for c in page.evaluate(_SIDEWAYS_CULPRITS_JS))
        raise AssertionError(f"{page.url} scrolls sideways by {overflow} px at {page.viewport_size}:\n{culprits}")


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


def expect_form_error(page: Page, message: str) -> None:
    """After a failed submit: the focus is on the error summary at the top, which says `message`, and the
    message is shown where the problem is as well (at the field, or above the form for the form as a whole)."""
    summary = page.locator("#feiloppsummering")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text(message)
    expect(page).to_have_title(re.compile(r"^Feil: "))
    elsewhere = page.locator("main").get_by_text(message).filter(visible=True)
    expect(elsewhere.nth(1)).to_be_visible()  # the first is the summary's
