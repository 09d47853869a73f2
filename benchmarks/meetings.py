"""The reminder beat run with 100 000 meetings and 500 000 reminders in PostgreSQL.

Shows the plan of the query that claims the due reminders (the partial index `reminder_pending_due`) and
times one beat run (`reminders_hand_over`, then `core.outbox.send_due` sending what it queued, e-mail to
Django's in-memory backend) with 0, 10, 100 and 1 000
reminders due, first with 50 000 meetings and 250 000 reminders, then with twice as many: the time should
follow the number due, not the size of the table.

It creates its own database (`veiledning_bench` on the local PostgreSQL, or MEETINGS_BENCH_DATABASE_URL, whose
database name must contain "bench"), migrates it, fills it with SQL (generate_series) and drops it at the end
(`--keep` keeps it).
Usage: `make bench` or `.venv/bin/python benchmarks/meetings.py [--keep]`.
"""

import os
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
# This file is called meetings.py: its own folder must not shadow the meetings app.
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "veiledning.settings")
DATABASE_URL = os.environ.get("MEETINGS_BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/veiledning_bench")
os.environ["DATABASE_URL"] = DATABASE_URL

import psycopg  # noqa: E402

SIZES = (50_000, 100_000)  # meetings; five reminders each
DUE = (0, 10, 100, 1000)
RUNS = 3
GROUPS = 20
PEOPLE = 5000


def _server(dbname):
    """A connection to the same server, to create or drop the benchmark database."""
    url = urlsplit(DATABASE_URL)
    return psycopg.connect(
        host=url.hostname,
        port=url.port or 5432,
        user=url.username,
        password=url.password,
        dbname=dbname,
        autocommit=True,
    )


def _database(action):
    name = urlsplit(DATABASE_URL).path.lstrip("/")
    # The database is dropped and made anew: never let a mistyped URL point this at real data.
    if "bench" not in name:
        sys.exit(f"The benchmark database's name must contain 'bench' (it is dropped): {name!r}")
    with _server("postgres") as server:
        server.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if action == "create":
            server.execute(f'CREATE DATABASE "{name}"')


def build(first, last, people, groups):
    """Meetings first..last-1 spread over three years back and one ahead (held before today, confirmed
    after), each with five reminders a week before, to five members of its group: sent if that has
    passed, else pending."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT setseed(%s)", [first / 1e6])
        cursor.execute(
            """
            INSERT INTO meetings_meeting (portfolio_id, group_id, title, kind, status, starts_at, ends_at, format,
                place, link, agenda, cancelled_reason, uid, sequence, created_at)
            SELECT g.portfolio_id, g.group_id, 'Veiledningsmøte ' || t.i, 'guidance', 'confirmed', t.s,
                t.s + interval '2 hours', 'digital', '', 'https://meet.example.org/veiledning', '', '',
                gen_random_uuid(), 0, now()
            FROM (
                SELECT i, date_trunc('hour', now() - interval '3 years' + random() * interval '4 years') AS s
                FROM generate_series(%s, %s - 1) AS i
            ) AS t
            JOIN unnest(%s::bigint[], %s::bigint[]) WITH ORDINALITY AS g (group_id, portfolio_id, n)
                ON g.n - 1 = t.i %% %s
            """,
            [first, last, [g for g, _ in groups], [p for _, p in groups], len(groups)],
        )
        cursor.execute("UPDATE meetings_meeting SET status = 'held' WHERE status = 'confirmed' AND ends_at < now()")
        cursor.execute(
            """
            INSERT INTO meetings_reminder (meeting_id, recipient_id, kind, "offset", sequence, due_at, status,
                reason)
            SELECT m.id, %s + (g.n - 1) + %s * ((m.id * 5 + k) %% %s), 'before_meeting', interval '7 days', 0, d,
                CASE WHEN d <= now() THEN 'queued' ELSE 'pending' END, ''
            FROM meetings_meeting AS m
            JOIN unnest(%s::bigint[]) WITH ORDINALITY AS g (group_id, n) ON g.group_id = m.group_id,
                generate_series(0, 4) AS k,
                LATERAL (SELECT m.starts_at - interval '7 days' AS d) AS t
            WHERE m.id > (SELECT coalesce(max(meeting_id), 0) FROM meetings_reminder)
            """,
            # Five of the meeting's own group's members: person j belongs to group j mod len(groups).
            [people[0], len(groups), len(people) // len(groups), [g for g, _ in groups]],
        )
        cursor.execute("VACUUM ANALYZE meetings_meeting")
        cursor.execute("VACUUM ANALYZE meetings_reminder")


def make_due(count):
    """The `count` pending reminders nearest in time become due (their meetings are a week or more ahead)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """
            UPDATE meetings_reminder SET due_at = now() - interval '1 minute'
            WHERE id IN (SELECT id FROM meetings_reminder WHERE status = 'pending' ORDER BY due_at LIMIT %s)
            """,
            [count],
        )


