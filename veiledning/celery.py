"""The Celery app. Configuration comes from Django settings with the CELERY_ prefix."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "veiledning.settings")

app = Celery("veiledning")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
