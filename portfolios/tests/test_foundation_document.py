"""The foundation document on its page and as PDF: the reference to the plan is to its section, with the page
the portal's own PDF puts it on (the originals' «Se side 6» named theirs)."""

import importlib
import io
import re

import pytest
from django.core.management import call_command
from django.urls import reverse
from pypdf import PdfReader

from accounts.tests.factories import ProgrammeLeaderFactory
from portfolios.models import Portfolio
from portfolios.tests.factories import FoundationSectionFactory, PlanItemFactory, PortfolioFactory

pytestmark = pytest.mark.django_db

migration = importlib.import_module("portfolios.migrations.0003_foundation_text_refers_to_the_plan_by_section")


def _pages(client, portfolio):
    response = client.get(reverse("contracts:foundation_pdf", args=[portfolio.pk]))
    assert response.status_code == 200
    content = b"".join(response.streaming_content)
    return [page.extract_text() for page in PdfReader(io.BytesIO(content)).pages]


def _plan_page(pages, plan_title):
    """The 1-based number of the page where the plan's heading stands."""
    return next(number for number, text in enumerate(pages, start=1) if plan_title in text)


def test_the_demo_foundation_documents_pdfs_refer_to_the_page_the_plan_is_really_on(client):
    call_command("seed_demo", stdout=io.StringIO())
    client.force_login(ProgrammeLeaderFactory())
    # Both programmes' documents from the seeds, and the current portfolio copied from the first.
    portfolios = Portfolio.objects.exclude(sections=None).distinct()
    assert {p.name for p in portfolios} >= {"Portefølje 4, 2023–24", "Regionale program 2024–2025"}
    assert len(portfolios) == 3

    for portfolio in portfolios:
        pages = _pages(client, portfolio)

        text = "\n".join(pages)
        assert not re.search(r"[Ss]e side \d", text), f"{portfolio}: a page number copied from the original"
        plan_page = _plan_page(pages, portfolio.plan_title[:40])
        assert plan_page > 1
        # pypdf breaks lines where the PDF does; the reference is read with its whitespace collapsed.
        assert f"Se «Plan for gjennomføring» (side {plan_page}) for" in re.sub(r"\s+", " ", text), portfolio


def test_the_reference_follows_the_plan_when_the_document_grows(client):
    portfolio = PortfolioFactory(plan_title="Planen for portefølje 9")
    FoundationSectionFactory(portfolio=portfolio, heading="Organisering", text="Se {plan} for møtene.")
    for _ in range(12):
        FoundationSectionFactory(portfolio=portfolio, text="Lang tekst om kulturskolen og kommunen. " * 60)
    PlanItemFactory(portfolio=portfolio)
    client.force_login(ProgrammeLeaderFactory())

    pages = _pages(client, portfolio)

    plan_page = _plan_page(pages, "Planen for portefølje 9")
    assert plan_page >= 5
    assert f"Se «Plan for gjennomføring» (side {plan_page}) for møtene." in pages[0]


def test_the_foundation_page_links_the_reference_to_the_plan_section(client):
    portfolio = PortfolioFactory()
    FoundationSectionFactory(portfolio=portfolio, text="Se {plan} for <møtene>.\n\n- punkt med {plan}")
    client.force_login(ProgrammeLeaderFactory())

    html = client.get(reverse("portfolios:foundation_document", args=[portfolio.pk])).content.decode()

    link = '<a href="#plan" class="plan-ref">«Plan for gjennomføring»</a>'
    assert f"<p>Se {link} for &lt;møtene&gt;.</p>" in html
    assert f"<li>punkt med {link}</li>" in html
    assert '<section id="plan">' in html
    assert "{plan}" not in html


@pytest.mark.parametrize(
    ("original", "expected"),
    [
        (
            "Se side 6 for plan for gjennomføring veiledningsmøter og dialogkonferanser.",
            "Se {plan} for veiledningsmøter og dialogkonferanser.",
        ),
        (
            "Se side 7 for tidsplan for gjennomføring fellessamlinger, koordinatormøter og veiledning.",
            "Se {plan} for tidsplanen for fellessamlinger, koordinatormøter og veiledning.",
        ),
        ("Se side 3 for kontrakten.", "Se side 3 for kontrakten."),  # not the plan: left for the leader
    ],
)
def test_the_migration_turns_the_originals_page_references_into_references_to_the_plan(original, expected):
    assert migration.refer_by_section(original) == expected
