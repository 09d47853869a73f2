"""The contract form's wording with the portfolio's period and the municipality's name filled in."""

from datetime import date, datetime
from typing import NotRequired, TypedDict

from django.utils import timezone

from portfolios.models import Portfolio
from portfolios.weeks import MONTHS

from .models import ContractTemplate

# Written where the foundation document's blank line for the municipality stands.
BLANK_MUNICIPALITY = "________________________"


class ContractTexts(TypedDict):
    """A contract's wording as printed; kept in `Contract.terms` (JSON) once the contract is sent. Contracts
    sent before the form's own signature wording was kept have no `signatory_place` or `slot_labels`: their
    PDFs print the terms' place and the slots' names, as they did."""

    header: str
    title: str
    subtitle_lines: list[str]
    body_lines: list[str]
    signatory_place: NotRequired[str]
    slot_labels: NotRequired[list[str]]


def month_words(day: date) -> str:
    """«januar 2026»."""
    return f"{MONTHS[day.month - 1]} {day.year}"


def period_words(portfolio: Portfolio) -> str:
    """«januar 2026 – juni 2027»: the portfolio's own agreement period, in the contracts' wording."""
    return f"{month_words(portfolio.agreement_start)} – {month_words(portfolio.agreement_end)}"


def period_years(portfolio: Portfolio) -> str:
    start, end = portfolio.agreement_start.year, portfolio.agreement_end.year
    return str(start) if start == end else f"{start}–{end}"


def fill(text: str, *, portfolio: Portfolio, municipality_name: str) -> str:
    # str.replace rather than str.format: the programme leader writes these texts, and a stray brace
    # must print as written, not break the render.
    # The parts of the period one by one ({avtalestart}, {startår} …) let a form keep its own punctuation,
    # «2023 - 2024» or «2023-2024», where {år} and {avtaleperiode} print the portal's en dash.
    start, end = portfolio.agreement_start, portfolio.agreement_end
    return (
        text.replace("{kommune}", municipality_name)
        .replace("{avtaleperiode}", period_words(portfolio))
        .replace("{avtalestart}", month_words(start))
        .replace("{avtaleslutt}", month_words(end))
        .replace("{år}", period_years(portfolio))
        .replace("{startår}", str(start.year))
        .replace("{sluttår}", str(end.year))
    )


def contract_texts(
    template: ContractTemplate, *, portfolio: Portfolio, municipality_name: str = BLANK_MUNICIPALITY
) -> ContractTexts:
    """Header, title, subtitle and body of `template` for one municipality (blank: the form itself)."""

    def filled(text: str) -> str:
        return fill(text, portfolio=portfolio, municipality_name=municipality_name)

    return {
        "header": filled(template.header),
        "title": template.title,
        "subtitle_lines": [line for line in filled(template.subtitle).splitlines() if line.strip()],
        "body_lines": [line for line in filled(template.body).splitlines() if line.strip()],
        "signatory_place": filled(template.signatory_place),
        "slot_labels": template.municipal_slot_labels,
    }


def oslo_date(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%d.%m.%Y")
