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