def claim_plan(seq_scan=False):
    """EXPLAIN (ANALYZE, BUFFERS) of the SELECT that claims due reminders, captured from `reminders_hand_over`
    itself; all rolled back, so nothing is claimed. With seq_scan, index scans are off, to show what the index
    saves."""
    from django.db import connection, reset_queries, transaction
    from django.test.utils import CaptureQueriesContext

    from meetings.services import reminders_hand_over

    reset_queries()  # CaptureQueriesContext misreads a full query log
    with transaction.atomic():
        with CaptureQueriesContext(connection) as queries:
            reminders_hand_over()
        transaction.set_rollback(True)
    sql = next(q["sql"] for q in queries.captured_queries if "FOR UPDATE" in q["sql"])
    with transaction.atomic(), connection.cursor() as cursor:
        if seq_scan:
            cursor.execute("SET LOCAL enable_indexscan = off")
            cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
        plan = [row[0] for row in cursor.fetchall()]
        transaction.set_rollback(True)
    execution_ms = float(next(line for line in plan if line.startswith("Execution Time")).split()[2])
    return sql, plan, execution_ms


def beat_run(due):
    """Median ms of the claim query and of a whole beat run with `due` reminders due (RUNS runs, one
    for 1 000 due), and the number of queries of one run."""
    from django.core import mail
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    from core import outbox
    from meetings.services import reminders_hand_over

    run_times, claim_times = [], []
    for _ in range(RUNS if due <= 100 else 1):
        make_due(due)
        claim_times.append(claim_plan()[2])
        mail.outbox = []
        reset_queries()
        with CaptureQueriesContext(connection) as queries:
            start = time.perf_counter()
            queued = reminders_hand_over()
            sent = outbox.send_due()
            run_times.append((time.perf_counter() - start) * 1000)
        assert queued == sent == due == len(mail.outbox), (queued, sent, due, len(mail.outbox))
    return statistics.median(claim_times), statistics.median(run_times), len(queries)


def main():
    keep = "--keep" in sys.argv
    _database("create")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    try:
        settings.DEBUG = False  # as in production: no query log slowing the runs down
        settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
        settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
        call_command("migrate", verbosity=0)

        from accounts.models import User
        from core import outbox
        from meetings.services import reminders_hand_over
        from municipalities.models import Membership, Role
        from municipalities.tests.factories import MunicipalityGroupFactory

        groups = [(g.pk, g.portfolio_id) for g in MunicipalityGroupFactory.create_batch(GROUPS)]
        people = [
            u.pk
            for u in User.objects.bulk_create(
                User(email=f"deltaker{n}@example.org", full_name=f"Deltaker {n}", password="!") for n in range(PEOPLE)
            )
        ]
        assert people == list(range(people[0], people[0] + PEOPLE))
        # Reminders go only to the people a meeting concerns, so each person is a member of one group.
        Membership.objects.bulk_create(
            Membership(user_id=pk, group_id=groups[j % len(groups)][0], role=Role.LEADER) for j, pk in enumerate(people)
        )

        print(
            f"PostgreSQL {connection.pg_version // 10000}; median of {RUNS} runs (1 for 1 000 due); e-mail to locmem\n"
        )
        rows, plans = [], {}
        built = 0
        for size in SIZES:
            start = time.perf_counter()
            build(built, size, people, groups)
            built = size
            with connection.cursor() as cursor:
                cursor.execute("SELECT count(*), count(*) FILTER (WHERE status = 'pending') FROM meetings_reminder")
                reminders, pending = cursor.fetchone()
                cursor.execute(
                    "SELECT pg_size_pretty(pg_relation_size('reminder_pending_due')),"
                    " pg_size_pretty(pg_database_size(current_database()))"
                )
                index_size, database_size = cursor.fetchone()
            seconds = time.perf_counter() - start
            print(f"built {size} meetings, {reminders} reminders in {seconds:.0f} s; database {database_size}")
            seq_ms = claim_plan(seq_scan=True)[2]
            for due in DUE:
                claim_ms, run_ms, query_count = beat_run(due)
                rows.append((size, reminders, pending, index_size, due, claim_ms, seq_ms, run_ms, query_count))
                if due == 100:
                    make_due(100)
                    plans[size] = claim_plan()
                    reminders_hand_over()
                    outbox.send_due()

        print()
        print("| meetings | reminders | pending (index size) | due | claim query ms | same without index ms |", end="")
        print(" beat run ms | ms per due | queries in the run |")
        print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
        for size, reminders, pending, index_size, due, claim_ms, seq_ms, run_ms, query_count in rows:
            per = f"{run_ms / due:.1f}" if due else "–"
            print(
                f"| {size:,} | {reminders:,} | {pending:,} ({index_size}) | {due:,} | {claim_ms:.2f} | {seq_ms:.1f} |"
                f" {run_ms:.1f} | {per} | {query_count:,} |".replace(",", " ")
            )
        sql, plan, _ = plans[SIZES[-1]]
        print(f"\nThe claim query (from reminders_hand_over), {SIZES[-1]} meetings, 100 due:\n\n{sql}\n")
        print("\n".join(plan))
    finally:
        connection.close()
        if keep:
            print(f"\nKept the database: {DATABASE_URL}")
        else:
            _database("drop")


if __name__ == "__main__":
    main()
