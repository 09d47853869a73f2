"""Issue 12, «The survey report PDF»: made in the background and stored in the private storage; the report
page shows «Lag PDF», «PDF-en lages …», the download with when it was made, a failure with «Prøv igjen»,
and that a PDF made before new responses came in is outdated. The download renders nothing."""

import logging

import pytest
from django.core.management import call_command
from django.template.loader import render_to_string

from accounts.tests.factories import ProgrammeLeaderFactory
from core.downloads import download_name
from core.organisation import with_organisation
from core.pdf import PdfRenderError
from core.storage import private_storage, walk
from core.testing.pdf import assert_printed_with_the_print_stylesheet, page_fill, pdf_text
from portfolios.tests.factories import PortfolioFactory
from surveys import services
from surveys.models import ReportPdf
from surveys.reports import report_context
from surveys.services import reports_render_due
from surveys.tests.factories import answer, evaluation_survey, invite

pytestmark = pytest.mark.django_db


@pytest.fixture
def leader_client(client):
    client.force_login(ProgrammeLeaderFactory())
    return client


@pytest.fixture
def survey():
    survey = evaluation_survey(PortfolioFactory())
    scale = survey.questions.get(key="forankring")
    for value in ("4", "5", "6"):
        invitation, _ = invite(survey)
        answer(invitation, {scale: value})
    return survey


def _report(client, survey):
    return client.get(f"/sporreundersokelse/{survey.pk}/rapport/").content.decode()


def _make(client, survey):
    return client.post(f"/sporreundersokelse/{survey.pk}/rapport/lag-pdf/")


@pytest.fixture
def no_render_in_requests(monkeypatch):
    """Fails any render outside reports_render_due: the pages and the download must render nothing."""
    real = services.render_pdf
    allowed = {"now": False}

    def guarded(*args, **kwargs):
        assert allowed["now"], "a PDF was rendered inside a request"
        return real(*args, **kwargs)

    def job():
        allowed["now"] = True
        try:
            return reports_render_due()
        finally:
            allowed["now"] = False

    monkeypatch.setattr(services, "render_pdf", guarded)
    return job


def test_the_background_job_makes_and_stores_the_pdf_and_the_download_serves_those_bytes(
    leader_client, survey, no_render_in_requests
):
    page = _report(leader_client, survey)
    assert "PDF-en er ikke laget ennå." in page
    assert ">Lag PDF</button>" in page
    # The download before there is a PDF goes to the report page, where the button is.
    early = leader_client.get(f"/sporreundersokelse/{survey.pk}/rapport.pdf")
    assert early.status_code == 302 and early["Location"].endswith("/rapport/#rapport-pdf")

    response = _make(leader_client, survey)
    assert response.status_code == 302
    page = _report(leader_client, survey)
    assert "PDF-en lages …" in page
    assert "Lag PDF</button>" not in page
    assert walk(private_storage()) == []

    assert no_render_in_requests() == 1
    report = ReportPdf.objects.get(survey=survey)
    assert walk(private_storage()) == [report.path]
    with private_storage().open(report.path, "rb") as file:
        stored = file.read()
    assert pdf_text(stored).count(survey.title) >= 1
    assert_printed_with_the_print_stylesheet(stored)

    page = _report(leader_client, survey)
    assert "Last ned rapporten (PDF)</a>, laget " in page
    assert "med 3 besvarelser" in page
    assert "utdatert" not in page
    download = leader_client.get(f"/sporreundersokelse/{survey.pk}/rapport.pdf")
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    portfolio_name = download_name(survey.portfolio.name, extension="pdf")
    assert download["Content-Disposition"] == (
        f'attachment; filename="rapport-evaluering-av-veiledningsordningen-{portfolio_name}"'
    )
    assert download.content == stored


def test_a_new_response_makes_the_pdf_outdated_and_a_new_one_replaces_it(
    leader_client, survey, django_capture_on_commit_callbacks
):
    _make(leader_client, survey)
    reports_render_due()
    first = ReportPdf.objects.get(survey=survey).path
    invitation, _ = invite(survey)
    answer(invitation, {survey.questions.get(key="forankring"): "2"})

    page = _report(leader_client, survey)
    assert "PDF-en er utdatert: det har kommet nye svar siden den ble laget" in page
    assert "Lag PDF på nytt</button>" in page
    _make(leader_client, survey)
    # While the new one is made, the old one can still be downloaded.
    assert leader_client.get(f"/sporreundersokelse/{survey.pk}/rapport.pdf").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        assert reports_render_due() == 1
    report = ReportPdf.objects.get(survey=survey)
    assert report.responses == 4 and report.path != first
    assert walk(private_storage()) == [report.path]  # the old file is gone
    assert "utdatert" not in _report(leader_client, survey)


