"""The raw answers as rows: one row per submitted response, one column per closed question (a column per
matrix item) and per text. An anonymous survey's rows carry no name, e-mail or group and come in a
shuffled order, so a row cannot be matched with the invitation list."""

import csv
import io
import random

from .models import Answer, Question, Response


def answer_table(survey):
    """(header, rows). Queries: questions with items, responses, answers (3), whatever the size."""
    questions = list(survey.questions.select_related("page").prefetch_related("items"))
    columns, header = [], []
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
    cells = {}
    # Plain tuples, not model instances: a raw export reads every answer row, and this is most of its time.
    rows = (
        Answer.objects.filter(response__survey=survey, response__submitted_at__isnull=False)
        .order_by("pk")
        .values_list("response_id", "question_id", "item_id", "value", "text")
    )
    for response_id, question_id, item_id, value, text in rows:
        if text:
            cells[(response_id, question_id, None, "text")] = text
        elif value is not None:
            label = "Ikke deltatt / vet ikke" if value == Question.NOT_APPLICABLE else value
            cells[(response_id, question_id, item_id, "value")] = label
        else:
            key = (response_id, question_id, None, "value")
            cells[key] = f"{cells[key]}; {items[item_id]}" if key in cells else items[item_id]
    if survey.anonymous:
        head = ["nr", "nivå"]
        # A fixed seed per survey keeps the file the same from one download to the next.
        random.Random(f"survey-{survey.pk}").shuffle(responses)  # noqa: S311 - not for security
    else:
        head = ["nr", "nivå", "navn", "e-post", "kommunegruppe", "rolle", "sendt inn"]
    rows = []
    for number, r in enumerate(responses, start=1):
        row = [number, r.get_level_display()]
        if not survey.anonymous:
            invitation = r.invitation
            row += [
                invitation.user.full_name,
                invitation.user.email,
                invitation.group.name or str(invitation.group),
                invitation.get_role_display(),
                r.submitted_at.strftime("%Y-%m-%d %H:%M"),
            ]
        row += [cells.get((r.pk, *column), "") for column in columns]
        rows.append(row)
    return head + header, rows


def to_csv(header, rows):
    buffer = io.StringIO()
    # A byte-order mark and semicolons: what Excel in Norwegian expects when the file is opened directly.
    buffer.write("\ufeff")
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def to_xlsx(header, rows, *, title):
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
