"""The raw answers as rows: one row per submitted response, one column per closed question (a column per
matrix item) and per text. An anonymous survey's rows carry no name, e-mail or group, levels with fewer
than 3 respondents are merged, and the rows come in an order nobody without the secret key can
reproduce, so a row cannot be matched with the invitation list.

Respondents write the texts, so no cell is written as something a spreadsheet would run: the CSV
prefixes a formula-like text with an apostrophe (`safe_cell`), the XLSX stores every text as text."""

import csv
import hashlib
import hmac
import io
from collections.abc import Iterable, Sequence

from django.conf import settings
from django.utils import timezone

from core.xlsx import Sheet, workbook_bytes

from .models import Answer, Question, Response, Survey
from .selectors import hidden_levels

MERGED_LEVEL_LABEL = "Annet (færre enn 3)"
# A spreadsheet reads a cell starting with one of these as a formula (OWASP, "CSV Injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

# What a cell of the table holds: a number (the row's number, a value on the scale) or a text.
Cell = str | int


def safe_cell(value: Cell) -> Cell:
    """`value`, with a text that a spreadsheet would take for a formula prefixed by an apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _shuffle_key(response: Response) -> bytes:
    # Keyed with the secret key: a public seed (like the survey's id) would let anyone who has the
    # export and the list of submission times put the rows back in order.
    message = f"surveys.export:{response.survey_id}:{response.pk}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).digest()


def answer_table(survey: Survey) -> tuple[list[str], list[list[Cell]]]:
    """(header, rows). Queries: questions with items, responses, answers (3), whatever the size."""
    questions = list(survey.questions.select_related("page").prefetch_related("items"))
    # (question, item, "value" or "text") per column
    columns: list[tuple[int, int | None, str]] = []
    header: list[str] = []
    for q in questions:
        if q.kind == Question.Kind.MATRIX:
            for item in q.items.all():
                columns.append((q.pk, item.pk, "value"))
                header.append(f"{q.key}: {item.label}")
        elif q.kind == Question.Kind.TEXT:
            columns.append((q.pk, None, "text"))
            header.append(q.key)
        else:
            columns.append((q.pk, None, "value"))
            header.append(q.key)
        if q.elaborate:
            columns.append((q.pk, None, "text"))
            header.append(f"{q.key}: utdyping")
    items = {i.pk: i.label for q in questions for i in q.items.all()}
    responses = list(
        Response.objects.filter(survey=survey, submitted_at__isnull=False).select_related(
            "invitation__user", "invitation__group"
        )
    )
    # (response, question, item, "value" or "text") → the cell
    cells: dict[tuple[int, int, int | None, str], Cell] = {}
    # Plain tuples, not model instances: a raw export reads every answer row, and this is most of its time.
    answers = (
        Answer.objects.filter(response__survey=survey, response__submitted_at__isnull=False)
        .order_by("pk")
        .values_list("response_id", "question_id", "item_id", "value", "text")
    )
    for response_id, question_id, item_id, value, text in answers:
        if text:
            cells[(response_id, question_id, None, "text")] = text
        elif value is not None:
            label: Cell = "Ikke deltatt / vet ikke" if value == Question.NOT_APPLICABLE else value
            cells[(response_id, question_id, item_id, "value")] = label
        else:
            key = (response_id, question_id, None, "value")
            cells[key] = f"{cells[key]}; {items[item_id]}" if key in cells else items[item_id]
    level_label: dict[str, str] = {}
    if survey.anonymous:
        head = ["nr", "nivå"]
        # The order depends only on the key and the ids, so the file is the same from one download to the next.
        responses.sort(key=_shuffle_key)
        # A level with 1 or 2 respondents would name them (there is often one owner or one coordinator per
        # portfolio); such levels, and if needed the next smallest, go together under one label.
        per_level: dict[str, int] = {}
        for r in responses:
            per_level[r.level] = per_level.get(r.level, 0) + 1
        level_label = dict.fromkeys(hidden_levels(per_level), MERGED_LEVEL_LABEL)
    else:
        head = ["nr", "nivå", "navn", "e-post", "kommunegruppe", "rolle", "sendt inn"]
    rows: list[list[Cell]] = []
    for number, r in enumerate(responses, start=1):
        row: list[Cell] = [number, level_label.get(r.level) or r.get_level_display()]
        if not survey.anonymous:
            invitation = r.invitation
            # The query takes submitted responses only, and those of a survey that is not anonymous keep
            # their invitation.
            assert r.submitted_at is not None and invitation is not None
            row += [
                invitation.user.full_name,
                invitation.user.email,
                invitation.group.name or str(invitation.group),
                invitation.get_role_display(),
                # In Oslo time, as every screen shows it: the database keeps UTC.
                timezone.localtime(r.submitted_at).strftime("%Y-%m-%d %H:%M"),
            ]
        row += [cells.get((r.pk, *column), "") for column in columns]
        rows.append(row)
    return head + header, rows


def to_csv(header: Sequence[Cell], rows: Iterable[Sequence[Cell]]) -> bytes:
    buffer = io.StringIO()
    # A byte-order mark and semicolons: what Excel in Norwegian expects when the file is opened directly.
    buffer.write("\ufeff")
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow([safe_cell(value) for value in header])
    writer.writerows([safe_cell(value) for value in row] for row in rows)
    return buffer.getvalue().encode("utf-8")


def to_xlsx(header: Sequence[Cell], rows: Iterable[Sequence[Cell]], *, title: str) -> bytes:
    """The table as XLSX, through the shared writer (widths, frozen header, every text stored as text)."""
    return workbook_bytes([Sheet(title=title, header=[str(h) for h in header], rows=rows)])