def test_a_double_click_queues_one_render(leader_client, survey):
    _make(leader_client, survey)
    requested = ReportPdf.objects.get(survey=survey).requested_at
    _make(leader_client, survey)
    assert ReportPdf.objects.get(survey=survey).requested_at == requested
    assert reports_render_due() == 1
    assert reports_render_due() == 0


def test_a_failed_render_is_shown_in_norwegian_with_prove_igjen(leader_client, survey, monkeypatch):
    def broken(*args, **kwargs):
        raise PdfRenderError("Et bilde i rapporten mangler.")

    monkeypatch.setattr(services, "render_pdf", broken)
    _make(leader_client, survey)
    assert reports_render_due() == 1
    page = _report(leader_client, survey)
    assert "PDF-en av rapporten kunne ikke lages. Feil: Et bilde i rapporten mangler." in page
    assert "Prøv igjen</button>" in page
    assert reports_render_due() == 0  # it waits for a person, not for the next run

    monkeypatch.undo()
    _make(leader_client, survey)
    assert reports_render_due() == 1
    page = _report(leader_client, survey)
    assert "kunne ikke lages" not in page
    assert "Last ned rapporten (PDF)" in page


def test_with_the_broker_down_the_request_waits_for_beat_or_cron(
    leader_client, survey, settings, caplog, django_capture_on_commit_callbacks
):
    # Nothing listens on port 1: queueing the task fails at once.
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/12"
    with (
        caplog.at_level(logging.WARNING, logger="core.background"),
        django_capture_on_commit_callbacks(execute=True) as callbacks,
    ):
        response = _make(leader_client, survey)
    assert callbacks
    assert "Could not queue surveys.render_reports" in caplog.text
    assert response.status_code == 302
    assert "PDF-en lages …" in leader_client.get(response["Location"]).content.decode()
    # What beat does every minute, or cron where there is no broker.
    settings.CELERY_BROKER_URL = ""
    call_command("send_due_reminders")
    assert ReportPdf.objects.get(survey=survey).is_made
    assert leader_client.get(f"/sporreundersokelse/{survey.pk}/rapport.pdf").status_code == 200


def test_the_beat_schedule_starts_the_render_job(settings):
    assert {"task": "surveys.render_reports", "schedule": 60.0} in settings.CELERY_BEAT_SCHEDULE.values()


def test_a_changed_stored_file_is_never_handed_out(leader_client, survey):
    _make(leader_client, survey)
    reports_render_due()
    report = ReportPdf.objects.get(survey=survey)
    private_storage().delete(report.path)
    response = leader_client.get(f"/sporreundersokelse/{survey.pk}/rapport.pdf")
    assert response.status_code == 302
    assert "Den lagrede PDF-en kunne ikke leses." in leader_client.get(response["Location"]).content.decode()


def _answer_everything(invitation, survey, number):
    """Answers every question of `survey`, as a respondent of the demo does, so that every chart is drawn."""
    values = {}
    for question in survey.questions.prefetch_related("items"):
        items = list(question.items.all())
        if question.kind == question.Kind.SCALE:
            values[question] = str(3 + number % 4)
        elif question.kind == question.Kind.MATRIX:
            values[question] = {item: str(2 + (number + i) % 5) for i, item in enumerate(items)}
        elif question.kind == question.Kind.SINGLE:
            values[question] = items[number % len(items)]
        elif question.kind == question.Kind.MULTIPLE:
            values[question] = items[: 1 + number % len(items)]
        else:
            values[question] = "Godt samarbeid med veilederen, og mer tid til planen."
    answer(invitation, values)


def test_the_report_pdf_has_no_near_empty_pages():
    """Before, each category began on a new page and each question was kept whole: on the demo's surveys 19,
    22 and 20 pages, many a tenth full (the first page held only the title). Now each chart and table is kept
    whole, and the demo's surveys take 13, 15 and 14 pages, none less than 60 % full."""
    survey = evaluation_survey(PortfolioFactory(), anonymous=False)
    for number, role in enumerate(["leader", "owner_administrative", "resource_teacher"] * 3):
        invitation, _ = invite(survey, role=role)
        _answer_everything(invitation, survey, number)
    html = render_to_string(services.REPORT_PDF_TEMPLATE, with_organisation(report_context(survey)))
    fills = page_fill(html)
    assert len(fills) > 3, "the survey should fill several pages, or the test proves nothing"
    assert min(fills[:-1]) > 0.5, f"a page is less than half full: {[round(f, 2) for f in fills]}"
