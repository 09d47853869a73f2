"""The Celery app. Configuration comes from Django settings with the CELERY_ prefix."""

import os
from typing import Any

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "veiledning.settings")

app = Celery("veiledning")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.setup_logging.connect
def _log_like_django(**kwargs: Any) -> None:
    """The worker and beat log through settings.LOGGING, in the same line format as the web processes (and at
    LOG_LEVEL, whatever --loglevel says): with a receiver for this signal, Celery sets up no logging of its own."""
    from django.conf import settings
    from django.utils.log import configure_logging

    configure_logging(settings.LOGGING_CONFIG, settings.LOGGING)
