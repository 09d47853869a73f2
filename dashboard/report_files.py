"""The programme reports as spreadsheets: one sheet per table of the page.

`workbook_bytes` takes the shape of the shared helper the status-matrix work is extracting (`core/xlsx.py`: a
list of (title, header, rows)), so that this local copy is replaced by it when the two meet."""

import io
from collections.abc import Sequence
from typing import Any

from django.utils.text import Truncator

from .reports import PortfolioReport, YearRow, year_table

Sheet = tuple[str, Sequence[str], Sequence[Sequence[Any]]]


def workbook_bytes(sheets: Sequence[Sheet]) -> bytes:
    """An XLSX with one sheet per (title, header, rows): the header row frozen, each column as wide as its
    longest cell (within reason), numbers stored as numbers and every text as text (never a formula)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    workbook.remove(workbook.active)  # type: ignore[arg-type]
    for title, header, rows in sheets:
        sheet = workbook.create_sheet(title=title[:31])
        sheet.append(list(header))
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in rows:
            sheet.append(list(row))
            for cell in sheet[sheet.max_row]:
                if isinstance(cell.value, str):
                    # openpyxl would store a text starting with "=" as a formula.
                    cell.data_type = "s"
        sheet.freeze_panes = "A2"
        for index, column in enumerate(zip(header, *rows, strict=False), start=1):
            widest = max(len(str(value)) for value in column if value is not None)
            sheet.column_dimensions[get_column_letter(index)].width = min(max(widest + 2, 8), 60)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def portfolio_sheets(report: PortfolioReport) -> list[Sheet]:
    sheets: list[Sheet] = [("Nøkkeltall", ["Hva", "Antall"], report.rows)]
    if report.rates is not None:
        rate_header = ["Kommunegruppe", "Invitert", "Påbegynt", "Svart", "Svarprosent"]
        rates = [[r.label, r.invited, r.started, r.answered, r.percent] for r in report.rates["by_group"]]
        total = report.rates["total"]
        rates.append([total.label, total.invited, total.started, total.answered, total.percent])
        sheets.append(("Svarprosent", rate_header, rates))
        roles = [[r.label, r.invited, r.started, r.answered, r.percent] for r in report.rates["by_role"]]
        sheets.append(("Svarprosent per rolle", ["Rolle", *rate_header[1:]], roles))
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
        sheets.append(("Resultater", ["Spørsmål", "Antall svar", "Gjennomsnitt", "Median"], results))
    return sheets


def programme_sheets(rows: Sequence[YearRow]) -> list[Sheet]:
    header, body = year_table(rows)
    return [("År for år", header, body)]
