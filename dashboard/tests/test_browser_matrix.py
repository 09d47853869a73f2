"""The programme leader's status matrix in a real browser: filter, open a group, download the export."""

import io

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from accounts.tests.factories import PASSWORD, AdviserFactory, ProgrammeLeaderFactory
from core.testing.browser import assert_accessible, login
from municipalities.tests.factories import MunicipalityGroupFactory, municipality
from portfolios.tests.factories import PortfolioFactory

# The live server answers from another thread, so the data must be committed (see test_browser.py).
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_the_leader_filters_the_matrix_opens_a_group_and_downloads_the_export(live_server, make_page):
    leader = ProgrammeLeaderFactory()
    portfolio = PortfolioFactory(name="Portefølje 7, 2026–27")
    MunicipalityGroupFactory(
        portfolio=portfolio,
        adviser=AdviserFactory(full_name="Ingrid Veileder"),
        name="Bodø og Saltdal",
        municipalities=[municipality("1804"), municipality("1840")],
    )
    sami = MunicipalityGroupFactory(
        portfolio=portfolio, adviser=AdviserFactory(full_name="Nils Veileder"), municipalities=[municipality("5612")]
    )
    page = make_page()
    login(page, live_server, leader.email, PASSWORD)

    page.goto(f"{live_server.url}/portefoljer/")
    page.get_by_role("link", name="Statusoversikt for Portefølje 7, 2026–27").click()
    expect(page.get_by_role("heading", name="Statusoversikt for Portefølje 7, 2026–27", level=1)).to_be_visible()
    table = page.get_by_role("table", name="Status for hver kommunegruppe")
    expect(table.get_by_role("row")).to_have_count(3)  # the header and two groups
    assert_accessible(page)

    page.get_by_label("Fylke").select_option(label=municipality("5612").county.name)
    with page.expect_navigation():
        page.get_by_role("button", name="Vis").click()
    expect(table.get_by_role("row")).to_have_count(2)
    expect(table.get_by_role("link", name="Bodø og Saltdal")).to_have_count(0)
    expect(page.get_by_label("Fylke")).to_have_value(str(municipality("5612").county.pk))

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Last ned statusoversikten som Excel-fil").click()
    download = download_info.value
    assert download.suggested_filename.startswith("statusoversikt-portefolje-7-")
    sheet = load_workbook(io.BytesIO(download.path().read_bytes())).active
    assert sheet.freeze_panes == "A2"
    assert [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)] == ["Guovdageaidnu"]

    table.get_by_role("link", name="Guovdageaidnu", exact=True).click()
    expect(page).to_have_url(f"{live_server.url}{sami.get_absolute_url()}")


def test_the_matrix_reflows_at_320_pixels_and_passes_axe(live_server, make_page):
    leader = ProgrammeLeaderFactory()
    portfolio = PortfolioFactory(name="Portefølje 8, 2026–27")
    for number in ("1804", "1840", "5612"):
        MunicipalityGroupFactory(portfolio=portfolio, municipalities=[municipality(number)])
    page = make_page({"width": 320, "height": 640})
    login(page, live_server, leader.email, PASSWORD)
    page.goto(f"{live_server.url}/portefoljer/{portfolio.pk}/status/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    # WCAG 1.4.10: no horizontal scrolling of the page; the wide table scrolls inside its own region,
    # which the keyboard reaches.
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    region = page.get_by_role("region", name="Statusoversikten")
    expect(region).to_have_attribute("tabindex", "0")
    assert region.evaluate("el => el.scrollWidth > el.clientWidth")
    assert_accessible(page)
