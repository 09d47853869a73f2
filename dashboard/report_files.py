"""The programme reports as spreadsheets: one sheet per table of the page, written by core.xlsx."""

from collections.abc import Sequence

from django.utils.text import Truncator

from core.xlsx import Sheet

from .reports import PortfolioReport, YearRow, year_table


def portfolio_sheets(report: PortfolioReport) -> list[Sheet]:
    sheets: list[Sheet] = [Sheet("Nøkkeltall", ["Hva", "Antall"], report.rows)]
    if report.rates is not None:
        rate_header = ["Kommunegruppe", "Invitert", "Påbegynt", "Svart", "Svarprosent"]
        rates = [[r.label, r.invited, r.started, r.answered, r.percent] for r in report.rates["by_group"]]
        total = report.rates["total"]
        rates.append([total.label, total.invited, total.started, total.answered, total.percent])
        sheets.append(Sheet("Svarprosent", rate_header, rates))
        roles = [[r.label, r.invited, r.started, r.answered, r.percent] for r in report.rates["by_role"]]
        sheets.append(Sheet("Svarprosent per rolle", ["Rolle", *rate_header[1:]], roles))
    if report.results:
        results = [
            [
                Truncator(r.question).chars(200),
                "færre enn 3" if r.suppressed else r.n,
                None if r.mean is None else round(r.mean, 2),
                r.median,
            ]
            for r in report.results
        ]
        sheets.append(Sheet("Resultater", ["Spørsmål", "Antall svar", "Gjennomsnitt", "Median"], results))
    return sheets


def programme_sheets(rows: Sequence[YearRow]) -> list[Sheet]:
    header, body = year_table(rows)
    return [Sheet("År for år", header, body)]
