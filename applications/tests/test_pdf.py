"""The submitted application's PDF: tagged for screen readers like the portal's other PDFs, printed with the
print stylesheet, holding what was sent, made once by the worker and attached to the receipt."""

import base64
import io

import pytest

from accounts.models import AuditEvent
from accounts.tests.factories import ProgrammeLeaderFactory
from core.models import Email
from core.storage import read_verified
from core.testing.pdf import assert_printed_with_the_print_stylesheet, assert_tagged_pdf, pdf_text
from municipalities.tests.factories import municipality

from .. import services
from ..models import ApplicationPdf
from ..services import application_pdfs_render_due
from .factories import SubmittedApplicationFactory, complete_veiledning_contacts

pytestmark = pytest.mark.django_db


def test_the_pdf_is_tagged_holds_what_was_sent_and_is_attached_to_the_receipt():
    application = SubmittedApplicationFactory(municipalities=[municipality("5612")])
    complete_veiledning_contacts(application)
    ApplicationPdf.objects.create(application=application, requested_at=application.submitted_at)

    assert application_pdfs_render_due() == 1
    assert application_pdfs_render_due() == 0  # made once

    job = ApplicationPdf.objects.get()
    content = read_verified(job.path, job.sha256)
    assert_tagged_pdf(content, title=f"Søknad: {application.call.title}", pdfa=False)
    assert_printed_with_the_print_stylesheet(content)
    text = pdf_text(content)
    assert "Guovdageaidnu (Kautokeino)" in text
    assert "Vi trenger hjelp til å forankre kulturskolen" in text
    receipt = Email.objects.get(template="applications/email/receipt")
    (attachment,) = receipt.attachments
    assert attachment["filename"] == "soknad-guovdageaidnu.pdf"
    assert base64.b64decode(attachment["content"]) == content


def test_a_pdf_that_cannot_be_made_still_lets_the_receipt_go(monkeypatch):
    application = SubmittedApplicationFactory()
    ApplicationPdf.objects.create(application=application, requested_at=application.submitted_at)

    def broken(*args, **kwargs):
        raise RuntimeError("fonts missing")

    monkeypatch.setattr("applications.services.render_pdf", broken)

    application_pdfs_render_due()

    job = ApplicationPdf.objects.get()
    assert not job.is_made and job.failed_at is not None
    receipt = Email.objects.get(template="applications/email/receipt")
    assert receipt.attachments == []
    assert "PDF-en av søknaden kunne ikke lages nå" in receipt.body


def test_without_a_broker_cron_makes_the_pdf_and_sends_the_receipt():
    from django.core import mail
    from django.core.management import call_command

    application = SubmittedApplicationFactory()
    ApplicationPdf.objects.create(application=application, requested_at=application.submitted_at)

    call_command("send_due_reminders", stdout=io.StringIO())

    assert ApplicationPdf.objects.get().is_made
    (sent,) = [m for m in mail.outbox if m.to == [application.applicant_email]]
    assert sent.subject.startswith("Kvittering: søknaden er sendt inn")
    assert [name for name, _, _ in sent.attachments] == ["soknad-bodo.pdf"]


def test_a_job_that_fails_outside_the_pdf_does_not_hold_up_the_next_ones_pdf_and_receipt(monkeypatch):
    broken, fine = SubmittedApplicationFactory(), SubmittedApplicationFactory()
    ApplicationPdf.objects.create(application=broken, requested_at=broken.submitted_at)
    ApplicationPdf.objects.create(application=fine, requested_at=fine.submitted_at)  # asked for later
    receipt_context = services.receipt_context

    def breaks_for_the_first(application):
        if application.pk == broken.pk:
            raise RuntimeError("the receipt cannot be made")
        return receipt_context(application)

    monkeypatch.setattr(services, "receipt_context", breaks_for_the_first)

    assert application_pdfs_render_due(limit=1) == 1  # the first, which fails
    assert application_pdfs_render_due(limit=1) == 1  # the next one every run, not the first again
    assert application_pdfs_render_due() == 0

    failed = ApplicationPdf.objects.get(application=broken)
    assert failed.requested_at is None and failed.failed_at is not None
    assert "the receipt cannot be made" in failed.error
    assert ApplicationPdf.objects.get(application=fine).is_made
    assert list(Email.objects.values_list("to", flat=True)) == [fine.applicant_email]


def test_a_new_secret_key_does_not_stop_the_pdf_and_the_receipt(settings):
    application = SubmittedApplicationFactory()
    ApplicationPdf.objects.create(application=application, requested_at=application.submitted_at)
    settings.SECRET_KEY = "a-new-secret-key-after-a-rotation-" + "x" * 30

    assert application_pdfs_render_due() == 1

    assert ApplicationPdf.objects.get().is_made
    assert Email.objects.filter(template="applications/email/receipt", to=application.applicant_email).exists()


def test_a_failed_pdf_is_told_to_the_applicant_and_the_programme_leader_has_it_made_again(client, monkeypatch):
    application = SubmittedApplicationFactory()
    ApplicationPdf.objects.create(application=application, requested_at=application.submitted_at)
    pdf_page = f"/sok/soknad/{application.token}/soknad.pdf"
    assert "Prøv igjen om et minutt" in client.get(pdf_page).content.decode()  # waiting
    render_pdf = services.render_pdf

    def broken(*args, **kwargs):
        raise RuntimeError("fonts missing")

    monkeypatch.setattr(services, "render_pdf", broken)
    application_pdfs_render_due()
    assert application_pdfs_render_due() == 0  # it waits for «Prøv igjen»

    page = client.get(pdf_page).content.decode()
    assert "PDF-en kunne ikke lages" in page
    assert "Søknaden din er sendt inn og mottatt, og kvitteringen er sendt deg på e-post." in page
    assert "Prøv igjen om et minutt" not in page
    assert "PDF-en av søknaden kunne ikke lages." in client.get(f"/sok/soknad/{application.token}/").content.decode()

    monkeypatch.setattr(services, "render_pdf", render_pdf)
    client.force_login(ProgrammeLeaderFactory())
    changelist = "/admin/applications/applicationpdf/"
    listed = client.get(f"{changelist}?pdf=failed")
    assert list(listed.context["cl"].result_list) == [application.pdf]
    response = client.post(changelist, {"action": "retry", "_selected_action": [application.pdf.pk]}, follow=True)
    assert "1 PDF-er lages på nytt i bakgrunnen om litt." in response.content.decode()
    assert AuditEvent.objects.filter(action="application.pdf_retried").count() == 1
    assert application_pdfs_render_due() == 1

    assert ApplicationPdf.objects.get().is_made
    assert client.get(pdf_page)["Content-Type"] == "application/pdf"
    assert Email.objects.filter(template="applications/email/receipt").count() == 1  # not a second receipt


def test_a_pdf_asked_for_again_while_it_waits_or_once_made_is_not_queued_twice():
    application = SubmittedApplicationFactory()
    pdf = ApplicationPdf.objects.create(application=application, requested_at=application.submitted_at)
    leader = ProgrammeLeaderFactory()

    assert services.application_pdfs_retry(pdfs=ApplicationPdf.objects.all(), actor=leader) == 0
    application_pdfs_render_due()
    assert services.application_pdfs_retry(pdfs=ApplicationPdf.objects.all(), actor=leader) == 0
    pdf.refresh_from_db()
    assert pdf.is_made and pdf.requested_at is None
