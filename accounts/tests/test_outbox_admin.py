"""The outbox in the admin, where the programme leader finds failed e-mails and sends them again. The
programme leader's permissions on core's outbox are granted by accounts."""

import pytest
from django.core import mail
from django.utils import timezone

from accounts.tests.factories import ProgrammeLeaderFactory
from core import outbox
from core.mail import queue_mail
from core.models import Email

pytestmark = pytest.mark.django_db


def _queue(to="mottaker@example.org"):
    context = {"user": {"full_name": "Åse Ørnulf"}, "link": "https://portal.example/x", "expires_at": timezone.now()}
    return queue_mail(to=to, template="accounts/email/invitation", context=context)


def test_the_programme_leader_sends_failed_emails_again_from_the_admin(client):
    failed, sent = _queue(), _queue()
    Email.objects.filter(pk=failed.pk).update(status="failed", attempts=5, last_error="550")
    Email.objects.filter(pk=sent.pk).update(status="sent")
    client.force_login(ProgrammeLeaderFactory())
    changelist = client.get("/admin/core/email/?status__exact=failed")
    assert changelist.status_code == 200
    assert "550" in changelist.content.decode()
    response = client.post(
        "/admin/core/email/", {"action": "send_again", "_selected_action": [failed.pk, sent.pk]}, follow=True
    )
    assert "1 e-poster sendes på nytt om litt." in response.content.decode()
    assert Email.objects.get(pk=failed.pk).status == "pending"
    assert Email.objects.get(pk=sent.pk).status == "sent"
    assert outbox.send_due() == 1
    assert [m.to for m in mail.outbox] == [[failed.to]]


def test_the_admin_never_shows_the_text_which_may_hold_a_personal_link(client):
    email = _queue()
    client.force_login(ProgrammeLeaderFactory())
    page = client.get(f"/admin/core/email/{email.pk}/change/").content.decode()
    assert email.subject in page
    assert "https://portal.example/x" not in page
