"""Issue 17, «PDFs»: every PDF the portal makes is tagged for screen readers (a structure tree, language nb,
its own title, shown by the viewer), and the documents a municipality files are PDF/A-3u. No validator
(veraPDF) can be installed here, so core.testing.pdf.assert_tagged_pdf reads the structure back with pypdf.
Each document is made as the portal makes it: through its view or its background job, from factories."""

import pytest
from django.urls import reverse

from accounts.tests.factories import ProgrammeLeaderFactory
from contracts.services import contract_send, contracts_render_due
from contracts.tests.factories import ContractFactory, sign, signatories
from contracts.texts import contract_texts
from core.storage import read_verified
from core.testing.pdf import assert_tagged_pdf, pdf_structure_tags
from dashboard.services import report_pdfs_render_due
from development_plans.tests.factories import DevelopmentPlanFactory, GoalFactory
from municipalities.models import Role
from municipalities.tests.factories import MembershipFactory, MunicipalityGroupFactory, municipality
from portfolios.tests.factories import PortfolioFactory, ProgrammeFactory
from surveys.tests.factories import answer, evaluation_survey, invite, made_pdf

pytestmark = pytest.mark.django_db


@pytest.fixture
def leader_client(client):
    client.force_login(ProgrammeLeaderFactory(full_name="Åste Selnæs Domaas"))
    return client


def _filename(response):
    return response["Content-Disposition"].split('filename="')[1].rstrip('"')


def test_the_contract_sent_for_signing_and_the_signed_one_are_tagged_pdf_a(django_capture_on_commit_callbacks):
    group = MunicipalityGroupFactory(municipalities=[municipality("5612")])
    owner, leader = signatories(group, "5612")
    contract = ContractFactory(group=group)
    with django_capture_on_commit_callbacks(execute=True):
        contract_send(contract=contract)
        sign(contract, owner, "Guovdageaidnu")
        sign(contract, leader, "Guovdageaidnu")
        sign(contract, ProgrammeLeaderFactory(), "Trondheim")
        assert contracts_render_due() == 1
    contract.refresh_from_db()
    portfolio = group.portfolio
    texts = contract_texts(portfolio.programme.contract_template, portfolio=portfolio)
    name = f"{texts['title']} – {contract.municipality.display_name} – {portfolio}"
    signing = read_verified(contract.signing_document.path, contract.signing_document.sha256)
    final = read_verified(contract.final_document.path, contract.final_document.sha256)
    assert_tagged_pdf(signing, title=f"{name} (til signering)", pdfa=True)
    assert_tagged_pdf(final, title=f"{name} (signert)", pdfa=True)
    # The signature table is tagged as a table, so a screen reader reads who signed where and when.
    assert {"Table", "TH", "TD"} <= set(pdf_structure_tags(final))


def test_the_foundation_document_is_tagged_pdf_a(client):
    portfolio = PortfolioFactory()
    member = MembershipFactory(group__portfolio=portfolio, role=Role.LEADER).user
    client.force_login(member)
    response = client.get(reverse("contracts:foundation_pdf", kwargs={"pk": portfolio.pk}))
    assert response.status_code == 200
    content = b"".join(response.streaming_content)
    title = portfolio.document_title or f"Grunnlagsdokument – {portfolio}"
    assert_tagged_pdf(content, title=title, pdfa=True)


def test_the_development_plan_is_tagged_pdf_a_with_its_group_portfolio_and_version(client):
    plan = DevelopmentPlanFactory()
    GoalFactory(plan=plan, title="Kulturskolen er forankret i kommuneplanen")
    group = plan.group
    client.force_login(MembershipFactory(group=group, role=Role.LEADER).user)
    response = client.get(reverse("development_plans:plan_pdf", kwargs={"pk": plan.pk}))
    assert response.status_code == 200
    title = f"Utviklingsplan for {group.display_name} – {group.portfolio}, versjon {plan.version}"
    assert_tagged_pdf(response.content, title=title, pdfa=True)


def test_the_survey_reports_are_tagged_pdf_a_each_with_its_own_title_and_file_name(leader_client):
    """The same evaluation survey runs in every portfolio under one title; its reports used to share it."""
    titles, names = set(), set()
    for number in (2, 4, 7):
        portfolio = PortfolioFactory(name=f"Portefølje {number}")
        survey = evaluation_survey(portfolio)
        scale = survey.questions.get(key="forankring")
        for value in ("4", "5", "6"):
            invitation, _ = invite(survey)
            answer(invitation, {scale: value})
        response = made_pdf(leader_client, survey)
        title = f"Rapport – Evaluering av veiledningsordningen – {portfolio}"
        assert_tagged_pdf(response.content, title=title, pdfa=True)
        titles.add(title)
        names.add(_filename(response))
    assert len(titles) == 3
    assert names == {
        "rapport-evaluering-av-veiledningsordningen-portefolje-2.pdf",
        "rapport-evaluering-av-veiledningsordningen-portefolje-4.pdf",
        "rapport-evaluering-av-veiledningsordningen-portefolje-7.pdf",
    }


def test_the_programme_reports_are_tagged_pdf_a_with_their_own_titles_and_file_names(leader_client):
    programme = ProgrammeFactory(name="Fremtidens kulturskole")
    portfolio = PortfolioFactory(programme=programme, name="Portefølje 2")
    MunicipalityGroupFactory(portfolio=portfolio)
    made = {}
    for kind, subject in (("portfolio", portfolio), ("programme", programme)):
        assert (
            leader_client.post(reverse(f"dashboard:report_{kind}_pdf_make", kwargs={"pk": subject.pk})).status_code
            == 302
        )
        assert report_pdfs_render_due() == 1
        made[kind] = leader_client.get(reverse(f"dashboard:report_{kind}_pdf", kwargs={"pk": subject.pk}))
        assert made[kind].status_code == 200
    assert_tagged_pdf(made["portfolio"].content, title="Rapport – Fremtidens kulturskole: Portefølje 2", pdfa=True)
    assert_tagged_pdf(made["programme"].content, title="Rapport – Fremtidens kulturskole år for år", pdfa=True)
    assert _filename(made["portfolio"]) == "rapport-fremtidens-kulturskole-portefolje-2.pdf"
    assert _filename(made["programme"]) == "rapport-fremtidens-kulturskole-aar-for-aar.pdf"
