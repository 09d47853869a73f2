"""Query counts and times of a development plan's pages with a small and a large plan.

Runs against a throwaway test database (SQLite by default, PostgreSQL with DATABASE_URL), so it never touches
real data. Usage: `make bench` or `.venv/bin/python benchmarks/development_plans.py`.
"""

import logging
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "veiledning.settings")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.urls import reverse  # noqa: E402
from timing import page, queries_and_median_ms  # noqa: E402

RUNS = 20
PDF_RUNS = 3
SIZES = [(3, 15), (30, 150)]


def build(goals, measures):
    """A plan with `goals` goals and `measures` measures spread evenly over them, each measure with a
    responsible member, plus five comments and an approved version; returns the plan and its leader."""
    from datetime import date, timedelta

    from django.utils import timezone

    from development_plans.models import Comment, Goal, Level, Measure, PlanVersion
    from development_plans.tests.factories import DevelopmentPlanFactory
    from municipalities.models import Role
    from municipalities.tests.factories import MembershipFactory

    plan = DevelopmentPlanFactory()
    leader = MembershipFactory(group=plan.group, role=Role.LEADER).user
    levels = list(Level)
    statuses = list(Measure.Status)
    created = Goal.objects.bulk_create(
        Goal(plan=plan, order=i, level=levels[i % 3], title=f"Mål {i}", pillars=["learning"]) for i in range(goals)
    )
    start = date(2026, 1, 5)
    Measure.objects.bulk_create(
        Measure(
            goal=created[i % goals],
            order=i,
            title=f"Tiltak {i}",
            responsible_person=leader,
            starts_on=start + timedelta(days=7 * (i % 40)),
            ends_on=start + timedelta(days=7 * (i % 40) + 60),
            status=statuses[i % 4],
            dropped_reason="Ikke mulig i år" if statuses[i % 4] == Measure.Status.DROPPED else "",
        )
        for i in range(measures)
    )
    Comment.objects.bulk_create(Comment(plan=plan, author=leader, text=f"Kommentar {i}") for i in range(5))
    PlanVersion.objects.create(
        plan=plan, number=1, approved_by=leader, approved_at=timezone.now(), snapshot={"plan": {}, "goals": []}
    )
    return plan, leader


def main():
    from django.test.runner import DiscoverRunner

    from core.testing.otp import pass_second_factor

    setup_test_environment()
    # WeasyPrint logs every rendering step at INFO; the table is what this script is for.
    logging.getLogger("weasyprint").setLevel(logging.WARNING)
    logging.getLogger("axes").setLevel(logging.WARNING)
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    runner = DiscoverRunner(verbosity=0)
    old_config = runner.setup_databases()
    try:
        print(f"database: {connection.vendor}; median of {RUNS} requests ({PDF_RUNS} for the PDF)\n")
        print("| goals / measures | page | queries | median ms |")
        print("| ---: | --- | ---: | ---: |")
        for goals, measures in SIZES:
            plan, leader = build(goals, measures)
            client = Client()
            client.force_login(leader)
            pass_second_factor(client, leader)
            pages = [
                ("plan page", plan.get_absolute_url(), RUNS),
                ("progress view", reverse("development_plans:progress", args=[plan.pk]), RUNS),
                ("PDF", reverse("development_plans:plan_pdf", args=[plan.pk]), PDF_RUNS),
            ]
            for label, url, runs in pages:
                queries, ms = queries_and_median_ms(page(client, url), runs)
                print(f"| {goals} / {measures} | {label} | {queries} | {ms:.1f} |")
    finally:
        runner.teardown_databases(old_config)


if __name__ == "__main__":
    main()
