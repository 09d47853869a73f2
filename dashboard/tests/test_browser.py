"""The foundation's pages in a real browser: each person's way in, what they see, and axe-core on every page."""

import re
from datetime import date

import pytest
from playwright.sync_api import expect

from accounts.tests.factories import PASSWORD, AdviserFactory, ProgrammeLeaderFactory, UserFactory
from core.testing.browser import PHONE_VIEWPORT, assert_accessible, login
from municipalities.models import MunicipalityGroup, Role
from municipalities.tests.factories import MembershipFactory, MunicipalityGroupFactory, municipality
from portfolios.models import Portfolio
from portfolios.tests.factories import FoundationSectionFactory, PlanItemFactory, PortfolioFactory

# The live server answers from another thread, so the data must be committed (transaction=True). Each such
# test ends by emptying the database; serialized_rollback restores what the migrations loaded (the 357
# municipalities, the staff roles) before every test.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_pages_load_the_hashed_static_files_the_way_production_serves_them(live_server, page):
    static = []
    page.on("response", lambda response: static.append(response) if "/static/" in response.url else None)
    page.goto(f"{live_server.url}/konto/logg-inn/", wait_until="load")

    assert len(static) == 4  # Bootstrap's stylesheet and script, and the portal's stylesheet and script
    for response in static:
        assert re.search(r"\.[0-9a-f]{12}\.(css|js)$", response.url), response.url
        assert response.status == 200
        # WhiteNoise's header for a hashed file from STATIC_ROOT, as in production.
        assert "immutable" in response.headers["cache-control"]
    # Bootstrap's stylesheet is applied: it lays the navigation bar out as a flexbox.
    expect(page.locator("nav.navbar")).to_have_css("display", "flex")


def test_login_page_passes_axe(live_server, page):
    page.goto(f"{live_server.url}/konto/logg-inn/")

    expect(page.get_by_role("heading", name="Logg inn", level=1)).to_be_visible()
    expect(page.get_by_label("E-post")).to_be_focused()
    assert_accessible(page)


def test_adviser_lands_on_their_groups_and_not_others(live_server, page):
    adviser = AdviserFactory(full_name="Ingrid Veileder")
    portfolio = PortfolioFactory(name="Portefølje 1, 2026–27")
    MunicipalityGroupFactory(portfolio=portfolio, adviser=adviser, name="Bodø og Saltdal")
    MunicipalityGroupFactory(
        portfolio=PortfolioFactory(name="Portefølje 2, 2026–27"),
        adviser=adviser,
        municipalities=[municipality("5612")],
    )
    MunicipalityGroupFactory(portfolio=portfolio, adviser=AdviserFactory(), name="Gruppe med annen veileder")

    login(page, live_server, adviser.email, PASSWORD)

    assert page.url == f"{live_server.url}/mine-kommunegrupper/"
    expect(page.get_by_role("heading", name="Mine kommunegrupper", level=1)).to_be_visible()
    table = page.get_by_role("table", name="Kommunegrupper du er veileder for")
    expect(table.get_by_role("link", name="Bodø og Saltdal")).to_be_visible()
    expect(table.get_by_role("link", name="Guovdageaidnu")).to_be_visible()
    expect(table.get_by_role("row")).to_have_count(3)  # the header and the adviser's two groups
    expect(page.get_by_text("Gruppe med annen veileder")).to_have_count(0)
    assert_accessible(page)


@pytest.fixture
def group_with_plan():
    """An active group of Bodø and Guovdageaidnu with two members, a plan of three rows and one foundation section."""
    portfolio = PortfolioFactory(name="Portefølje 3, 2026–27")
    group = MunicipalityGroupFactory(
        portfolio=portfolio,
        adviser=AdviserFactory(full_name="Vera Veileder"),
        municipalities=[municipality("1804"), municipality("5612")],
    )
    leader = MembershipFactory(
        group=group, user=UserFactory(full_name="Live Leder"), role=Role.LEADER, municipality=municipality("1804")
    ).user
    MembershipFactory(
        group=group,
        user=UserFactory(full_name="Elle Eier"),
        role=Role.OWNER_ADMINISTRATIVE,
        municipality=municipality("5612"),
    )
    PlanItemFactory(portfolio=portfolio, order=1, number="1", title="Kontraktsmøte")  # weeks 6 and 7
    PlanItemFactory(
        portfolio=portfolio,
        order=2,
        number="2",
        title="Felles samling i Bodø",
        when_text="Mars 2026",
        week_from=None,
        week_to=None,
        starts_on=date(2026, 3, 12),
    )
    PlanItemFactory(portfolio=portfolio, order=3, number="", title="Egenarbeid", when_text="Våren 2026", week_to=None)
    FoundationSectionFactory(portfolio=portfolio, heading="Mål for veiledningen")
    return group, leader


