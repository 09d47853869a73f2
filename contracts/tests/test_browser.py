"""Contracts in a real browser: the municipality's kulturskoleeier and kulturskoleleder sign, the programme
leader countersigns, and the municipality downloads the signed PDF. axe-core checks every page."""

import io
import re

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from accounts.tests.factories import PASSWORD, ProgrammeLeaderFactory, UserFactory
from contracts.models import Contract
from contracts.services import contracts_render_due, contracts_send_portfolio
from core.testing.browser import assert_accessible, expect_form_error, login
from municipalities.models import Role
from municipalities.tests.factories import MembershipFactory, MunicipalityGroupFactory, municipality

from .factories import ContractFactory

# The live server answers from another thread, so the data must be committed (transaction=True);
# serialized_rollback restores what the migrations loaded after each test (see dashboard/tests/test_browser.py).
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def sent_contract():
    group = MunicipalityGroupFactory(name="Guovdageaidnu", municipalities=[municipality("5612")])
    owner = MembershipFactory(
        group=group, user=UserFactory(full_name="Ánte Mikkel Gaup"), role=Role.OWNER_POLITICAL
    ).user
    leader = MembershipFactory(group=group, user=UserFactory(full_name="Sárá Marja Hætta"), role=Role.LEADER).user
    contract = ContractFactory(group=group)
    # As the programme leader's «Lag kontrakter og send dem til signering» queues it, and the worker sends it.
    contracts_send_portfolio(portfolio=group.portfolio, actor=None)
    assert contracts_render_due() == 1
    contract.refresh_from_db()
    return contract, owner, leader


def _sign(page, full_name, place):
    page.get_by_label("Fullt navn").fill(full_name)
    page.get_by_label("Sted").fill(place)
    page.get_by_label("Jeg har lest kontrakten og signerer den").check()
    page.get_by_role("button", name="Signer kontrakten").click()
    expect(page.get_by_text("Takk! Signaturen din er registrert.")).to_be_visible()


