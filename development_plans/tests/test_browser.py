"""The development plan in a real browser: the kulturskoleleder writes and shares it, the adviser comments, the
owner approves (on a phone), an outsider gets a 404, and the PDF holds the goals. axe-core on every page."""

import io
import re

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from accounts.tests.factories import PASSWORD, AdviserFactory, ProgrammeLeaderFactory, UserFactory
from core.testing.browser import PHONE_VIEWPORT, assert_accessible, expect_form_error, login
from municipalities.models import Role
from municipalities.tests.factories import MembershipFactory, MunicipalityGroupFactory, municipality

from .. import services
from ..models import DevelopmentPlan
from .factories import DevelopmentPlanFactory, GoalFactory, MeasureFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _save(page, name="Lagre"):
    with page.expect_navigation():
        page.get_by_role("button", name=name).click()


def _add_goal(page, level, title, pillar):
    page.get_by_role("link", name="Legg til mål").click()
    expect(page.get_by_role("heading", name="Nytt mål", level=1)).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Nivå*", exact=True).select_option(label=level)
    page.get_by_label("Mål*", exact=True).fill(title)
    page.get_by_label(pillar, exact=True).check()
    page.get_by_label("Slik ser vi at vi lykkes").fill("Vi ser det i elevtallene og i referatene fra personalmøtene.")
    _save(page)
    expect(page.get_by_text("Målet er lagt til.")).to_be_visible()


def _add_measure(page, goal_number, title, status="Planlagt", dates=("2026-02-01", "2026-06-20")):
    page.get_by_role("link", name=f"Legg til tiltak under mål {goal_number}").click()
    page.get_by_label("Tiltak*", exact=True).fill(title)
    page.get_by_label("Ansvarlig rolle").select_option(label="Kulturskoleleder")
    page.get_by_label("Start").fill(dates[0])
    page.get_by_label("Slutt").fill(dates[1])
    page.get_by_label("Status*", exact=True).select_option(label=status)
    _save(page)


