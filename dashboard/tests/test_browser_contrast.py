"""Non-text contrast (WCAG 1.4.11) and the menu at every width (1.4.10) and at 200 % text (1.4.4), measured
in Chromium from the computed styles the portal's stylesheet gives, not read from the stylesheet."""

import pytest
from playwright.sync_api import expect

from accounts.tests.factories import PASSWORD, ProgrammeLeaderFactory
from core.testing.browser import login, set_text_size

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

# The contrast ratio of two CSS colours (WCAG's relative luminance), and the colour behind an element: the
# first ancestor with a background that is not transparent.
CONTRAST_JS = """
([selector, property]) => {
  const rgb = (css) => css.match(/[\\d.]+/g).slice(0, 4).map(Number);
  const luminance = ([r, g, b]) => {
    const lin = (c) => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
  };
  const element = selector ? document.querySelector(selector) : document.activeElement;
  let behind = element.parentElement;
  while (behind && ["rgba(0, 0, 0, 0)", "transparent"].includes(getComputedStyle(behind).backgroundColor)) {
    behind = behind.parentElement;
  }
  const back = behind ? getComputedStyle(behind).backgroundColor : "rgb(255, 255, 255)";
  const style = getComputedStyle(element);
  const [a, b] = [luminance(rgb(style[property])), luminance(rgb(back))].sort((x, y) => y - x);
  return {ratio: (a + 0.05) / (b + 0.05), width: parseFloat(style.outlineWidth), style: style.outlineStyle};
}
"""


def test_input_borders_and_focus_rings_stand_out_3_to_1(live_server, page):
    page.goto(f"{live_server.url}/konto/logg-inn/")
    border = page.evaluate(CONTRAST_JS, ["#id_username", "borderTopColor"])
    assert border["ratio"] >= 3, border
    page.locator(".skip-link").focus()
    page.keyboard.press("Tab")  # from the skip link to «Veiledning», the home link in the dark header
    expect(page.locator(".navbar-brand")).to_be_focused()
    home = page.evaluate(CONTRAST_JS, [None, "outlineColor"])
    assert home["style"] == "solid" and home["width"] >= 2 and home["ratio"] >= 3, home
    page.get_by_label("E-post").focus()
    ring = page.evaluate(CONTRAST_JS, ["#id_username", "outlineColor"])
    assert ring["style"] == "solid" and ring["width"] >= 2 and ring["ratio"] >= 3, ring
    page.get_by_label("Passord").focus()
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Logg inn")).to_be_focused()
    button = page.evaluate(CONTRAST_JS, [None, "outlineColor"])
    assert button["style"] == "solid" and button["width"] >= 2 and button["ratio"] >= 3, button


@pytest.mark.parametrize("width", [768, 900, 1000, 1199, 1280])
@pytest.mark.parametrize("text", ["100%", "200%"])
def test_the_programme_leaders_menu_reaches_log_out_at_every_width(live_server, make_page, width, text):
    leader = ProgrammeLeaderFactory(full_name="Siri Aasland Øvrebø")
    page = make_page(viewport={"width": width, "height": 900})
    login(page, live_server, leader.email, PASSWORD)
    set_text_size(page, text)
    log_out = page.get_by_role("button", name="Logg ut")
    if not log_out.is_visible():
        page.get_by_role("button", name="Vis eller skjul menyen").click()
    expect(log_out).to_be_visible()
    box = log_out.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width, box
    # White on the header's blue, never white on white.
    text_contrast = page.evaluate(CONTRAST_JS, ["nav .btn-outline-light", "color"])
    assert text_contrast["ratio"] >= 4.5, text_contrast
    assert page.evaluate("document.documentElement.scrollWidth") <= width
