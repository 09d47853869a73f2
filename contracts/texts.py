"""The contract form's wording with the portfolio's period and the municipality's name filled in."""

from django.utils import timezone

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


def period_words(portfolio):
    """«januar 2026 – juni 2027»: the portfolio's own agreement period, in the contracts' wording."""
    start, end = portfolio.agreement_start, portfolio.agreement_end
    return f"{MONTHS[start.month - 1]} {start.year} – {MONTHS[end.month - 1]} {end.year}"


def period_years(portfolio):
    start, end = portfolio.agreement_start.year, portfolio.agreement_end.year
    return str(start) if start == end else f"{start}–{end}"


def fill(text, *, portfolio, municipality_name):
    # str.replace rather than str.format: the programme leader writes these texts, and a stray brace
    # must print as written, not break the render.
    return (
        text.replace("{kommune}", municipality_name)
        .replace("{avtaleperiode}", period_words(portfolio))
        .replace("{år}", period_years(portfolio))
    )


def contract_texts(template, *, portfolio, municipality_name=BLANK_MUNICIPALITY):
    """Header, title, subtitle and body of `template` for one municipality (blank: the form itself)."""

    def filled(text):
        return fill(text, portfolio=portfolio, municipality_name=municipality_name)

    return {
        "header": filled(template.header),
        "title": template.title,
        "subtitle_lines": [line for line in filled(template.subtitle).splitlines() if line.strip()],
        "body_lines": [line for line in filled(template.body).splitlines() if line.strip()],
    }


def oslo_date(moment):
    return timezone.localtime(moment).strftime("%d.%m.%Y")
