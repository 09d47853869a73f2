"""The portal as it is served: gunicorn from the Procfile (2 workers, DEBUG=False after collectstatic, database
connections kept open as CONN_MAX_AGE says) on PostgreSQL with the demo data, loaded by wrk.

1. 16 concurrent logged-in clients (16 sessions of the programme leader): a group page against the admin
   changelist of the same groups, side by side: requests per second, median and p95.
2. A signed-contract download as a whole request (one client, one at a time), against rendering that contract
   with WeasyPrint in a Django process on the same machine: how many times faster the download is.

It creates its own database (`veiledning_bench_web` on the local PostgreSQL, or WEB_BENCH_DATABASE_URL, whose name
must contain "bench") and drops it at the end. Needs wrk (`apt-get install wrk`; `make bench` installs it).
Usage: `make bench` or `.venv/bin/python benchmarks/web.py [--seconds 20]`.
"""

import http.cookiejar
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[1]
PYTHON = str(ROOT / ".venv" / "bin" / "python")
DATABASE_URL = os.environ.get("WEB_BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/veiledning_bench_web")
PASSWORD = "veiledning-demo"
CLIENTS = 16
SECONDS = int(sys.argv[sys.argv.index("--seconds") + 1]) if "--seconds" in sys.argv else 20

# Per-thread cookies (one session per wrk thread and connection); p50/p95 in ms and non-2xx responses at the end.
WRK_SCRIPT = """
local cookies = {%s}
local counter = 0
function setup(thread)
  counter = counter + 1
  thread:set("cookie", cookies[(counter - 1) %% #cookies + 1])
end
function init(args)
  wrk.headers["Cookie"] = cookie
end
function done(summary, latency, requests)
  io.write(string.format("RESULT %%d %%.3f %%.3f %%.3f %%d %%d\\n", summary.requests, summary.duration / 1e6,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
"""


