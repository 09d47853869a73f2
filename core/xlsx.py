"""The one XLSX writer: workbooks that open cleanly in Norwegian Excel. Imports no app.

Each sheet gets a bold, frozen header row and set column widths; a date is written as a real date with a
`dd.mm.yyyy` number format (so that Excel sorts and filters it as a date), a datetime in Oslo time without
its zone (Excel has none) as `dd.mm.yyyy hh:mm`; and every text is stored as text, never as a formula,
whoever wrote it (OWASP, "CSV Injection")."""

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from django.utils import timezone

# What a cell holds. None is an empty cell.
Value = str | int | float | date | datetime | None

DATE_FORMAT = "dd.mm.yyyy"
DATETIME_FORMAT = "dd.mm.yyyy hh:mm"
# Width in characters when a sheet names none: enough for a name or an e-mail address, not a paragraph.
MIN_WIDTH, MAX_WIDTH = 8, 60


@dataclass
class Sheet:
    """One worksheet: its title (Excel allows 31 characters), the header row and the rows below it.
    `widths` in characters, one per column; without them each column is as wide as its longest value
    (within MIN_WIDTH and MAX_WIDTH)."""

    title: str
    header: Sequence[str]
    rows: Iterable[Sequence[Value]]
    widths: Sequence[float] | None = None


def _length(value: Value) -> int:
    if value is None:
        return 0
    if isinstance(value, datetime):
        return 16
    if isinstance(value, date):
        return 10
    return max((len(line) for line in str(value).splitlines()), default=0)


def _widths(header: Sequence[str], rows: Sequence[Sequence[Value]]) -> list[float]:
    lengths = [len(h) for h in header]
    for row in rows:
        for i, value in enumerate(row[: len(lengths)]):
            lengths[i] = max(lengths[i], _length(value))
    return [min(MAX_WIDTH, max(MIN_WIDTH, n + 2)) for n in lengths]


def workbook_bytes(sheets: Sequence[Sheet]) -> bytes:
    """The sheets as one XLSX file."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    workbook.remove(workbook.active)  # type: ignore[arg-type]  # the empty sheet every new workbook has
    bold = Font(bold=True)
    for spec in sheets:
        rows = [list(row) for row in spec.rows]
        sheet = workbook.create_sheet(title=spec.title[:31])
        sheet.append(list(spec.header))
        for cell in sheet[1]:
            cell.font = bold
            cell.data_type = "s"
        for row_number, row in enumerate(rows, start=2):
            for column, value in enumerate(row, start=1):
                cell = sheet.cell(row=row_number, column=column)
                if isinstance(value, datetime):
                    cell.value = timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value
                    cell.number_format = DATETIME_FORMAT
                elif isinstance(value, date):
                    cell.value = value
                    cell.number_format = DATE_FORMAT
                elif isinstance(value, str):
                    cell.value = value
                    # openpyxl takes a text starting with "=" for a formula; every text is stored as text.
                    cell.data_type = "s"
                else:
                    cell.value = value
        for column, width in enumerate(spec.widths or _widths(spec.header, rows), start=1):
            sheet.column_dimensions[get_column_letter(column)].width = width
        sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
