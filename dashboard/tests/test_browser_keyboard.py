"""Issue 17: one journey by keyboard alone (WCAG 2.1.1, 2.4.1, 2.4.3, 2.4.7). The kulturskoleleder logs in,
follows «Å gjøre» to the contract and signs it with Tab, Enter, Space and typing only: no clicks, no filling of
located fields. At every Tab the focused element has a visible focus indicator (an outline or a box shadow of
some width), and the skip link is the first stop on each page (but the login page, whose first field has the
focus from the start)."""

import pytest
from playwright.sync_api import Page, expect

from accounts.tests.factories import PASSWORD, UserFactory
from contracts.services import contracts_render_due, contracts_send_portfolio
from contracts.tests.factories import ContractFactory
from municipalities.models import Role
from municipalities.tests.factories import MembershipFactory, MunicipalityGroupFactory, municipality

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

LINE = "Signer kontrakten for Guovdageaidnu (Kautokeino) kommune"
# Tabs allowed to reach the next stop: the menu and the page's other links lie between.
MAX_TABS = 40

# The focused element: its accessible-ish name (its label's text, aria-label or own text), its tag and type,
# and whether its focus can be seen (a non-zero outline that is not «none», or a box shadow).
_FOCUSED_JS = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const style = getComputedStyle(el);
  const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0;
  const shadow = style.boxShadow !== "none" && /\\d*[1-9]\\d*(\\.\\d+)?px/.test(style.boxShadow);
  const label = el.labels && el.labels.length ? el.labels[0].innerText : "";
  const rect = el.getBoundingClientRect();
  return {
    name: (label || el.getAttribute("aria-label") || el.innerText || el.value || "").trim(),
    tag: el.tagName.toLowerCase(),
    type: el.type || "",
    visible: outline || shadow,
    onScreen: rect.width > 0 && rect.height > 0,
    inMain: el.closest("main") !== null,
    outline: style.outlineStyle + " " + style.outlineWidth + " / " + style.boxShadow,
  };
}"""


def _focused(page: Page) -> dict:
    return page.evaluate(_FOCUSED_JS)


def tab_to(page: Page, name: str, *, tag: str | None = None, in_main: bool = True) -> int:
    """Presses Tab until the focus is on the element named `name` (its label or text starts with it), checking
    at every stop that the focus can be seen and, with `in_main`, that it stays in the main content (where the
    skip link leads). Returns the number of Tabs it took."""
    trail: list[str] = []
    for presses in range(1, MAX_TABS + 1):
        page.keyboard.press("Tab")
        focused = _focused(page)
        assert focused is not None, f"Tab {presses} left the focus on the page itself, after {trail}"
        assert focused["onScreen"], f"Tab {presses} focused something not on screen: {focused}"
        assert focused["visible"], f"Tab {presses}: no visible focus indicator on {focused}"
        assert focused["inMain"] or not in_main, f"Tab {presses} left the main content for {focused}"
        if focused["name"].startswith(name) and (tag is None or focused["tag"] == tag):
            return presses
        trail.append(f"{focused['tag']} «{focused['name'][:40]}»")
    raise AssertionError(f"«{name}» not reached in {MAX_TABS} Tabs, after {trail}")


def skip_to_main(page: Page) -> None:
    """The first Tab of a page reaches the skip link; Enter on it moves on to the main content."""
    assert tab_to(page, "Hopp til hovedinnholdet", tag="a", in_main=False) == 1
    page.keyboard.press("Enter")
    expect(page).to_have_url(page.url.split("#")[0] + "#main")


@pytest.fixture
def kulturskoleleder():
    """The kulturskoleleder of Guovdageaidnu, whose contract has been sent for signing."""
    group = MunicipalityGroupFactory(name="Guovdageaidnu", municipalities=[municipality("5612")])
    user = MembershipFactory(group=group, user=UserFactory(full_name="Sárá Marja Hætta"), role=Role.LEADER).user
    MembershipFactory(group=group, role=Role.OWNER_POLITICAL)
    ContractFactory(group=group)
    contracts_send_portfolio(portfolio=group.portfolio, actor=None)
    assert contracts_render_due() == 1
    return user


def test_the_kulturskoleleder_logs_in_and_signs_the_contract_by_keyboard_alone(
    live_server, make_page, kulturskoleleder
):
    page = make_page()
    page.goto(f"{live_server.url}/konto/logg-inn/")
    # The login form's first field has the focus from the start (autofocus), visibly; then the form in order.
    focused = _focused(page)
    assert focused is not None and focused["name"].startswith("E-post") and focused["visible"], focused
    page.keyboard.type(kulturskoleleder.email)
    assert tab_to(page, "Passord", tag="input") == 1
    page.keyboard.type(PASSWORD)
    assert tab_to(page, "Logg inn", tag="input") == 1
    with page.expect_navigation():
        page.keyboard.press("Enter")

    # The landing page: «Å gjøre» with the contract, reached from the main content.
    expect(page.get_by_role("heading", name="Guovdageaidnu", level=1)).to_be_visible()
    skip_to_main(page)
    tab_to(page, LINE, tag="a")
    with page.expect_navigation():
        page.keyboard.press("Enter")

    expect(page.get_by_role("heading", name="Signer kontrakten", level=2)).to_be_visible()
    skip_to_main(page)
    tab_to(page, "Fullt navn", tag="input")
    page.keyboard.type("Sárá Marja Hætta")
    assert tab_to(page, "Sted", tag="input") == 1
    page.keyboard.type("Guovdageaidnu")
    assert tab_to(page, "Jeg har lest kontrakten og signerer den", tag="input") == 1
    page.keyboard.press("Space")
    expect(page.get_by_label("Jeg har lest kontrakten og signerer den")).to_be_checked()
    assert tab_to(page, "Signer kontrakten", tag="input") == 1
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.get_by_text("Takk! Signaturen din er registrert.")).to_be_visible()
    expect(page.get_by_role("table", name="Signaturer på kontrakten for Guovdageaidnu")).to_contain_text(
        "Sárá Marja Hætta"
    )