def test_participant_lands_on_their_group_and_reads_the_foundation_document(live_server, page, group_with_plan):
    group, leader = group_with_plan

    login(page, live_server, leader.email, PASSWORD)

    assert page.url == f"{live_server.url}/kommunegrupper/{group.pk}/"
    expect(page.get_by_role("heading", name="Bodø og Guovdageaidnu", level=1)).to_be_visible()
    expect(page.get_by_text("Guovdageaidnu (Kautokeino) (5612)")).to_be_visible()
    members = page.get_by_role("table", name="Deltakere i Bodø og Guovdageaidnu")
    expect(members.get_by_role("row", name=re.compile("Live Leder"))).to_contain_text("Kulturskoleleder")
    expect(members.get_by_role("row", name=re.compile("Elle Eier"))).to_contain_text("Kulturskoleeier")
    plan = page.get_by_role("table", name="Plan for gjennomføring")
    # The columns are Møte, Hva, Når, Uke, Dato; a screen reader hears «uke» before the week numbers.
    contract_meeting = plan.get_by_role("row", name=re.compile("Kontraktsmøte")).get_by_role("cell")
    expect(contract_meeting.nth(3)).to_have_text("uke 6/7")
    expect(contract_meeting.nth(4)).to_have_text("")
    gathering = plan.get_by_role("row", name=re.compile("Felles samling i Bodø")).get_by_role("cell")
    expect(gathering.nth(3)).to_have_text("")
    expect(gathering.nth(4)).to_have_text("12.03.2026")
    own_work = plan.get_by_role("row", name=re.compile("Egenarbeid")).get_by_role("cell")
    expect(own_work.nth(3)).to_have_text("uke 6")
    assert_accessible(page)

    page.get_by_role("link", name="Les grunnlagsdokumentet for Portefølje 3, 2026–27").click()

    expect(page).to_have_url(f"{live_server.url}/portefoljer/{group.portfolio.pk}/grunnlagsdokument/")
    expect(page.get_by_role("heading", name="Grunnlagsdokument", level=1)).to_be_visible()
    expect(page.get_by_role("heading", name="Mål for veiledningen", level=2)).to_be_visible()
    expect(page.get_by_text("Formålet med veiledningen er å bistå kulturskoleeier")).to_be_visible()
    assert_accessible(page)


def test_participant_on_a_phone_opens_the_menu_to_log_out(live_server, make_page, group_with_plan):
    group, leader = group_with_plan
    page = make_page(PHONE_VIEWPORT)

    login(page, live_server, leader.email, PASSWORD)

    assert page.url == f"{live_server.url}/kommunegrupper/{group.pk}/"
    expect(page.get_by_role("table", name="Plan for gjennomføring")).to_contain_text("6/7")
    log_out = page.get_by_role("button", name="Logg ut")
    expect(log_out).to_be_hidden()
    assert_accessible(page)

    toggler = page.get_by_role("button", name="Vis eller skjul menyen")
    toggler.click()

    expect(log_out).to_be_visible()
    expect(toggler).to_have_attribute("aria-expanded", "true")
    expect(page.get_by_role("link", name="Min kommunegruppe")).to_be_visible()
    assert_accessible(page)


def test_programme_leader_sees_every_groups_status(live_server, page):
    leader = ProgrammeLeaderFactory()
    running = PortfolioFactory(name="Portefølje 4, 2026–27")
    MunicipalityGroupFactory(portfolio=running, name="Bodø", status=MunicipalityGroup.Status.ACTIVE)
    MunicipalityGroupFactory(
        portfolio=running,
        name="Guovdageaidnu",
        municipalities=[municipality("5612")],
        status=MunicipalityGroup.Status.ADMITTED,
    )
    MunicipalityGroupFactory(
        portfolio=PortfolioFactory(
            name="Portefølje 1, 2023–24",
            agreement_start=date(2023, 1, 1),
            agreement_end=date(2024, 6, 20),
            status=Portfolio.Status.COMPLETED,
        ),
        name="Saltdal",
        municipalities=[municipality("1840")],
        status=MunicipalityGroup.Status.ENDED_EARLY,
        ended_reason="Kommunen trakk seg.",
    )

    login(page, live_server, leader.email, PASSWORD)

    assert page.url == f"{live_server.url}/portefoljer/"
    expect(page.get_by_role("heading", name="Porteføljer", level=1)).to_be_visible()
    groups = page.get_by_role("table", name="Kommunegrupper i Portefølje 4, 2026–27")
    expect(groups.get_by_role("row", name=re.compile("^Bodø"))).to_contain_text("Aktiv")
    expect(groups.get_by_role("row", name=re.compile("^Guovdageaidnu"))).to_contain_text("Tatt opp")
    expect(page.get_by_text("2 kommunegrupper: 1 tatt opp, 1 aktiv")).to_be_visible()
    # A completed portfolio is folded away, with its counts alone: ten years of groups are not on the page.
    ended = page.get_by_role("table", name=re.compile("^Avsluttede porteføljer"))
    expect(ended).to_be_hidden()
    page.get_by_text("Vis 1 avsluttet portefølje").click()
    expect(ended.get_by_role("row", name=re.compile("Portefølje 1, 2023–24"))).to_contain_text(
        "1: 1 avsluttet før tiden"
    )
    expect(page.get_by_text("Saltdal")).to_have_count(0)
    assert_accessible(page)

    page.get_by_role("link", name="Veiledningsordningen: Portefølje 4, 2026–27").click()

    expect(page).to_have_url(f"{live_server.url}/portefoljer/{running.pk}/")
    expect(page.get_by_role("table", name="Kommunegrupper", exact=True).get_by_role("row")).to_have_count(3)
    expect(page.get_by_role("table", name="Plan for gjennomføring")).to_contain_text("Planen er ikke lagt inn ennå.")
    assert_accessible(page)


def test_member_of_another_group_gets_the_norwegian_404(live_server, page):
    group = MunicipalityGroupFactory(name="Bodø")
    outsider = MembershipFactory(
        group=MunicipalityGroupFactory(name="Guovdageaidnu", municipalities=[municipality("5612")])
    ).user
    login(page, live_server, outsider.email, PASSWORD)

    response = page.goto(f"{live_server.url}/kommunegrupper/{group.pk}/")

    assert response.status == 404
    expect(page.get_by_role("heading", name="Siden finnes ikke", level=1)).to_be_visible()
    expect(page.get_by_text("Bodø")).to_have_count(0)
    assert_accessible(page)
