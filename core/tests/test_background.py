import pytest
from celery import current_app

from core.background import send_soon

pytestmark = pytest.mark.django_db


def test_with_a_broker_the_task_is_queued_by_name_when_the_transaction_commits(
    settings, django_capture_on_commit_callbacks, monkeypatch
):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:6379/0"
    queued = []
    monkeypatch.setattr(current_app, "send_task", lambda name, *args, **kwargs: queued.append(name))
    with django_capture_on_commit_callbacks() as callbacks:
        send_soon("core.send_outbox")
        assert queued == []  # not before the commit: the worker must find the rows
    for callback in callbacks:
        callback()
    assert queued == ["core.send_outbox"]


def test_without_a_broker_nothing_is_sent_inside_the_request(settings, django_capture_on_commit_callbacks):
    settings.CELERY_BROKER_URL = ""
    with django_capture_on_commit_callbacks() as callbacks:
        send_soon("core.send_outbox")
    assert callbacks == []


def test_every_name_queued_is_a_registered_task():
    # Tasks are queued by name, so a typo would only show as work that waits for beat.
    import core.tasks  # noqa: F401
    import meetings.tasks  # noqa: F401
    import surveys.tasks  # noqa: F401

    for name in ("core.send_outbox", "meetings.tasks.send_due_reminders", "surveys.tasks.send_survey_mail"):
        assert name in current_app.tasks
