"""`delete_expired_applications`: declined and withdrawn applications, and those never confirmed, go once the
call's retention period is over; everything else stays."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.test import RequestFactory
from django.utils import timezone

from accounts.tests.factories import ProgrammeLeaderFactory
from core.models import Email
from core.storage import private_storage, write_bytes

from ..models import Application, ApplicationPdf, StartRequest
from ..review_services import application_decide
from ..services import application_pdfs_render_due, application_start
from .factories import ApplicationFactory, CallFactory, SubmittedApplicationFactory, complete_veiledning_contacts

pytestmark = pytest.mark.django_db


def test_it_deletes_declined_withdrawn_and_unconfirmed_applications_after_the_retention_period(capsys):
    call = CallFactory(retention_days=30)
    old = timezone.now() - timedelta(days=31)
    recent = timezone.now() - timedelta(days=29)
    declined = SubmittedApplicationFactory(call=call, status=Application.Status.DECLINED, decided_at=old)
    withdrawn = SubmittedApplicationFactory(call=call, status=Application.Status.WITHDRAWN, withdrawn_at=old)
    unconfirmed = ApplicationFactory(call=call, status=Application.Status.UNCONFIRMED, confirmed_at=None)
    Application.objects.filter(pk=unconfirmed.pk).update(created_at=old)
    kept = [
        SubmittedApplicationFactory(call=call, status=Application.Status.DECLINED, decided_at=recent),
        SubmittedApplicationFactory(call=call, status=Application.Status.WITHDRAWN, withdrawn_at=recent),
        SubmittedApplicationFactory(call=call, status=Application.Status.ADMITTED, decided_at=old),
        SubmittedApplicationFactory(call=call, status=Application.Status.WAITING_LIST, decided_at=old),
        SubmittedApplicationFactory(call=call),
        ApplicationFactory(call=call),
    ]
    Application.objects.filter(pk__in=[a.pk for a in kept]).update(created_at=old)
    path = write_bytes(f"applications/{call.pk}", b"%PDF-1.7 declined")
    ApplicationPdf.objects.create(application=declined, path=path, sha256="x", made_at=old)

    call_command("delete_expired_applications")

    assert "Slettet 3 søknader." in capsys.readouterr().out
    assert set(Application.objects.values_list("pk", flat=True)) == {a.pk for a in kept}
    assert not Application.objects.filter(pk__in=[declined.pk, withdrawn.pk, unconfirmed.pk]).exists()
    assert not private_storage().exists(path)


def test_each_call_keeps_its_own_retention_period():
    old = timezone.now() - timedelta(days=40)
    short = SubmittedApplicationFactory(
        call=CallFactory(retention_days=30), status=Application.Status.WITHDRAWN, withdrawn_at=old
    )
    long = SubmittedApplicationFactory(
        call=CallFactory(retention_days=90), status=Application.Status.WITHDRAWN, withdrawn_at=old
    )

    call_command("delete_expired_applications")

    assert not Application.objects.filter(pk=short.pk).exists()
    assert Application.objects.filter(pk=long.pk).exists()


def test_it_forgets_the_rate_limits_rows_older_than_their_window(settings):
    settings.APPLICATION_START_WINDOW_MINUTES = 60
    StartRequest.objects.create(email="gammel@example.org", requested_at=timezone.now() - timedelta(minutes=61))
    StartRequest.objects.create(email="ny@example.org")

    call_command("delete_expired_applications")

    assert list(StartRequest.objects.values_list("email", flat=True)) == ["ny@example.org"]


def test_drafts_never_sent_in_go_once_the_call_has_been_closed_for_the_retention_period():
    now = timezone.now()
    closed_long_ago = CallFactory(
        retention_days=30, opens_at=now - timedelta(days=90), closes_at=now - timedelta(days=31)
    )
    closed_lately = CallFactory(
        retention_days=30, opens_at=now - timedelta(days=90), closes_at=now - timedelta(days=29)
    )
    old_draft = ApplicationFactory(call=closed_long_ago)
    sent_in = SubmittedApplicationFactory(call=closed_long_ago)
    recent_draft = ApplicationFactory(call=closed_lately)

    call_command("delete_expired_applications")

    assert not Application.objects.filter(pk=old_draft.pk).exists()
    assert set(Application.objects.values_list("pk", flat=True)) == {sent_in.pk, recent_draft.pk}


def _mails_holding(*texts: str) -> list[str]:
    return [
        f"{email.template} → {email.to}"
        for email in Email.objects.all()
        if any(text in email.body or text in email.html or text in str(email.attachments) for text in texts)
    ]


def test_the_outbox_forgets_a_deleted_applications_link_receipt_and_letters_while_others_keep_theirs():
    call = CallFactory(retention_days=30)
    declined = SubmittedApplicationFactory(
        call=call,
        applicant_name="Ingrid Sørli",
        applicant_email="ingrid@bodo.example.org",
        needs="Vi trenger hjelp med rammeplanen i Bodø.",
    )
    (contact, *_) = complete_veiledning_contacts(declined)
    contact.phone = "+47 911 22 333"
    contact.save()
    kept = SubmittedApplicationFactory(call=call, applicant_email="ola@bodo.example.org")
    for application in (declined, kept):
        # The link again, the receipt with its PDF, the letter to the applicant and each contact: none sent yet
        # (a mail server that is down), so each row still holds its text.
        application_start(
            call=call, name="Søker", email=application.applicant_email, request=RequestFactory().post("/")
        )
        ApplicationPdf.objects.create(application=application, requested_at=timezone.now())
    assert application_pdfs_render_due() == 2
    application_decide(
        application=declined,
        decision="declined",
        letter_text="Hei {søkeren}, dessverre.",
        decided_by=ProgrammeLeaderFactory(),
    )
    secrets = (declined.token, declined.applicant_name, declined.needs, contact.email, contact.phone)
    assert {mail.split(" → ")[0] for mail in _mails_holding(*secrets)} == {
        "applications/email/link",
        "applications/email/receipt",
        "applications/email/decision",
    }
    assert Email.objects.filter(to=contact.email).exists()  # the letter
    Application.objects.filter(pk=declined.pk).update(decided_at=timezone.now() - timedelta(days=31))

    call_command("delete_expired_applications")

    assert not Application.objects.filter(pk=declined.pk).exists()
    assert _mails_holding(*secrets) == []
    assert not Email.objects.filter(to__in=[declined.applicant_email, contact.email]).exists()
    assert sorted(Email.objects.values_list("template", flat=True)) == [
        "applications/email/link",
        "applications/email/receipt",
    ]
    assert set(Email.objects.values_list("to", flat=True)) == {kept.applicant_email}
    assert len(_mails_holding(kept.token)) == 2