def test_a_plan_is_written_shared_commented_approved_and_kept_from_outsiders(live_server, make_page):
    group = MunicipalityGroupFactory(
        name="Bodø", adviser=AdviserFactory(full_name="Ingrid Solbakken"), municipalities=[municipality("1804")]
    )
    leader = MembershipFactory(group=group, role=Role.LEADER, user=UserFactory(full_name="Lena Bakken Ødegård")).user
    owner = MembershipFactory(
        group=group, role=Role.OWNER_ADMINISTRATIVE, user=UserFactory(full_name="Marit Kristiansen")
    ).user
    outsider = MembershipFactory(
        group=MunicipalityGroupFactory(name="Guovdageaidnu", municipalities=[municipality("5612")])
    ).user

    # The kulturskoleleder starts the plan from the group page and writes it.
    page = make_page()
    login(page, live_server, leader.email, PASSWORD)
    expect(page.get_by_role("heading", name="Utviklingsplan", level=2)).to_be_visible()
    assert_accessible(page)
    _save(page, "Start utviklingsplanen")
    expect(page.get_by_role("heading", name="Utviklingsplan for Bodø", level=1)).to_be_visible()
    expect(page.get_by_text("Utkast", exact=True)).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Endre behov, muligheter og hovedmål").click()
    page.get_by_label("Utviklingsbehov").fill("Få elever fra ungdomstrinnet; lærerne samarbeider lite.")
    page.get_by_label("Kunnskapsgrunnlag").fill("GSI, foreldreundersøkelsen 2025 og rammeplanen.")
    page.get_by_label("Hovedmål").fill("Kulturskolen er et tilbud for alle barn og unge i Bodø.")
    assert_accessible(page)
    _save(page)

    _add_goal(page, "Kulturskoleeier", "Kulturskolen er forankret i kommuneplanens samfunnsdel", "Bærekraft")
    _add_goal(page, "Lærerne", "Lærerne planlegger undervisningen sammen i team", "Læring")

    # A dropped measure needs a reason: the form comes back with the error and with what was typed.
    _add_measure(page, 1, "Sak om kulturskolen i oppvekstutvalget", status="Avbrutt")
    expect_form_error(page, "Skriv hvorfor tiltaket ble avbrutt.")
    expect(page.get_by_label("Tiltak*", exact=True)).to_have_value("Sak om kulturskolen i oppvekstutvalget")
    expect(page.get_by_label("Start")).to_have_value("2026-02-01")
    assert_accessible(page)
    page.get_by_label("Status*", exact=True).select_option(label="Pågår")
    _save(page)
    expect(page.get_by_text("Tiltaket er lagt til.")).to_be_visible()
    _add_measure(page, 1, "Kulturskoleleder deltar i kommunens planforum")
    _add_measure(page, 2, "Fagmøte for lærerne hver sjette uke", dates=("2026-08-15", "2027-06-15"))
    expect(page.locator("li.measure")).to_have_count(3)
    assert_accessible(page)

    _save(page, "Del planen med veilederen")
    expect(page.get_by_text("Planen er delt med veilederen.")).to_be_visible()
    plan = DevelopmentPlan.objects.get(group=group)
    assert plan.status == DevelopmentPlan.Status.SHARED

    page.get_by_role("link", name="Fremdrift og tidslinje").click()
    expect(page.get_by_role("img", name="Tidslinje for tiltakene med datoer")).to_be_visible()
    expect(page.get_by_role("table", name="Tiltakene med periode og status").get_by_role("row")).to_have_count(4)
    assert_accessible(page)

    # The adviser comments.
    adviser_page = make_page()
    login(adviser_page, live_server, group.adviser.email, PASSWORD)
    adviser_page.goto(f"{live_server.url}{plan.get_absolute_url()}")
    expect(adviser_page.get_by_role("button", name="Del planen med veilederen")).to_have_count(0)
    adviser_page.get_by_label("Ny kommentar").fill(
        "Godt arbeid. Knytt gjerne målet for lærerne til fordypningsprogrammet."
    )
    _save(adviser_page, "Legg inn kommentar")
    comments = adviser_page.locator("#kommentarer")
    expect(comments).to_contain_text("Ingrid Solbakken (veileder)")
    expect(comments).to_contain_text("Knytt gjerne målet for lærerne")
    assert_accessible(adviser_page)

    # The owner approves, on a phone.
    owner_page = make_page(PHONE_VIEWPORT)
    login(owner_page, live_server, owner.email, PASSWORD)
    owner_page.get_by_role("link", name="Åpne utviklingsplanen").click()
    expect(owner_page.get_by_text("Knytt gjerne målet for lærerne")).to_be_visible()
    expect(owner_page.get_by_role("link", name="Legg til mål")).to_have_count(0)
    assert_accessible(owner_page)
    _save(owner_page, "Godkjenn planen som kulturskoleeier")
    expect(owner_page.get_by_text("Du har godkjent planen.")).to_be_visible()
    expect(owner_page.get_by_text("Godkjent av kulturskoleeier", exact=True)).to_be_visible()
    owner_page.get_by_role("link", name="Versjon 1").click()
    expect(owner_page.get_by_role("heading", name=re.compile("versjon 1$"), level=1)).to_be_visible()
    assert_accessible(owner_page)

    # The PDF holds the goals.
    response = owner_page.request.get(f"{live_server.url}/utviklingsplaner/{plan.pk}/pdf/")
    assert response.headers["content-type"] == "application/pdf"
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(response.body())).pages).split())
    assert "Kulturskolen er forankret i kommuneplanens samfunnsdel" in text
    assert "Lærerne planlegger undervisningen sammen i team" in text
    assert "Fagmøte for lærerne hver sjette uke" in text

    # A member of another group gets the 404.
    outsider_page = make_page()
    login(outsider_page, live_server, outsider.email, PASSWORD)
    response = outsider_page.goto(f"{live_server.url}{plan.get_absolute_url()}")
    assert response.status == 404
    expect(outsider_page.get_by_role("heading", name="Siden finnes ikke", level=1)).to_be_visible()
    expect(outsider_page.get_by_text("Kulturskolen er forankret")).to_have_count(0)
    assert_accessible(outsider_page)


def test_programme_leader_follows_every_plan_and_its_change_log(live_server, page):
    plan = DevelopmentPlanFactory(group__name="Bodø")
    leader = MembershipFactory(group=plan.group, role=Role.LEADER).user
    goal = services.goal_create(
        plan=plan, user=leader, data={"level": "owner", "title": "Kulturskolen er med i kommuneplanen"}
    )
    MeasureFactory(goal=goal, status="done")
    GoalFactory(plan=plan)
    MunicipalityGroupFactory(portfolio=plan.group.portfolio, name="Tromsø", municipalities=[municipality("5501")])
    programme_leader = ProgrammeLeaderFactory()

    login(page, live_server, programme_leader.email, PASSWORD)
    page.goto(f"{live_server.url}{plan.group.portfolio.get_absolute_url()}")
    page.get_by_role("link", name="Utviklingsplanene").click()
    table = page.get_by_role("table", name="Utviklingsplanen til hver kommunegruppe")
    expect(table.get_by_role("row", name=re.compile("^Bodø"))).to_contain_text("Utkast")
    expect(table.get_by_role("row", name=re.compile("^Tromsø"))).to_contain_text("Ikke startet")
    assert_accessible(page)

    table.get_by_role("link", name=re.compile("utviklingsplan for Bodø")).click()
    expect(page.get_by_role("link", name="Legg til mål")).to_have_count(0)
    expect(page.get_by_label("Ny kommentar")).to_have_count(0)
    assert_accessible(page)
    page.get_by_role("link", name="Endringslogg").click()
    expect(page.get_by_role("table", name="Alle endringer, nyeste først")).to_contain_text(
        "Mål lagt til: «Kulturskolen er med i kommuneplanen»"
    )
    assert_accessible(page)
