"""Background work is queued by task name (core.background.send_soon), so that services never import their
tasks; a misspelt name would only show as work that waits for the next beat run. Every name the code queues,
and every task beat starts, must be a task the worker knows."""

import re
from pathlib import Path

from celery import current_app
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
# send_soon("name"), and the constants modules keep a name in (RENDER_TASK = "contracts.render_due").
QUEUED = re.compile(r"""send_soon\(\s*["']([\w.]+)["']|^[A-Z_]*TASK\s*=\s*["']([\w.]+)["']""", re.MULTILINE)
APPS = [
    "core",
    "accounts",
    "portfolios",
    "municipalities",
    "meetings",
    "contracts",
    "development_plans",
    "surveys",
    "applications",
]


def _registered():
    current_app.loader.import_default_modules()  # what a worker does at start: every app's tasks module
    return set(current_app.tasks)


def test_every_task_name_queued_or_scheduled_is_a_registered_task():
    queued = {
        name
        for app in APPS
        for path in (ROOT / app).rglob("*.py")
        if "tests" not in path.parts
        for match in QUEUED.findall(path.read_text())
        for name in match
        if name
    }
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {
        "core.send_outbox",
        "meetings.tasks.send_due_reminders",
        "contracts.render_due",
        "surveys.render_reports",
    } <= queued
    assert sorted((queued | scheduled) - _registered()) == []
