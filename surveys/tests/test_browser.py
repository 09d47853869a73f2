"""The survey in a real browser on a phone-sized window: a participant answers through their personal link,
saves, comes back in a new browser and submits; the results page then shows the distribution, and the
reused link is refused. axe-core checks every page."""

import re

import pytest
from playwright.sync_api import expect

from accounts.tests.factories import PASSWORD, ProgrammeLeaderFactory
from core.testing.browser import PHONE_VIEWPORT, assert_accessible, expect_form_error, login
from municipalities.tests.factories import MunicipalityGroupFactory, municipality
from portfolios.tests.factories import PortfolioFactory
from surveys.tests.factories import answer, evaluation_survey, invite

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _group(page, text):
    return page.get_by_role("group", name=re.compile(re.escape(text)))


def test_a_participant_answers_on_a_phone_saves_comes_back_and_submits_once(live_server, make_page):
    survey = evaluation_survey(PortfolioFactory(name="Portefølje 4, 2023–24"))
    group = MunicipalityGroupFactory(portfolio=survey.portfolio, municipalities=[municipality("5610")])
    forankring = survey.questions.get(key="forankring")
    # Two other leaders answered already, so the leaders' split passes the anonymity threshold of 3.
    for value in ("4", "6"):
        other, _ = invite(survey, group=group, role="leader")
        answer(other, {forankring: value})
    _, token = invite(survey, group=group, role="leader")
    link = f"{live_server.url}/sporreundersokelse/svar/{token}/"

    page = make_page(viewport=PHONE_VIEWPORT)
    page.goto(link)
    expect(page.get_by_role("heading", name="Evaluering av veiledningsordningen")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Start undersøkelsen").click()
    expect(page.get_by_text("Side 1 av 6")).to_be_visible()
    assert_accessible(page)

    # A required question left open: a Norwegian message, and what was typed is still there.
    page.get_by_label("Hvilke forventninger hadde dere").fill("Vi ventet mer om eierrollen – og fikk det.")
    page.get_by_role("button", name="Neste side").click()
    expect_form_error(page, "Svar på dette spørsmålet før du går videre.")
    expect(page.get_by_label("Hvilke forventninger hadde dere")).to_have_value(
        "Vi ventet mer om eierrollen – og fikk det."
    )
    assert_accessible(page)
    _group(page, "samsvar mellom kommunens forventning").get_by_label("5", exact=True).check()
    page.get_by_role("button", name="Neste side").click()

    expect(page.get_by_text("Side 2 av 6")).to_be_visible()
    _group(page, "vært forankret i kommunen").get_by_label("5", exact=True).check()
    page.get_by_label("Utdyp gjerne").first.fill("Eier var med på alle møtene.")
    page.get_by_role("button", name="Lagre og fortsett senere").click()
    expect(page.get_by_text("Svarene dine er lagret.")).to_be_visible()
    assert_accessible(page)
    page.context.close()

    # Later, in another browser: the same link, the draft is still there.
    page = make_page(viewport=PHONE_VIEWPORT)
    page.goto(link)
    page.get_by_role("link", name="Fortsett der du slapp").click()
    # Back on the page where they saved, with what they wrote; the page before it keeps its answers too.
    expect(page.get_by_text("Side 2 av 6")).to_be_visible()
    expect(_group(page, "vært forankret i kommunen").get_by_label("5", exact=True)).to_be_checked()
    expect(page.get_by_label("Utdyp gjerne").first).to_have_value("Eier var med på alle møtene.")
    # The 1–6 scale fits a phone on one row, each radio at least 24 × 24 px (WCAG 2.2, 2.5.8).
    scale = _group(page, "vært forankret i kommunen").get_by_role("radio")
    boxes = [scale.nth(i).bounding_box() for i in range(scale.count())]
    assert len(boxes) == 6 and len({round(box["y"]) for box in boxes}) == 1, boxes
    assert all(box["width"] >= 24 and box["height"] >= 24 for box in boxes), boxes
    page.get_by_role("button", name="Forrige side").click()
    expect(_group(page, "samsvar mellom kommunens forventning").get_by_label("5", exact=True)).to_be_checked()
    page.get_by_role("button", name="Neste side").click()
    for number in (3, 4, 5):
        page.get_by_role("button", name="Neste side").click()
        expect(page.get_by_text(f"Side {number} av 6")).to_be_visible()
        assert_accessible(page)
    page.get_by_role("button", name="Neste side").click()
    expect(page.get_by_text("Side 6 av 6")).to_be_visible()
    page.get_by_role("button", name="Send inn svarene").click()
    expect(page.get_by_text("Svar på alle delspørsmålene før du går videre.").first).to_be_visible()
    matrix = _group(page, "i hvilken grad har veiledningen gitt")
    _group(matrix, "Nye arbeidsmåter i kollegiet").get_by_label("4", exact=True).check()
    _group(matrix, "Kompetanse til å fortsette").get_by_label("6", exact=True).check()
    assert_accessible(page)
    page.get_by_role("button", name="Send inn svarene").click()
    expect(page.get_by_role("heading", name="Takk for svarene!")).to_be_visible()
    assert_accessible(page)

    # The link cannot be used again.
    reused = page.goto(link)
    assert reused.status == 410
    expect(page.get_by_role("heading", name="Du har allerede svart")).to_be_visible()
    assert_accessible(page)

    leader = ProgrammeLeaderFactory()
    staff = make_page()
    login(staff, live_server, leader.email, PASSWORD)
    staff.goto(f"{live_server.url}/sporreundersokelse/{survey.pk}/")
    section = staff.get_by_role("region", name="I hvilken grad har veiledningsarbeidet vært forankret i kommunen?")
    table = section.get_by_role("table")
    # 4, 5 and 6 once each: 34 + 33 + 33 = 100 by largest remainder (the tie goes to the first).
    expect(table.get_by_role("row", name=re.compile(r"^4 "))).to_contain_text("1 (34 %)")
    expect(table.get_by_role("row", name=re.compile(r"^5 "))).to_contain_text("1 (33 %)")
    expect(table.get_by_role("row", name=re.compile(r"^6 "))).to_contain_text("1 (33 %)")
    expect(table.get_by_role("row", name=re.compile(r"^Gjennomsnitt"))).to_contain_text("5,0")
    expect(section.get_by_role("img").first).to_be_visible()
    assert_accessible(staff)
