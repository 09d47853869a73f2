import io
from datetime import UTC, date, datetime

from openpyxl import load_workbook

from core.xlsx import Sheet, workbook_bytes


def _read(content: bytes):
    return load_workbook(io.BytesIO(content))


def test_a_sheet_has_a_frozen_bold_header_widths_and_real_dates():
    content = workbook_bytes(
        [
            Sheet(
                title="Kommunegrupper i Portefølje 7 med et langt navn",
                header=["Kommune", "Godkjent", "Sist aktiv", "Antall"],
                rows=[["Guovdageaidnu (Kautokeino)", date(2026, 3, 9), datetime(2026, 3, 9, 23, 30, tzinfo=UTC), 4]],
            )
        ]
    )
    sheet = _read(content).active
    assert sheet.title == "Kommunegrupper i Portefølje 7 m"  # Excel's 31 characters
    assert sheet.freeze_panes == "A2"
    assert [c.value for c in sheet[1]] == ["Kommune", "Godkjent", "Sist aktiv", "Antall"]
    assert sheet["A1"].font.bold
    approved, active = sheet["B2"], sheet["C2"]
    assert approved.value == datetime(2026, 3, 9) and approved.number_format == "dd.mm.yyyy"
    # Oslo time (UTC+1 in March): half past midnight on the 10th, as the screens show it.
    assert active.value == datetime(2026, 3, 10, 0, 30) and active.number_format == "dd.mm.yyyy hh:mm"
    assert sheet["D2"].value == 4
    assert sheet.column_dimensions["A"].width == len("Guovdageaidnu (Kautokeino)") + 2
    assert sheet.column_dimensions["D"].width == 8


def test_text_that_looks_like_a_formula_stays_text_and_given_widths_are_kept():
    content = workbook_bytes(
        [Sheet(title="Svar", header=["=SUM(A1)"], rows=[['=HYPERLINK("http://x")'], ["+47 900 00 000"]], widths=[30])]
    )
    sheet = _read(content).active
    cells = [sheet["A1"], sheet["A2"], sheet["A3"]]
    assert [c.value for c in cells] == ["=SUM(A1)", '=HYPERLINK("http://x")', "+47 900 00 000"]
    assert {c.data_type for c in cells} == {"s"}
    assert sheet.column_dimensions["A"].width == 30


def test_several_sheets_in_one_workbook():
    content = workbook_bytes([Sheet(title="A", header=["x"], rows=[]), Sheet(title="B", header=["y"], rows=[[1]])])
    assert _read(content).sheetnames == ["A", "B"]
