import pytest
from celery import shared_task

from veiledning.background import send_soon

pytestmark = pytest.mark.django_db


@shared_task
def _noop():
    return None


def test_with_a_broker_the_task_is_queued_when_the_transaction_commits(settings, django_capture_on_commit_callbacks):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:6379/0"
    with django_capture_on_commit_callbacks() as callbacks:
        send_soon(_noop)
    assert callbacks == [_noop.delay]


def test_without_a_broker_nothing_is_sent_inside_the_request(settings, django_capture_on_commit_callbacks):
    settings.CELERY_BROKER_URL = ""
    with django_capture_on_commit_callbacks() as callbacks:
        send_soon(_noop)
    assert callbacks == []
