"""Every page of the portal and the admin, on the demo and on ten years' data: the query count and time of
each visit, and the pages whose count grows (issue 12).

The crawler (testing/crawl.py) visits every URL pattern, with ids filled from the data, as the person who uses
it: the demo's kulturskoleleder of Bodø, Bodø's adviser, the programme leader (in the admin too), and no one
for the public links. It runs once on `seed_demo`, then `testing/bulk.py` adds a data set of the issue's size
with bulk inserts (30 portfolios, 413 groups, some 3 200 meetings and 19 000 reminders, 58 plans, 2 000 more
responses to the crawled survey), partly under the crawled objects themselves, and it runs again.

Runs against a throwaway test database (SQLite by default, PostgreSQL with DATABASE_URL) and a temporary
private folder, so it never touches real data. Usage: `make bench` or `.venv/bin/python benchmarks/crawl.py`
(`--all` prints every page, not only those that grew or took long; `--deletes-only` skips the crawl and
measures only the confirmed deletes on the large data).
"""

import io
import logging
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "veiledning.settings")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, reset_queries  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

# About the data set: 30 portfolios, 413 groups, 3 258 meetings, 19 336 reminders, 58 plans and a
# survey with 2 000 responses. Counts of new rows (see testing/bulk.py); the demo brings the rest.
LARGE = {
    "portfolios": 26,
    "groups": 217,
    "target_groups": 20,
    "members": 6,
    "target_members": 6,
    "meetings": 12,
    "target_meetings": 30,
    "reminders": 12,
    "plans": 56,
    "target_plan_rows": 10,
    "responses": 2000,
    "surveys": 5,
    "records": 500,
}
SLOW_MS = 1000  # a page slower than this is printed even if its count did not grow


def main():
    from django.test.runner import DiscoverRunner

    from testing.bulk import Growth, grow
    from testing.crawl import clients_for, data_counts, find_targets, measure, prepare, uncovered, visits

    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    logging.getLogger("axes").setLevel(logging.ERROR)
    logging.getLogger("django.request").setLevel(logging.ERROR)
    setup_test_environment()
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    private = Path(tempfile.mkdtemp(prefix="veiledning-bench-"))
    settings.PRIVATE_STORAGE_ROOT = private
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {"BACKEND": "core.storage.PrivateFileSystemStorage", "OPTIONS": {"location": private}},
    }
    show_all = "--all" in sys.argv
    runner = DiscoverRunner(verbosity=0)
    old_config = runner.setup_databases()
    try:
        start = time.perf_counter()
        call_command("seed_demo", stdout=io.StringIO())
        targets = prepare(find_targets())
        pages = visits(targets)
        missing = uncovered(targets, pages)
        print(f"database: {connection.vendor}; seed_demo in {time.perf_counter() - start:.0f} s")
        print(f"{len(pages)} visits; not covered: {', '.join(missing) or 'none'}\n")
        if "--deletes-only" in sys.argv:
            grow(targets, Growth(**LARGE))
            deleting(targets, clients_for(targets))
            return
        runs = {}
        sizes = {}
        for size in ("demo", "large"):
            if size == "large":
                start = time.perf_counter()
                grow(targets, Growth(**LARGE))
                print(f"grew the data in {time.perf_counter() - start:.0f} s")
            sizes[size] = data_counts(targets)
            clients = clients_for(targets)
            start = time.perf_counter()
            results = {}
            for visit in pages:
                reset_queries()
                results[visit.key] = measure(clients, visit)
            runs[size] = results
            print(f"crawled the {size} data in {time.perf_counter() - start:.0f} s")

        print("\n| data | " + " | ".join(sizes["demo"]) + " |")
        print("| --- |" + " ---: |" * len(sizes["demo"]))
        for size, counts in sizes.items():
            print(f"| {size} | " + " | ".join(f"{n:,}".replace(",", " ") for n in counts.values()) + " |")

        demo, large = runs["demo"], runs["large"]
        grew = [key for key in demo if large[key][0] != demo[key][0]]
        print(f"\n{len(grew)} of {len(demo)} visits grew.\n")
        print("| page (persona) | queries, demo | queries, large | ms, demo | ms, large |")
        print("| --- | ---: | ---: | ---: | ---: |")
        for key in demo:
            (q1, ms1), (q2, ms2) = demo[key], large[key]
            if show_all or q1 != q2 or max(ms1, ms2) > SLOW_MS:
                mark = " **grew**" if q1 != q2 else ""
                print(f"| {key}{mark} | {q1} | {q2} | {ms1:.0f} | {ms2:.0f} |")
        total = sum(q for q, _ in large.values())
        print(f"\nqueries of the whole crawl: {sum(q for q, _ in demo.values())} (demo), {total} (large)")
        deleting(targets, clients)
    finally:
        runner.teardown_databases(old_config)


def deleting(targets, clients):
    """The confirmed delete (the POST after the confirmation page) of the crawled survey, with all its
    responses and answers, and of its portfolio, which is refused: queries and time, rolled back."""
    from django.db import transaction
    from django.urls import reverse

    from testing.crawl import QueryCounter

    for label, name, obj in (
        ("survey", "admin:surveys_survey_delete", targets.survey),
        ("portfolio", "admin:portfolios_portfolio_delete", targets.survey.portfolio),
    ):
        with transaction.atomic():
            queries = QueryCounter()
            with connection.execute_wrapper(queries):
                start = time.perf_counter()
                response = clients["leader"].post(reverse(name, args=[obj.pk]), {"post": "yes"})
                ms = (time.perf_counter() - start) * 1000
            transaction.set_rollback(True)
        done = "deleted" if response.status_code == 302 else f"refused ({response.status_code})"
        print(f"confirmed delete of the {label}: {done}, {queries.count} queries, {ms:.0f} ms (rolled back)")


if __name__ == "__main__":
    main()
