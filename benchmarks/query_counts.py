"""Query counts and times of the busiest pages with few and with all municipalities in groups.

Runs against a throwaway test database (SQLite by default, PostgreSQL with DATABASE_URL), so it
never touches real data. Usage: `make bench` or `.venv/bin/python benchmarks/query_counts.py`.
"""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "veiledning.settings")

import django

django.setup()

from builders import groups_of_one_municipality  # noqa: E402
from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.urls import reverse  # noqa: E402
from timing import page, queries_and_median_ms  # noqa: E402

RUNS = 20


def build(count):
    """A portfolio with `count` groups of one municipality each, four members per group."""
    from accounts.tests.factories import AdviserFactory, ProgrammeLeaderFactory
    from municipalities.models import Role
    from portfolios.tests.factories import PlanItemFactory, PortfolioFactory

    adviser = AdviserFactory()
    portfolio = PortfolioFactory(advisers=[adviser])
    PlanItemFactory.create_batch(22, portfolio=portfolio)
    roles = [Role.OWNER_POLITICAL, Role.LEADER, Role.RESOURCE_TEACHER, Role.OTHER]
    groups = groups_of_one_municipality(portfolio, adviser, count, roles)
    return ProgrammeLeaderFactory(), adviser, groups[0]


def main():
    from django.test.runner import DiscoverRunner

    from core.testing.otp import pass_second_factor

    setup_test_environment()
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    runner = DiscoverRunner(verbosity=0)
    old_config = runner.setup_databases()
    try:
        print(f"database: {connection.vendor}; median of {RUNS} requests\n")
        print("| groups | page | queries | median ms |")
        print("| ---: | --- | ---: | ---: |")
        for count in (5, 357):
            from municipalities.models import MunicipalityGroup
            from portfolios.models import Portfolio

            MunicipalityGroup.objects.all().delete()
            Portfolio.objects.all().delete()
            leader, adviser, group = build(count)
            client = Client()
            pages = [
                ("programme leader: Porteføljer", leader, reverse("dashboard:portfolio_list")),
                ("programme leader: group page", leader, group.get_absolute_url()),
                ("adviser: Mine kommunegrupper", adviser, reverse("dashboard:my_groups")),
            ]
            for label, user, url in pages:
                client.force_login(user)
                pass_second_factor(client, user)
                queries, ms = queries_and_median_ms(page(client, url), RUNS)
                print(f"| {count} | {label} | {queries} | {ms:.1f} |")
    finally:
        runner.teardown_databases(old_config)


if __name__ == "__main__":
    main()
