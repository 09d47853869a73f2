"""Meetings: the hourly top-up of reminders (`meetings.services.reminders_top_up`) with few and with many
confirmed meetings in the next eight days.

Builds a throwaway test database (SQLite by default, PostgreSQL with DATABASE_URL), then for each size: groups
of five members, one confirmed guidance meeting per group within the next eight days, and a few portfolio-wide
gatherings. It runs the top-up twice: first when every reminder is still missing (as after a bulk import),
then the hourly case, when only a newcomer in each tenth group lacks them. Prints the query count and the
median time of 3 runs of each. Usage: `.venv/bin/python benchmarks/reminders_top_up.py [meetings ...]`
(default 6 and 560: a hundredth of the issue's data set and the whole of it).
"""

import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "veiledning.settings")
os.environ["CELERY_BROKER_URL"] = ""
os.environ.pop("REDIS_URL", None)

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.utils import timezone  # noqa: E402

SIZES = [int(arg) for arg in sys.argv[1:]] or [6, 560]
MEMBERS = 5


def build(meetings: int) -> list[int]:
    """`meetings` groups with five members and a confirmed guidance meeting each in the next eight days, in
    portfolios of 14 groups (the issue's 413 groups in 30 portfolios), and a gathering in every fifth
    portfolio; returns the pks of one member in every tenth group (the newcomers)."""
    from accounts.models import User
    from accounts.tests.factories import AdviserFactory
    from meetings.models import Meeting
    from municipalities.models import Membership, MunicipalityGroup, Role
    from portfolios.tests.factories import PortfolioFactory

    adviser = AdviserFactory()
    portfolios = [PortfolioFactory(advisers=[adviser]) for _ in range(0, meetings, 14)]
    groups = MunicipalityGroup.objects.bulk_create(
        MunicipalityGroup(portfolio=portfolios[n // 14], adviser=adviser, status="active", name=f"Gruppe {n}")
        for n in range(meetings)
    )
    users = User.objects.bulk_create(
        User(email=f"m{g.pk}-{i}@example.org", full_name=f"Deltaker {g.pk} {i}") for g in groups for i in range(MEMBERS)
    )
    roles = [Role.OWNER_POLITICAL, Role.OWNER_ADMINISTRATIVE, Role.LEADER, Role.RESOURCE_TEACHER, Role.OTHER]
    Membership.objects.bulk_create(
        Membership(user=u, group=groups[n // MEMBERS], role=roles[n % MEMBERS]) for n, u in enumerate(users)
    )
    now = timezone.now()
    rows = [
        Meeting(
            portfolio=group.portfolio,
            group=group,
            title="Veiledningsmøte",
            kind=Meeting.Kind.GUIDANCE,
            status=Meeting.Status.CONFIRMED,
            starts_at=now + timedelta(days=1 + (n % 7), hours=2),
            ends_at=now + timedelta(days=1 + (n % 7), hours=4),
        )
        for n, group in enumerate(groups)
    ] + [
        Meeting(
            portfolio=portfolio,
            title="Fellessamling",
            kind=Meeting.Kind.GATHERING,
            status=Meeting.Status.CONFIRMED,
            starts_at=now + timedelta(days=3 + n % 5, hours=1),
            ends_at=now + timedelta(days=3 + n % 5, hours=6),
        )
        for n, portfolio in enumerate(portfolios[::5])
    ]
    Meeting.objects.bulk_create(rows)
    return [users[n * MEMBERS].pk for n in range(0, meetings, 10)]


def timed(function):
    """The number of queries `function` runs (counted, not logged: the log keeps only 9 000) and its ms."""
    count = 0

    def counter(execute, sql, params, many, context):
        nonlocal count
        count += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(counter):
        start = time.perf_counter()
        function()
        elapsed = (time.perf_counter() - start) * 1000
    return count, elapsed


def main() -> None:
    from django.test.runner import DiscoverRunner

    from meetings.models import Meeting, Reminder
    from meetings.services import reminders_top_up
    from municipalities.models import Membership, MunicipalityGroup
    from portfolios.models import Portfolio

    setup_test_environment()
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    runner = DiscoverRunner(verbosity=0)
    old_config = runner.setup_databases()
    try:
        print(f"database: {connection.vendor}\n")
        print("| meetings in the next 8 days | people | run | reminders made | queries | median ms |")
        print("| ---: | ---: | --- | ---: | ---: | ---: |")
        for size in SIZES:
            Reminder.objects.all().delete()
            Meeting.objects.all().delete()
            Membership.objects.all().delete()
            MunicipalityGroup.objects.all().delete()
            Portfolio.objects.all().delete()
            newcomers = build(size)
            meetings = Meeting.objects.count()
            people = Membership.objects.count()
            everyone = Reminder.objects.all()
            newcomers_only = Reminder.objects.filter(recipient__in=newcomers)
            for label, missing in (("every reminder missing", everyone), ("hourly: newcomers only", newcomers_only)):
                times, counts, made = [], [], 0
                for _ in range(3):
                    missing.delete()
                    before = Reminder.objects.count()
                    count, elapsed = timed(reminders_top_up)
                    made = Reminder.objects.count() - before
                    times.append(elapsed)
                    counts.append(count)
                print(f"| {meetings} | {people} | {label} | {made} | {max(counts)} | {statistics.median(times):.1f} |")
    finally:
        runner.teardown_databases(old_config)


if __name__ == "__main__":
    main()
