"""The spreadsheet import in a real browser: the programme leader opens it from the portfolio's admin page,
uploads a file with one bad row, reads the error naming its row and column, uploads the corrected file,
reads the preview and imports; axe-core checks every page, and the preview reflows at 320 px."""

import pytest
from playwright.sync_api import expect

from accounts.tests.factories import PASSWORD, ProgrammeLeaderFactory
from core.models import Email
from core.testing.browser import assert_accessible, login
from municipalities.models import Membership, MunicipalityGroup
from municipalities.tests.test_import import xlsx
from portfolios.tests.factories import PortfolioFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _rows(leader_role):
    return xlsx(
        ["Indre Salten", "Saltdal", "Kulturskoleeier (administrativt nivå)", "Ánde Somby", "ande@example.org", ""],
        ["Indre Salten", "Saltdal", leader_role, "Sárá Hætta", "sara@example.org", "912 34 567"],
        ["Indre Salten", "Fauske", "politisk", "Øyvind Ås", "oyvind@example.org", ""],
    )


def _upload(page, content):
    page.get_by_label("Regneark (XLSX eller CSV)").set_input_files(
        files=[{"name": "deltakere.xlsx", "mimeType": XLSX, "buffer": content}]
    )
    page.get_by_role("button", name="Vis forhåndsvisning").click()


def _fits(page, width):
    page.set_viewport_size({"width": width, "height": 800})
    return page.evaluate("document.documentElement.scrollWidth") <= width


def test_the_leader_fixes_a_bad_row_previews_and_imports_a_group(live_server, make_page):
    leader = ProgrammeLeaderFactory(full_name="Siri Aasland Øvrebø")
    portfolio = PortfolioFactory(name="Portefølje 9, 2027–28")
    page = make_page()
    login(page, live_server, leader.email, PASSWORD)
    page.goto(f"{live_server.url}/admin/portfolios/portfolio/{portfolio.pk}/change/")
    page.get_by_role("link", name="Importer kommunegrupper og deltakere").click()
    expect(page.get_by_role("link", name="Last ned malen (XLSX)")).to_be_visible()
    assert_accessible(page)

    _upload(page, _rows("skoleleder"))
    expect(page.get_by_role("alert")).to_contain_text("Rad 3, kolonne «Rolle»: Ukjent rolle «skoleleder».")
    expect(page.get_by_role("button", name="Importer")).to_have_count(0)
    assert_accessible(page)
    assert MunicipalityGroup.objects.count() == 0

    _upload(page, _rows("leder"))
    expect(page.get_by_role("heading", name="Forhåndsvisning: dette blir importert")).to_be_visible()
    expect(page.get_by_text("3 personer får invitasjon på e-post (3 nye brukere)")).to_be_visible()
    expect(page.get_by_role("region", name="Deltakere i Indre Salten")).to_contain_text("Sárá Hætta")
    assert_accessible(page)
    assert _fits(page, 320)
    page.set_viewport_size({"width": 1280, "height": 800})
    assert MunicipalityGroup.objects.count() == 0  # the preview wrote nothing

    page.get_by_role("button", name="Importer", exact=True).click()
    expect(page.get_by_text("Importert: 1 ny kommunegruppe og 3 deltakelser.")).to_be_visible()
    assert_accessible(page)
    group = MunicipalityGroup.objects.get(portfolio=portfolio)
    assert group.name == "Indre Salten"
    assert sorted(m.name for m in group.municipalities.all()) == ["Fauske", "Saltdal"]
    assert sorted(Membership.objects.filter(group=group).values_list("user__full_name", flat=True)) == [
        "Sárá Hætta",
        "Ánde Somby",
        "Øyvind Ås",
    ]
    assert Email.objects.filter(template="accounts/email/invitation").count() == 3
