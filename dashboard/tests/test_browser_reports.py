"""The programme reports and the year wheel in a real browser: axe-core, and no sideways scrolling at 320 px."""

from datetime import date, datetime, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.tests.factories import PASSWORD, ProgrammeLeaderFactory
from contracts.models import Contract
from contracts.tests.factories import ContractFactory
from core.testing.browser import NARROW_VIEWPORT, assert_accessible, assert_no_sideways_scroll, login
from meetings.models import Meeting
from meetings.tests.factories import MeetingFactory
from municipalities.models import MunicipalityGroup
from municipalities.tests.factories import MembershipFactory, MunicipalityGroupFactory, municipality
from portfolios.tests.factories import PlanItemFactory, PortfolioFactory
from surveys.tests.factories import QuestionFactory, SurveyFactory, answer, invite

# The live server answers from another thread, so the data must be committed (see dashboard/tests/test_browser.py).
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def portfolio():
    portfolio = PortfolioFactory(name="Portefølje 4, 2026–27", agreement_start=date(2026, 1, 1))
    bodo = MunicipalityGroupFactory(portfolio=portfolio, municipalities=[municipality("1804"), municipality("5612")])
    MunicipalityGroupFactory(
        portfolio=portfolio,
        municipalities=[municipality("5501")],
        status=MunicipalityGroup.Status.ENDED_EARLY,
        ended_reason="Kommunen trakk seg.",
    )
    ContractFactory(group=bodo, status=Contract.Status.IN_FORCE, signed_at=timezone.now())
    PlanItemFactory(portfolio=portfolio, title="Veiledningsmøte med en svært lang tittel som må brytes på små skjermer")
    start = timezone.make_aware(datetime(2026, 2, 5, 10))
    MeetingFactory(group=bodo, title="Kontraktsmøte", starts_at=start, ends_at=start + timedelta(hours=2))
    MeetingFactory(
        group=bodo,
        title="Oppstart",
        status=Meeting.Status.HELD,
        starts_at=start - timedelta(days=20),
        ends_at=start - timedelta(days=20) + timedelta(hours=1),
    )
    survey = SurveyFactory(portfolio=portfolio, anonymous=False)
    question = QuestionFactory(survey=survey, page__survey=survey, text="I hvilken grad har veiledningen vært nyttig?")
    for value in ("4", "5", "6"):
        invitation, _ = invite(survey, group=bodo)
        answer(invitation, {question: value})
    member = MembershipFactory(group=bodo).user
    return {"portfolio": portfolio, "member": member}


def test_the_reports_pass_axe_and_reflow_at_320_px(live_server, make_page, portfolio):
    leader = ProgrammeLeaderFactory()
    for viewport in (None, NARROW_VIEWPORT):
        page = make_page(viewport)
        login(page, live_server, leader.email, PASSWORD)
        page.goto(f"{live_server.url}/rapporter/portefoljer/{portfolio['portfolio'].pk}/")
        expect(page.get_by_role("heading", name="Rapport: Portefølje 4, 2026–27", level=1)).to_be_visible()
        expect(page.get_by_role("table", name="Nøkkeltall for Portefølje 4, 2026–27")).to_be_visible()
        expect(page.get_by_role("img", name="Kommunegrupper etter status")).to_be_visible()
        assert_accessible(page)
        assert_no_sideways_scroll(page)
        page.get_by_role("link", name="Veiledningsordningen år for år").click()
        expect(page.get_by_role("region", name="Porteføljene år for år")).to_be_visible()
        assert_accessible(page)
        assert_no_sideways_scroll(page)


def test_the_year_wheel_passes_axe_and_reflows_at_320_px(live_server, make_page, portfolio):
    for viewport in (None, NARROW_VIEWPORT):
        page = make_page(viewport)
        login(page, live_server, portfolio["member"].email, PASSWORD)
        page.goto(f"{live_server.url}/portefoljer/{portfolio['portfolio'].pk}/arshjul/")
        expect(page.get_by_role("heading", name="februar 2026")).to_be_visible()
        expect(page.get_by_role("link", name="Kontraktsmøte")).to_be_visible()
        assert_accessible(page)
        assert_no_sideways_scroll(page)
        # Printed, the menu is left out.
        page.emulate_media(media="print")
        expect(page.get_by_role("navigation", name="Hovedmeny")).to_be_hidden()
        page.emulate_media(media="screen")