def _database(action):
    url = urllib.parse.urlsplit(DATABASE_URL)
    name = url.path.lstrip("/")
    if "bench" not in name:
        sys.exit(f"The benchmark database's name must contain 'bench' (it is dropped): {name!r}")
    server = DATABASE_URL.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(server, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if action == "create":
            connection.execute(f'CREATE DATABASE "{name}"')


def _query(sql, params=()):
    with psycopg.connect(DATABASE_URL) as connection:
        return connection.execute(sql, params).fetchall()


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _post_form(opener, base, path, fields):
    """Posts `fields` to the form at `path` as a browser would (with its CSRF token); returns the response."""
    page = opener.open(f"{base}{path}").read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    data = urllib.parse.urlencode({**fields, "csrfmiddlewaretoken": token}).encode()
    return opener.open(urllib.request.Request(f"{base}{path}", data=data, headers={"Referer": base + "/"}))  # noqa: S310


def _login(base, email, backup_code=None):
    """A session cookie for `email`, through the login form as a browser gets it; staff give `backup_code` at
    the second step (a TOTP code is good once per 30 seconds, too slow for 16 sessions)."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    response = _post_form(opener, base, "/konto/logg-inn/", {"username": email, "password": PASSWORD})
    if response.geturl().endswith("/konto/logg-inn/engangskode/"):
        _post_form(opener, base, "/konto/logg-inn/engangskode/", {"otp_token": backup_code})
    cookies = {c.name: c.value for c in jar}
    assert "sessionid" in cookies, f"login as {email} failed"
    return "; ".join(f"{k}={v}" for k, v in cookies.items())


# Backup codes for the programme leader's sessions, one per session.
BACKUP_CODES = """
from django.conf import settings
from accounts.models import User
from accounts.services import backup_codes_renew
settings.SECOND_FACTOR_BACKUP_CODES = {count}
print("CODES", *backup_codes_renew(user=User.objects.get(email="{email}")))
"""


def _wrk(url, cookies, *, threads, seconds):
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_SCRIPT % ", ".join(f'"{c}"' for c in cookies))
    try:
        out = subprocess.run(  # noqa: S603 - wrk from Debian
            [
                "/usr/bin/wrk",
                f"-t{threads}",
                f"-c{threads}",
                f"-d{seconds}s",
                "--timeout",
                "30s",
                "-s",
                script.name,
                url,
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    finally:
        os.unlink(script.name)
    requests, duration, p50, p95, bad_status, errors = re.search(r"RESULT (.*)", out).group(1).split()
    assert int(bad_status) == 0 and int(errors) == 0, f"{url}: {bad_status} non-2xx, {errors} errors\n{out}"
    return {"rps": int(requests) / float(duration), "p50": float(p50), "p95": float(p95), "requests": int(requests)}


RENDER = """
import statistics, time
from contracts.models import Contract
from contracts.services import contract_render
contract = Contract.objects.get(pk={pk})
contract_render(contract, signatures=list(contract.signatures.all()), signing_document=contract.signing_document)
times = []
for _ in range(10):
    start = time.perf_counter()
    contract_render(contract, signatures=list(contract.signatures.all()), signing_document=contract.signing_document)
    times.append((time.perf_counter() - start) * 1000)
print("RENDER", statistics.median(times))
"""


def main():
    _database("create")
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory(prefix="veiledning-bench-web-") as tmp:
        env = {
            **os.environ,
            "DEBUG": "False",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "127.0.0.1",
            "DATABASE_URL": DATABASE_URL,
            "SECURE_SSL_REDIRECT": "False",
            "SESSION_COOKIE_SECURE": "False",
            "CSRF_COOKIE_SECURE": "False",
            "SECURE_HSTS_SECONDS": "0",
            "PRIVATE_STORAGE_ROOT": str(Path(tmp) / "private"),
            "EMAIL_URL": "consolemail://",
            "GUNICORN_BIND": f"127.0.0.1:{port}",
            "WEB_CONCURRENCY": "2",
            "LOG_LEVEL": "WARNING",
        }
        server = None
        try:
            for args in (
                ["migrate", "--no-input", "-v", "0"],
                ["collectstatic", "--no-input", "-v", "0"],
                ["seed_demo"],
            ):
                subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True)  # noqa: S603
            server = subprocess.Popen(  # noqa: S603 - our own script
                [str(ROOT / "deploy" / "run"), "web"],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
            for _ in range(100):
                try:
                    urllib.request.urlopen(f"{base}/helse/", timeout=1)  # noqa: S310 - our own server
                    break
                except OSError:
                    time.sleep(0.2)
            groups = _query("SELECT count(*) FROM municipalities_municipalitygroup")[0][0]
            group = _query("SELECT id FROM municipalities_municipalitygroup WHERE name = 'Fauske og Saltdal'")[0][0]
            codes = (
                subprocess.run(  # noqa: S603
                    [
                        PYTHON,
                        "manage.py",
                        "shell",
                        "-c",
                        BACKUP_CODES.format(count=CLIENTS, email="programleder@example.org"),
                    ],
                    cwd=ROOT,
                    env=env,
                    check=True,
                    capture_output=True,
                    text=True,
                )
                .stdout.split("CODES", 1)[1]
                .split()
            )
            leader_cookies = [_login(base, "programleder@example.org", code) for code in codes]
            print(f"gunicorn, 2 workers, {CLIENTS} concurrent clients, {SECONDS} s each; {groups} groups in the demo\n")
            print("| page | requests/s | median ms | p95 ms |\n| --- | ---: | ---: | ---: |")
            for label, path in (
                ("group page (Fauske og Saltdal)", f"/kommunegrupper/{group}/"),
                ("admin: kommunegrupper (changelist)", "/admin/municipalities/municipalitygroup/"),
            ):
                result = _wrk(base + path, leader_cookies, threads=CLIENTS, seconds=SECONDS)
                print(f"| {label} | {result['rps']:.1f} | {result['p50']:.1f} | {result['p95']:.1f} |")

            contract = _query(
                """SELECT c.id FROM contracts_contract c JOIN municipalities_municipality m ON m.id = c.municipality_id
                   WHERE m.number = '1804' AND c.final_document_id IS NOT NULL"""
            )[0][0]
            member = [_login(base, "leder.bodo@example.org")]
            download = _wrk(f"{base}/kontrakter/{contract}/signert.pdf", member, threads=1, seconds=SECONDS)
            render = subprocess.run(  # noqa: S603
                [PYTHON, "manage.py", "shell", "-c", RENDER.format(pk=contract)],
                cwd=ROOT,
                env=env,
                check=True,
                capture_output=True,
                text=True,
            ).stdout
            render_ms = float(re.search(r"RENDER (\S+)", render).group(1))
            print(
                f"\nSigned contract (Bodø): download {download['p50']:.2f} ms median, {download['p95']:.2f} ms p95,"
                f" as a whole request ({download['rps']:.0f} requests/s, one client); rendering it {render_ms:.0f} ms"
                f" (median of 10); the download is {render_ms / download['p50']:.0f}× faster."
            )
        finally:
            if server is not None:
                os.killpg(server.pid, signal.SIGTERM)
                server.wait(timeout=30)
            _database("drop")


if __name__ == "__main__":
    main()