def test_the_municipality_signs_the_programme_leader_countersigns_and_the_municipality_downloads(
    live_server, make_page, sent_contract
):
    contract, owner, leader = sent_contract
    programme_leader = ProgrammeLeaderFactory(full_name="Åste Selnæs Domaas")

    # The kulturskoleeier finds the contract on the group's page, reads the PDF and signs.
    page = make_page()
    login(page, live_server, owner.email, PASSWORD)
    contracts = page.get_by_role("table", name="Kontrakter for Guovdageaidnu")
    expect(contracts.get_by_role("row", name=re.compile("Guovdageaidnu"))).to_contain_text("Sendt til signering")
    assert_accessible(page)
    contracts.get_by_role("link", name="Se kontrakten og hvem som har signert for Guovdageaidnu").click()
    expect(page.get_by_role("heading", name="Kontrakt for Guovdageaidnu (Kautokeino) kommune", level=1)).to_be_visible()
    expect(page.get_by_role("heading", name="Signer kontrakten", level=2)).to_be_visible()
    assert_accessible(page)
    pdf_link = page.get_by_role("link", name=re.compile("Åpne kontrakten til signering"))
    shown = page.request.get(live_server.url + pdf_link.get_attribute("href"))
    assert shown.ok
    assert "har partene inngått avtale om veiledning i kulturskoleutvikling i" in _text(shown.body())
    # A mistyped name is refused, and what was typed stays in the form.
    page.get_by_label("Fullt navn").fill("Ante Gaup")
    page.get_by_label("Sted").fill("Guovdageaidnu")
    page.get_by_role("button", name="Signer kontrakten").click()
    expect_form_error(page, "Skriv navnet ditt slik det står i profilen din: Ánte Mikkel Gaup.")
    expect(page.get_by_label("Sted")).to_have_value("Guovdageaidnu")
    assert_accessible(page)
    _sign(page, "Ánte Mikkel Gaup", "Guovdageaidnu")
    signatures = page.get_by_role("table", name="Signaturer på kontrakten for Guovdageaidnu")
    expect(signatures.get_by_role("row", name=re.compile("^Kulturskoleeier"))).to_contain_text("Ánte Mikkel Gaup")
    assert_accessible(page)

    # The kulturskoleleder signs from the contract's page.
    page = make_page()
    login(page, live_server, leader.email, PASSWORD)
    page.goto(f"{live_server.url}{contract.get_absolute_url()}")
    _sign(page, "Sárá Marja Hætta", "Guovdageaidnu")
    expect(page.get_by_text("Signert av kommunen", exact=True)).to_be_visible()
    assert_accessible(page)

    # The programme leader countersigns for Norsk kulturskoleråd.
    page = make_page()
    login(page, live_server, programme_leader.email, PASSWORD)
    page.goto(f"{live_server.url}{contract.get_absolute_url()}")
    expect(page.get_by_role("heading", name="Kontrasigner for Norsk kulturskoleråd", level=2)).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Fullt navn").fill("Åste Selnæs Domaas")
    page.get_by_label("Sted").fill("Trondheim")
    page.get_by_label("Jeg har lest kontrakten og signerer den").check()
    page.get_by_role("button", name="Signer kontrakten").click()
    # The signature is recorded at once; the signed document is made in the background, and the page says so.
    expect(page.get_by_text("Takk! Signaturen din er registrert.")).to_be_visible()
    expect(page.get_by_role("status").filter(has_text="Den signerte kontrakten (PDF) lages nå")).to_be_visible()
    expect(page.get_by_text("Signert av kommunen", exact=True)).to_be_visible()
    assert_accessible(page)
    # The worker's job, run here from the test thread (the database is shared with the live server).
    assert contracts_render_due() == 1
    page.reload()
    expect(page.get_by_text("I kraft", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Last ned signert kontrakt (PDF)")).to_be_visible()
    assert_accessible(page)

    # The kulturskoleeier downloads the signed contract from the group's page and it reads back.
    page = make_page()
    login(page, live_server, owner.email, PASSWORD)
    assert_accessible(page)
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Last ned signert kontrakt for Guovdageaidnu (PDF)").click()
    download = download_info.value
    assert download.suggested_filename == "kontrakt-guovdageaidnu-2026-signert.pdf"
    with open(download.path(), "rb") as file:
        content = file.read()
    contract.refresh_from_db()
    assert contract.status == Contract.Status.IN_FORCE
    text = _text(content)
    assert "Guovdageaidnu (Kautokeino) kommune" in text
    for name in ("Ánte Mikkel Gaup", "Sárá Marja Hætta", "Åste Selnæs Domaas"):
        assert name in text
    assert contract.signing_document.sha256 in text.replace("\n", "")


def test_the_verify_page_passes_axe(live_server, page, sent_contract):
    _contract, owner, _leader = sent_contract
    login(page, live_server, owner.email, PASSWORD)
    page.goto(f"{live_server.url}/kontrakter/kontroller/")
    expect(page.get_by_role("heading", name="Kontroller en kontrakt", level=1)).to_be_visible()
    page.get_by_label("PDF-fil å kontrollere").set_input_files(
        files=[{"name": "kopi.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.7 ikke i arkivet"}]
    )
    page.get_by_role("button", name="Kontroller", exact=True).click()
    expect(page.get_by_text("Nei, filen finnes ikke blant kontraktene i arkivet.")).to_be_visible()
    assert_accessible(page)


def _text(content):
    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages)


def test_the_programme_leaders_upload_and_termination_pages_pass_axe(live_server, page, sent_contract):
    contract, _owner, _leader = sent_contract
    login(page, live_server, ProgrammeLeaderFactory().email, PASSWORD)

    page.goto(f"{live_server.url}{contract.get_absolute_url()}")
    page.get_by_role("link", name="Last opp kontrakt signert utenfor portalen").click()
    page.get_by_label("Signert kontrakt (PDF)").set_input_files(
        files=[{"name": "kontrakt.pdf", "mimeType": "application/pdf", "buffer": b"ikke en pdf"}]
    )
    page.get_by_role("button", name="Last opp", exact=True).click()
    expect_form_error(page, "Filen er ikke en PDF. Last opp kontrakten som PDF.")
    assert_accessible(page)

    page.get_by_role("link", name="Tilbake til kontrakten").click()
    page.get_by_role("link", name="Avslutt kontrakten").click()
    page.get_by_label("Avsluttet fra og med").fill("2026-04-01")
    page.get_by_role("button", name="Avslutt kontrakten").click()
    expect_form_error(page, "Oppgi hvorfor kontrakten avsluttes.")
    expect(page.get_by_label("Avsluttet fra og med")).to_have_value("2026-04-01")
    assert_accessible(page)
    page.get_by_label("Årsak").fill("Kommunen trakk seg fra programmet.")
    page.get_by_role("button", name="Avslutt kontrakten").click()
    expect(page.get_by_text("Kontrakten er avsluttet.")).to_be_visible()
    expect(page.get_by_text("Avsluttet fra 01.04.2026: Kommunen trakk seg fra programmet.")).to_be_visible()
    assert_accessible(page)
