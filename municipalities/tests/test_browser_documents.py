"""The group's documents in a real browser, on a phone: a member shares a Word document, is refused a web
page named .pdf with the title kept, uploads a new version, and sees both listed; a member of another group
gets a 404. axe-core checks every page and the list reflows at 320 px."""

import pytest
from playwright.sync_api import expect

from accounts.tests.factories import PASSWORD, UserFactory
from core.testing.browser import (
    NARROW_VIEWPORT,
    PHONE_VIEWPORT,
    assert_accessible,
    assert_no_sideways_scroll,
    expect_form_error,
    login,
)
from municipalities.demo import make_docx, make_png
from municipalities.models import GroupDocument, Role
from municipalities.tests.documents import HTML
from municipalities.tests.factories import MembershipFactory, MunicipalityGroupFactory, municipality

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def test_a_member_shares_a_document_on_a_phone_and_a_lying_file_is_refused(live_server, make_page):
    group = MunicipalityGroupFactory(municipalities=[municipality("5612")])
    leader = MembershipFactory(group=group, role=Role.LEADER, user=UserFactory(full_name="Sárá Marja Hætta")).user
    outsider = MembershipFactory(group=MunicipalityGroupFactory(municipalities=[municipality("1804")])).user

    page = make_page(viewport=PHONE_VIEWPORT)
    login(page, live_server, leader.email, PASSWORD)
    page.goto(f"{live_server.url}{group.get_absolute_url()}")
    page.get_by_role("link", name="Gruppens dokumenter").click()
    expect(page.get_by_text("Ingen dokumenter er delt ennå.")).to_be_visible()
    assert_accessible(page)

    # A web page pretending to be a PDF: refused, and the title stays in its field.
    page.get_by_label("Tittel").fill("Årsplan for kulturskolen")
    page.get_by_label("Fil").set_input_files(
        files=[{"name": "arsplan.pdf", "mimeType": "application/pdf", "buffer": HTML}]
    )
    page.get_by_role("button", name="Last opp dokumentet").click()
    expect_form_error(page, "Filtypen kan ikke lastes opp.")
    expect(page.get_by_label("Tittel")).to_have_value("Årsplan for kulturskolen")
    assert_accessible(page)
    assert not GroupDocument.objects.exists()

    page.get_by_label("Fil").set_input_files(
        files=[{"name": "arsplan.docx", "mimeType": DOCX, "buffer": make_docx(["Årsplan", "Høsten 2026"])}]
    )
    page.get_by_role("button", name="Last opp dokumentet").click()
    expect(page.get_by_text("«Årsplan for kulturskolen» er lastet opp.")).to_be_visible()
    row = page.get_by_role("row").filter(has_text="Årsplan for kulturskolen")
    expect(row).to_contain_text("Word-dokument")
    expect(row).to_contain_text("Sárá Marja Hætta")
    assert_accessible(page)

    row.get_by_role("link", name="Ny versjon av «Årsplan for kulturskolen»").click()
    assert_accessible(page)
    page.get_by_label("Fil").set_input_files(
        files=[{"name": "arsplan.png", "mimeType": "image/png", "buffer": make_png()}]
    )
    page.get_by_role("button", name="Last opp ny versjon").click()
    expect(page.get_by_text("Versjon 2 av «Årsplan for kulturskolen» er lastet opp.")).to_be_visible()
    row = page.get_by_role("row").filter(has_text="Årsplan for kulturskolen")
    expect(row).to_contain_text("PNG-bilde")
    row.get_by_text("Tidligere versjoner (1)").click()
    expect(row.get_by_role("link", name="Versjon 1")).to_be_visible()
    with page.expect_download() as download:
        row.get_by_role("link", name="Versjon 1").click()
    assert download.value.suggested_filename == "aarsplan-for-kulturskolen-v1.docx"  # «Å» folds to «aa»
    assert_accessible(page)

    narrow = make_page(viewport=NARROW_VIEWPORT)
    login(narrow, live_server, leader.email, PASSWORD)
    narrow.goto(page.url)
    assert_no_sideways_scroll(narrow)

    other = make_page(viewport=PHONE_VIEWPORT)
    login(other, live_server, outsider.email, PASSWORD)
    response = other.goto(page.url)
    assert response is not None and response.status == 404
