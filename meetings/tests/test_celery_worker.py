"""Meeting reminders through real Celery workers (core.testing.workers): two worker processes on the local Redis
race for the same due reminders, hand them over to the outbox and send them to a real SMTP server; each
arrives exactly once, and a second round sends nothing."""

import time
from collections import Counter
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import User
from core.models import Email
from core.testing.workers import open_emails
from meetings.models import Reminder
from meetings.tests.factories import MeetingFactory
from municipalities.models import Membership, Role

# transaction=True: the workers are other processes and see only committed rows; serialized_rollback restores
# what the migrations loaded for the tests that run after it.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_two_workers_racing_for_due_reminders_send_each_exactly_once(workers, smtp):
    people = User.objects.bulk_create(
        User(email=f"deltaker{n}@example.org", full_name=f"Deltaker {n}") for n in range(25)
    )
    meetings = [MeetingFactory(starts_at=timezone.now() + timedelta(days=7)) for _ in range(8)]
    # Reminders go only to the people a meeting concerns: everyone is a member of every meeting's group.
    Membership.objects.bulk_create(
        Membership(user=p, group=m.group, role=Role.RESOURCE_TEACHER) for m in meetings for p in people
    )
    due = timezone.now() - timedelta(minutes=1)
    rows = Reminder.objects.bulk_create(
        Reminder(meeting=m, recipient=p, kind=Reminder.Kind.BEFORE_MEETING, offset=timedelta(days=7), due_at=due)
        for m in meetings
        for p in people
    )
    workers.start()
    workers.start()
    # The beat tasks queued several times at once: four pool processes in two workers hand over and send from
    # the same rows; the hand-overs queue the sender themselves.
    workers.send("meetings.tasks.send_due_reminders", times=6)
    workers.send("core.send_outbox", times=4)
    workers.wait(
        lambda: not Reminder.objects.filter(status="pending").exists() and Email.objects.count() == len(rows),
        "every reminder handed over",
    )
    workers.wait(lambda: not open_emails(), "every e-mail sent")

    assert set(Reminder.objects.values_list("status", flat=True)) == {Reminder.Status.QUEUED}
    assert set(Email.objects.values_list("status", "attempts")) == {(Email.Status.SENT, 1)}
    expected = Counter(
        (r.recipient.email, r.email.message_id) for r in Reminder.objects.select_related("recipient", "email")
    )
    assert len(expected) == len(rows) == 200
    assert Counter(smtp.received) == expected  # every reminder once, none twice, none missing

    # Queued again (a retried or a later beat run): nothing is due, nothing is sent.
    workers.send("meetings.tasks.send_due_reminders", times=2)
    workers.send("core.send_outbox", times=2)
    time.sleep(2)
    assert len(smtp.received) == len(rows)
