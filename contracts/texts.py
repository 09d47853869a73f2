"""The contract form's wording with the portfolio's period and the municipality's name filled in."""

from datetime import datetime
from typing import TypedDict

from django.utils import timezone

from portfolios.models import Portfolio

from .models import ContractTemplate

MONTHS = [
    "januar",
    "februar",
    "mars",
    "april",
    "mai",
    "juni",
    "juli",
    "august",
    "september",
    "oktober",
    "november",
    "desember",
]

# Written where the foundation document's blank line for the municipality stands.
BLANK_MUNICIPALITY = "________________________"


class ContractTexts(TypedDict):
    """A contract's wording as printed; kept in `Contract.terms` (JSON) once the contract is sent."""

    header: str
    title: str
    subtitle_lines: list[str]
    body_lines: list[str]


def period_words(portfolio: Portfolio) -> str:
    """«januar 2026 – juni 2027»: the portfolio's own agreement period, in the contracts' wording."""
    start, end = portfolio.agreement_start, portfolio.agreement_end
    return f"{MONTHS[start.month - 1]} {start.year} – {MONTHS[end.month - 1]} {end.year}"


def period_years(portfolio: Portfolio) -> str:
    start, end = portfolio.agreement_start.year, portfolio.agreement_end.year
    return str(start) if start == end else f"{start}–{end}"


def fill(text: str, *, portfolio: Portfolio, municipality_name: str) -> str:
    # str.replace rather than str.format: the programme leader writes these texts, and a stray brace
    # must print as written, not break the render.
    return (
        text.replace("{kommune}", municipality_name)
        .replace("{avtaleperiode}", period_words(portfolio))
        .replace("{år}", period_years(portfolio))
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
    }


def oslo_date(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%d.%m.%Y")
