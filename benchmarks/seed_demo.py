"""`manage.py seed_demo` on an empty database and again on the loaded one, with the time spent hashing
passwords.

Builds a throwaway test database (SQLite by default, PostgreSQL with DATABASE_URL) with the real password
hasher (the tests use a fast one), runs `seed_demo` twice and prints, for each run, its time, how many
passwords were hashed and the time that took. Usage: `.venv/bin/python benchmarks/seed_demo.py`.
"""

import io
import logging
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "veiledning.settings")
os.environ["CELERY_BROKER_URL"] = ""
os.environ.pop("REDIS_URL", None)

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import hashers  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402


class Hashing:
    """Counts and times every call of the configured hasher's `encode` (what make_password runs)."""

    def __init__(self) -> None:
        self.calls, self.seconds = 0, 0.0
        self.hasher = hashers.get_hasher()
        self.encode = type(self.hasher).encode

    def __enter__(self) -> "Hashing":
        outer = self

        def encode(hasher, password, salt, *args, **kwargs):
            start = time.perf_counter()
            try:
                return outer.encode(hasher, password, salt, *args, **kwargs)
            finally:
                outer.calls += 1
                outer.seconds += time.perf_counter() - start

        type(self.hasher).encode = encode
        return self

    def __exit__(self, *exc: object) -> None:
        type(self.hasher).encode = self.encode


def main() -> None:
    import tempfile

    from django.test.runner import DiscoverRunner

    for name in ("weasyprint", "fontTools"):
        logging.getLogger(name).setLevel(logging.ERROR)
    setup_test_environment()
    settings.PRIVATE_STORAGE_ROOT = Path(tempfile.mkdtemp(prefix="veiledning-bench-"))
    runner = DiscoverRunner(verbosity=0)
    old_config = runner.setup_databases()
    try:
        print(f"database: {connection.vendor}, hasher: {hashers.get_hasher().algorithm}\n")
        print("| run | seconds | passwords hashed | seconds hashing | share |")
        print("| --- | ---: | ---: | ---: | ---: |")
        for label in ("first (empty database)", "second (already loaded)"):
            with Hashing() as hashing:
                start = time.perf_counter()
                call_command("seed_demo", stdout=io.StringIO())
                total = time.perf_counter() - start
            print(
                f"| {label} | {total:.1f} | {hashing.calls} | {hashing.seconds:.1f} | "
                f"{100 * hashing.seconds / total:.0f} % |"
            )
    finally:
        runner.teardown_databases(old_config)


if __name__ == "__main__":
    main()
