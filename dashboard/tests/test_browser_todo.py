"""«Å gjøre» in a real browser: a member lands on their group's page with their contract at the top, follows
the line, signs, and the line is gone. axe-core checks the page with the list, at desktop and phone size."""

import pytest
from playwright.sync_api import expect

from accounts.tests.factories import PASSWORD, UserFactory
from contracts.services import contracts_render_due, contracts_send_portfolio
from contracts.tests.factories import ContractFactory
from core.testing.browser import PHONE_VIEWPORT, assert_accessible, login
from municipalities.models import Role
from municipalities.tests.factories import MembershipFactory, MunicipalityGroupFactory, municipality

# The live server answers from another thread, so the data must be committed (transaction=True);
# serialized_rollback restores what the migrations loaded after each test (see dashboard/tests/test_browser.py).
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

LINE = "Signer kontrakten for Guovdageaidnu (Kautokeino) kommune"


@pytest.fixture
def owner():
    """The kulturskoleeier of Guovdageaidnu, whose contract has been sent for signing."""
    group = MunicipalityGroupFactory(name="Guovdageaidnu", municipalities=[municipality("5612")])
    user = MembershipFactory(
        group=group, user=UserFactory(full_name="Ánte Mikkel Gaup"), role=Role.OWNER_POLITICAL
    ).user
    MembershipFactory(group=group, role=Role.LEADER)
    ContractFactory(group=group)
    # As the programme leader sends the portfolio's contracts, and the worker renders them.
    contracts_send_portfolio(portfolio=group.portfolio, actor=None)
    assert contracts_render_due() == 1
    return user


def test_a_member_follows_their_todo_to_the_contract_signs_it_and_the_line_is_gone(live_server, make_page, owner):
    page = make_page()
    login(page, live_server, owner.email, PASSWORD)

    # The group's page, with «Å gjøre» right under its heading.
    expect(page.get_by_role("heading", name="Guovdageaidnu", level=1)).to_be_visible()
    todo = page.get_by_role("region", name="Å gjøre")
    expect(todo.get_by_role("listitem")).to_have_count(1)
    expect(todo.get_by_role("link", name=LINE)).to_be_visible()
    assert page.locator("h1 + section").get_attribute("aria-labelledby") == "todo-heading"
    assert_accessible(page)

    todo.get_by_role("link", name=LINE).click()
    expect(page.get_by_role("heading", name="Signer kontrakten", level=2)).to_be_visible()
    page.get_by_label("Fullt navn").fill("Ánte Mikkel Gaup")
    page.get_by_label("Sted").fill("Guovdageaidnu")
    page.get_by_label("Jeg har lest kontrakten og signerer den").check()
    page.get_by_role("button", name="Signer kontrakten").click()
    expect(page.get_by_text("Takk! Signaturen din er registrert.")).to_be_visible()

    page.goto(f"{live_server.url}/")
    todo = page.get_by_role("region", name="Å gjøre")
    expect(todo).to_contain_text("Ingenting venter på deg nå.")
    expect(todo.get_by_role("link", name=LINE)).to_have_count(0)
    assert_accessible(page)


def test_the_todo_reflows_at_320_px_and_passes_axe(live_server, make_page, owner):
    page = make_page(PHONE_VIEWPORT)
    page.set_viewport_size({"width": 320, "height": 640})
    login(page, live_server, owner.email, PASSWORD)

    link = page.get_by_role("region", name="Å gjøre").get_by_role("link", name=LINE)
    expect(link).to_be_visible()
    # «Å gjøre» reflows at 320 px (WCAG 1.4.10): its box fits the screen and nothing in it scrolls sideways.
    # (Only the list: at this width the group page itself is wider than the screen, from outside the list.)
    region = page.locator("section[aria-labelledby=todo-heading]")
    assert region.evaluate("e => e.getBoundingClientRect().right") <= 320
    assert region.evaluate("e => e.scrollWidth <= e.clientWidth")
    assert_accessible(page)
