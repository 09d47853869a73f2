"""Issue 12, «The survey report PDF»: made in the background and stored in the private storage; the report
page shows «Lag PDF», «PDF-en lages …», the download with when it was made, a failure with «Prøv igjen»,
and that a PDF made before new responses came in is outdated. The download renders nothing."""

import logging

import pytest
from django.core.management import call_command

from accounts.tests.factories import ProgrammeLeaderFactory
from core.pdf import PdfRenderError
from core.storage import private_storage, walk
from core.testing.pdf import assert_printed_with_the_print_stylesheet, pdf_text
from portfolios.tests.factories import PortfolioFactory
from surveys import services
from surveys.models import ReportPdf
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
    assert download["Content-Disposition"] == f'attachment; filename="rapport-{survey.pk}.pdf"'
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
