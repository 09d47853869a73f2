"""CI's production run: the portal in the shape it is deployed in, driven over HTTP in a real browser.

It starts what a server runs, with the same commands (`deploy/run`, which reads the Procfile): two web
servers (gunicorn, DEBUG=False, after collectstatic) that share no folder, a Celery worker and beat, on a fresh
PostgreSQL database and the local Redis; private files in an S3-compatible object store (moto's server, here
in this process) as a multi-server deployment keeps them; every e-mail through a real SMTP server (aiosmtpd,
here in this process) that keeps what it receives. Then Chromium, where a person would click:

1. the adviser confirms a meeting for tomorrow, so that its reminder falls due in a minute or two;
2. the programme leader sends the current portfolio's contracts from the admin; the worker renders them;
3. the municipality's signatories get the e-mail, follow its link, log in and sign;
4. the programme leader gets the e-mail, countersigns; the worker renders the signed contract;
5. a member downloads the signed PDF from both web servers (the same bytes, the hash on record), and
   «Kontroller en kontrakt» recognises it;
6. the foundation document, a development plan and the survey report download as PDFs;
7. the meeting reminder arrives by e-mail with its calendar entry (beat → hand-over → outbox → SMTP);
8. the backup drill: `manage.py backup`, restored into a fresh database and a fresh bucket, where every stored
   document verifies and the signed contract downloads through a web server on the restored copy.

Each step fails the run if it fails, with the processes' logs. TLS is nginx's work in production
(deploy/nginx/); without nginx here the HTTPS-only settings are turned off, and nothing else differs.

Usage: `.venv/bin/python .ci/production.py` (from .ci/run, after `make test`; needs PostgreSQL on
127.0.0.1:5432 and Redis on 127.0.0.1:6379).
"""

import contextlib
import email
import email.policy
import hashlib
import hmac
import io
import logging
import os
import re
import secrets
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from datetime import timedelta
from pathlib import Path
from urllib.parse import urljoin
from urllib.request import urlopen

import boto3
import psycopg
from aiosmtpd.controller import Controller
from moto.server import ThreadedMotoServer
from playwright.sync_api import expect, sync_playwright
from pypdf import PdfReader

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from core.testing import ics  # noqa: E402 - needs ROOT on the path
from core.testing.chromium import CHROMIUM, CHROMIUM_ARGS  # noqa: E402 - needs ROOT on the path

PYTHON = str(ROOT / ".venv" / "bin" / "python")
DEMO_PASSWORD = "veiledning-demo"  # noqa: S105 - seed_demo's, printed by make run
DATABASE = "veiledning_production"
RESTORED_DATABASE = "veiledning_restored"
WAIT = 240  # seconds for anything the background does (beat runs every one or two minutes)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Inbox:
    """The SMTP server's handler: every message received, parsed."""

    def __init__(self):
        self.messages = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.messages.extend((rcpt, message) for rcpt in envelope.rcpt_tos)
        return "250 Message accepted for delivery"

    def find(self, to, subject_part):
        with self.lock:
            return [m for rcpt, m in self.messages if rcpt == to and subject_part in str(m["subject"])]

    def wait_for(self, to, subject_part, what):
        wait(lambda: self.find(to, subject_part), f"the e-mail «{what}» to {to}")
        return self.find(to, subject_part)[0]

    def summary(self):
        with self.lock:
            return [f"{rcpt}: {m['subject']}" for rcpt, m in self.messages]


def body(message):
    return message.get_body(preferencelist=("plain",)).get_content()


def link_in(message, path_start):
    match = re.search(rf"https?://\S+?({re.escape(path_start)}\S*)", body(message))
    assert match, f"No link to {path_start} in the e-mail «{message['subject']}»:\n{body(message)}"
    return match.group(1).rstrip(".,)")


def wait(condition, what, timeout=WAIT):
    deadline = time.monotonic() + timeout
    while not (result := condition()):
        if time.monotonic() > deadline:
            raise AssertionError(f"Waited {timeout} s for {what}.")
        Run.current.check_processes()
        time.sleep(0.5)
    return result


def pdf_text(content):
    assert content.startswith(b"%PDF-"), f"not a PDF: {content[:60]!r}"
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


class Run:
    """The services, the processes and the environment they share."""

    current = None

    def __init__(self, tmp):
        Run.current = self
        self.tmp = Path(tmp)
        self.processes = {}
        self.inbox = Inbox()
        self.smtp = Controller(self.inbox, hostname="127.0.0.1", port=free_port())
        self.s3 = ThreadedMotoServer(ip_address="127.0.0.1", port=free_port(), verbose=False)
        self.ports = {"web": free_port(), "web2": free_port(), "restored": free_port()}
        token = secrets.token_hex(6)
        self.env = {
            **os.environ,
            "DEBUG": "False",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{DATABASE}",
            "REDIS_URL": "redis://127.0.0.1:6379/12",
            "CELERY_QUEUE": f"ci-production-{token}",
            "EMAIL_URL": f"smtp://127.0.0.1:{self.smtp.port}",
            "SITE_URL": f"http://127.0.0.1:{self.ports['web']}",
            "CELERY_BEAT_SCHEDULE_FILENAME": str(self.tmp / "celerybeat-schedule"),
            # TLS ends at nginx in production; here the browser speaks plain http to gunicorn.
            "SECURE_SSL_REDIRECT": "False",
            "SESSION_COOKIE_SECURE": "False",
            "CSRF_COOKIE_SECURE": "False",
            "SECURE_HSTS_SECONDS": "0",
            "PRIVATE_STORAGE_S3_BUCKET": "veiledning-ci",
            "PRIVATE_STORAGE_S3_ENDPOINT_URL": f"http://127.0.0.1:{self.s3._port}",
            "PRIVATE_STORAGE_S3_REGION": "eu-north-1",
            "PRIVATE_STORAGE_S3_ADDRESSING_STYLE": "path",
            "PRIVATE_STORAGE_S3_ACCESS_KEY_ID": "ci",
            "PRIVATE_STORAGE_S3_SECRET_ACCESS_KEY": "ci-secret",
            "WEB_CONCURRENCY": "2",
            "PYTHONUNBUFFERED": "1",
        }
        # A folder of each process's own, never shared: the files must come from the object store.
        for name in ("web", "web2", "worker", "beat", "restored", "manage"):
            (self.tmp / name).mkdir()

    def url(self, name="web"):
        return f"http://127.0.0.1:{self.ports[name]}"

    def env_for(self, name, **extra):
        return {**self.env, "PRIVATE_STORAGE_ROOT": str(self.tmp / name), **extra}

    def manage(self, *args, **extra):
        print(f"$ manage.py {' '.join(args)}", flush=True)
        subprocess.run(  # noqa: S603 - our own interpreter and arguments
            [PYTHON, "manage.py", *args], cwd=ROOT, env=self.env_for("manage", **extra), check=True
        )

    def start(self, name, process, **extra):
        """Starts `process` of the Procfile through deploy/run, as systemd does."""
        log = open(self.tmp / f"{name}.log", "w")  # noqa: SIM115 - closed when the run ends
        self.processes[name] = (
            subprocess.Popen(  # noqa: S603 - our own script
                [str(ROOT / "deploy" / "run"), process],
                env=self.env_for(name, **extra),
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            ),
            log,
        )

    def check_processes(self):
        for name, (process, _) in self.processes.items():
            if process.poll() is not None:
                raise AssertionError(f"The {name} process exited with {process.returncode}.")

    def wait_healthy(self, name):
        def healthy():
            with contextlib.suppress(OSError), urlopen(f"{self.url(name)}/helse/", timeout=2) as response:  # noqa: S310
                return response.status == 200
            return False

        wait(healthy, f"{name} to answer /helse/ with 200", timeout=60)

    def stop(self):
        for process, _ in self.processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process, log in self.processes.values():
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            log.close()

    def logs(self):
        for name in self.processes:
            text = (self.tmp / f"{name}.log").read_text(errors="replace")
            print(f"\n----- {name} (last 4 000 characters) -----\n{text[-4000:]}")
        print("\n----- e-mails received -----", *self.inbox.summary(), sep="\n")


def database(action, name):
    with psycopg.connect("postgres://postgres@127.0.0.1:5432/postgres", autocommit=True) as server:
        server.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if action == "create":
            server.execute(f'CREATE DATABASE "{name}"')


def create_bucket(run, name):
    env = run.env
    client = boto3.client(
        "s3",
        endpoint_url=env["PRIVATE_STORAGE_S3_ENDPOINT_URL"],
        region_name=env["PRIVATE_STORAGE_S3_REGION"],
        aws_access_key_id=env["PRIVATE_STORAGE_S3_ACCESS_KEY_ID"],
        aws_secret_access_key=env["PRIVATE_STORAGE_S3_SECRET_ACCESS_KEY"],
    )
    client.create_bucket(
        Bucket=name, CreateBucketConfiguration={"LocationConstraint": env["PRIVATE_STORAGE_S3_REGION"]}
    )


def query(sql, params=(), dbname=DATABASE):
    with psycopg.connect(f"postgres://postgres@127.0.0.1:5432/{dbname}") as connection:
        return connection.execute(sql, params).fetchall()


def step(title):
    print(f"\n== {title}", flush=True)


def one_time_code(email_address, dbname=DATABASE):
    """The code the staff member's authenticator app shows now (RFC 6238: HMAC-SHA1 of the 30-second step),
    from the key of their app in the database: for the demo staff, seed_demo's published demo key. A step the
    app already used (a second login within 30 seconds) is refused by the portal, so this waits for the next."""
    key, step, digits, drift, last_t = query(
        """SELECT d.key, d.step, d.digits, d.drift, d.last_t FROM otp_totp_totpdevice d
           JOIN accounts_user u ON u.id = d.user_id WHERE lower(u.email) = %s AND d.confirmed""",
        [email_address.lower()],
        dbname=dbname,
    )[0]
    while int(time.time()) // step + drift <= last_t:
        time.sleep(step - time.time() % step + 0.1)
    counter = int(time.time()) // step + drift
    digest = hmac.new(bytes.fromhex(key), struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    number = (struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF) % 10**digits
    return f"{number:0{digits}d}"


def login(page, base, email_address, next_url=None, dbname=DATABASE):
    page.goto(f"{base}{next_url or '/konto/logg-inn/'}")
    expect(page.get_by_role("heading", name="Logg inn")).to_be_visible()
    page.get_by_label("E-post").fill(email_address)
    page.get_by_label("Passord").fill(DEMO_PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Logg inn").click()
    if "/konto/logg-inn/engangskode/" in page.url:
        # Staff: the second step, with the code of their app (seed_demo gave the demo staff one).
        page.get_by_label("Engangskode").fill(one_time_code(email_address, dbname))
        with page.expect_navigation():
            page.get_by_role("button", name="Logg inn").click()
    assert "/konto/logg-inn/" not in page.url, f"Login as {email_address} was refused"


def download(page, link):
    """Clicks `link`, which downloads a file; returns (file name, bytes)."""
    with page.expect_download() as info:
        link.click()
    result = info.value
    return result.suggested_filename, Path(result.path()).read_bytes()


def fetch(page, link):
    """The file behind `link`, fetched with the page's own session as the browser would open it (a PDF shown
    inline opens in the viewer, not as a download); returns (the name it is served under, bytes)."""
    response = page.request.get(urljoin(page.url, link.get_attribute("href")))
    assert response.ok, f"{response.status} for {response.url}"
    disposition = response.headers.get("content-disposition", "")
    return disposition, response.body()


def sign(page, full_name, place):
    page.get_by_label("Fullt navn").fill(full_name)
    page.get_by_label("Sted").fill(place)
    page.get_by_label("Jeg har lest kontrakten og signerer den").check()
    page.get_by_role("button", name="Signer kontrakten").click()
    expect(page.get_by_text("Takk! Signaturen din er registrert.")).to_be_visible()


def main():
    with tempfile.TemporaryDirectory(prefix="veiledning-production-") as tmp:
        run = Run(tmp)
        run.smtp.start()
        run.s3.start()
        # aiosmtpd logs every SMTP command, and moto's server every request: only their warnings are news.
        logging.getLogger("mail.log").setLevel(logging.WARNING)
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        try:
            drive(run)
        except BaseException:
            traceback.print_exc()
            run.stop()
            run.logs()
            print("\nThe production run failed.")
            return 1
        finally:
            run.stop()
            run.smtp.stop()
            run.s3.stop()
            database("drop", DATABASE)
            database("drop", RESTORED_DATABASE)
    print("\nThe production run passed: every step of the core path worked in the production shape.")
    return 0


def drive(run):
    step("A fresh database and object store; migrate, collectstatic and the demo data, as on a server")
    database("create", DATABASE)
    create_bucket(run, "veiledning-ci")
    run.manage("migrate", "--no-input", "-v", "0")
    run.manage("collectstatic", "--no-input", "--clear", "-v", "0")
    run.manage("seed_demo")

    step("Two web servers, a worker and beat, started from the Procfile")
    run.start("web", "web", GUNICORN_BIND=f"127.0.0.1:{run.ports['web']}")
    run.start("web2", "web", GUNICORN_BIND=f"127.0.0.1:{run.ports['web2']}")
    run.start("worker", "worker")
    run.start("beat", "beat")
    run.wait_healthy("web")
    run.wait_healthy("web2")

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)

        def new_page():
            context = browser.new_context(locale="nb-NO", accept_downloads=True)
            context.set_default_timeout(20_000)
            return context.new_page()

        meeting_uid = confirm_meeting(run, new_page())
        contract_id = send_and_sign_contracts(run, new_page)
        signed = download_and_verify(run, new_page(), contract_id)
        download_documents(run, new_page)
        reminder_arrives(run, meeting_uid)
        backup_drill(run, new_page(), contract_id, signed)
        browser.close()


def confirm_meeting(run, page):
    step("1. The adviser confirms Guovdageaidnu's next meeting for tomorrow; its reminder falls due in a minute")
    meeting_id, uid = query(
        """SELECT m.id, m.uid FROM meetings_meeting m JOIN municipalities_municipalitygroup g ON g.id = m.group_id
           WHERE g.name = 'Guovdageaidnu' AND m.status = 'planned' ORDER BY m.window_start, m.id LIMIT 1"""
    )[0]
    login(page, run.url(), "veileder.anne@example.org")
    page.goto(f"{run.url()}/moter/{meeting_id}/")
    page.get_by_role("link", name="Bekreft dato og tid").click()
    # One day and two minutes from now, in Oslo time: the one-day reminder is due two minutes from now.
    starts = query("SELECT (now() + interval '1 day 2 minutes') AT TIME ZONE 'Europe/Oslo'")[0][0]
    if starts.hour == 23 and starts.minute >= 58:
        # A meeting ends on the day it starts (the form refuses anything else): past midnight there is room.
        time.sleep(150)
        starts = query("SELECT (now() + interval '1 day 2 minutes') AT TIME ZONE 'Europe/Oslo'")[0][0]
    # Two hours, or until 23.59 when the run is late in the evening in Oslo.
    ends = min(starts + timedelta(hours=2), starts.replace(hour=23, minute=59))
    page.get_by_label("Dato").fill(starts.strftime("%Y-%m-%d"))
    page.get_by_label("Fra kl.").fill(starts.strftime("%H:%M"))
    page.get_by_label("Til kl.").fill(ends.strftime("%H:%M"))
    page.get_by_label("Form").select_option("digital")
    page.get_by_label("Lenke til møtet").fill("https://meet.example.org/guovdageaidnu")
    page.get_by_role("button", name="Bekreft møtet").click()
    expect(page.get_by_text("Møtet er lagret.")).to_be_visible()
    return str(uid)


def send_and_sign_contracts(run, new_page):
    step("2. The programme leader sends the current portfolio's contracts from the admin")
    portfolio_id, portfolio_name = query(
        """SELECT p.id, p.name FROM portfolios_portfolio p JOIN municipalities_municipalitygroup g
           ON g.portfolio_id = p.id WHERE g.name = 'Fauske og Saltdal'"""
    )[0]
    leader = new_page()
    login(leader, run.url(), "programleder@example.org")
    leader.goto(f"{run.url()}/admin/contracts/portfoliocontracts/")
    leader.locator(f'input[name="_selected_action"][value="{portfolio_id}"]').check()
    leader.locator('select[name="action"]').select_option(label="Lag kontrakter og send dem til signering")
    leader.get_by_role("button", name="Gå", exact=True).click()
    expect(leader.locator(".messagelist")).to_contain_text(portfolio_name)
    contract_id = query(
        """SELECT c.id FROM contracts_contract c JOIN municipalities_municipality m ON m.id = c.municipality_id
           WHERE m.number = '1840'"""
    )[0][0]

    step("3. Saltdal's signatories get the e-mail, follow its link, log in and sign")
    for address, name in (("eier.saltdal@example.org", "Kåre Lyngmo"), ("leder.saltdal@example.org", "Sølvi Rønning")):
        message = run.inbox.wait_for(address, "Kontrakt til signering: Saltdal", "kontrakt til signering")
        path = link_in(message, f"/kontrakter/{contract_id}/")
        page = new_page()
        login(page, run.url(), address, next_url=path)  # the link asks them to log in first
        expect(page.get_by_role("heading", name="Kontrakt for Saltdal kommune", level=1)).to_be_visible()
        pdf_link = page.get_by_role("link", name=re.compile("Åpne kontrakten til signering"))
        shown = page.request.get(run.url() + pdf_link.get_attribute("href"))
        assert shown.ok and "Saltdal kommune" in pdf_text(shown.body())
        sign(page, name, "Rognan")

    step("4. The programme leader is told, countersigns, and the worker renders the signed contract")
    message = run.inbox.wait_for("programleder@example.org", "Klar til kontrasignering: Saltdal", "kontrasignering")
    leader.goto(run.url() + link_in(message, f"/kontrakter/{contract_id}/"))
    sign(leader, "Siri Aasland Øvrebø", "Trondheim")

    def countersigned():
        leader.reload()
        return leader.get_by_role("link", name="Last ned signert kontrakt (PDF)").count() > 0

    wait(countersigned, "the signed contract to be rendered")
    run.inbox.wait_for("leder.saltdal@example.org", "Kontrakten for Saltdal kommune er signert", "signert av alle")
    return contract_id


def download_and_verify(run, page, contract_id):
    step("5. A member downloads the signed PDF from both web servers, and «Kontroller en kontrakt» knows it")
    sha256 = query(
        """SELECT d.sha256 FROM contracts_contract c JOIN contracts_contractdocument d ON d.id = c.final_document_id
           WHERE c.id = %s""",
        [contract_id],
    )[0][0]
    login(page, run.url(), "laerer.fauske@example.org")
    copies = []
    for server in ("web", "web2"):
        page.goto(f"{run.url(server)}/kontrakter/{contract_id}/")
        name, content = download(page, page.get_by_role("link", name="Last ned signert kontrakt (PDF)"))
        assert name.endswith("-signert.pdf"), name
        copies.append(content)
    assert copies[0] == copies[1], "the two web servers served different bytes"
    assert hashlib.sha256(copies[0]).hexdigest() == sha256
    text = pdf_text(copies[0])
    for expected in ("Saltdal kommune", "Kåre Lyngmo", "Sølvi Rønning", "Siri Aasland Øvrebø"):
        assert expected in text, f"{expected!r} is not in the signed contract"
    page.goto(f"{run.url('web2')}/kontrakter/kontroller/")
    page.get_by_label("PDF-fil å kontrollere").set_input_files(
        files=[{"name": "kontrakt.pdf", "mimeType": "application/pdf", "buffer": copies[0]}]
    )
    page.get_by_role("button", name="Kontroller", exact=True).click()
    expect(page.get_by_text("Ja, dette er en uendret, signert kontrakt fra arkivet.")).to_be_visible()
    tampered = query("SELECT count(*) FROM accounts_auditevent WHERE action = 'contract.document_tampered'")[0][0]
    assert tampered == 0, "a web server took a stored contract for tampered"
    return copies[0]


def download_documents(run, new_page):
    step("6. The foundation document, a development plan and the survey report download as PDFs")
    member = new_page()
    login(member, run.url(), "leder.bodo@example.org")  # lands on Bodø's group page
    name, content = fetch(member, member.get_by_role("link", name=re.compile("Grunnlagsdokumentet")))
    assert "Grunnlagsdokument" in pdf_text(content) or "grunnlagsdokument" in pdf_text(content).lower(), name
    plan_id = query(
        """SELECT p.id FROM development_plans_developmentplan p JOIN municipalities_municipalitygroup g
           ON g.id = p.group_id WHERE g.name = 'Bodø' ORDER BY p.id LIMIT 1"""
    )[0][0]
    member.goto(f"{run.url()}/utviklingsplaner/{plan_id}/")
    name, content = fetch(member, member.get_by_role("link", name="Last ned som PDF"))
    assert "Utviklingsplan" in pdf_text(content), name

    leader = new_page()
    login(leader, run.url(), "programleder@example.org")
    survey_id = query(
        """SELECT s.id FROM surveys_survey s WHERE EXISTS (SELECT 1 FROM surveys_invitation i WHERE i.survey_id = s.id)
           ORDER BY s.id LIMIT 1"""
    )[0][0]
    leader.goto(f"{run.url()}/sporreundersokelse/{survey_id}/rapport/")
    # The worker makes the report's PDF and stores it; the page then links to the stored file.
    leader.get_by_role("button", name=re.compile(r"^Lag PDF")).click()
    expect(leader.get_by_text("PDF-en lages i bakgrunnen.")).to_be_visible()

    def report_made():
        leader.reload()
        return leader.get_by_role("link", name="Last ned rapporten (PDF)").count() > 0

    wait(report_made, "the worker to make the survey report's PDF")
    name, content = fetch(leader, leader.get_by_role("link", name="Last ned rapporten (PDF)"))
    assert len(PdfReader(io.BytesIO(content)).pages) > 1, name


def reminder_arrives(run, meeting_uid):
    step("7. The meeting reminder arrives with its calendar entry (beat, hand-over, outbox, SMTP)")
    message = run.inbox.wait_for("leder.guovdageaidnu@example.org", "Påminnelse", "påminnelse om møtet")
    [attachment] = [part for part in message.iter_attachments() if part.get_content_type() == "text/calendar"]
    # Read as it came over SMTP with the tests' strict reader (not the icalendar package that wrote it): CRLF
    # lines of at most 75 octets, BEGIN/END nesting, the properties a client requires, and the same method on
    # the MIME type as in the calendar, so that the mail program updates the entry rather than importing it.
    calendar = ics.parse(attachment.get_payload(decode=True))
    assert attachment.get_param("method") == calendar.value("METHOD") == "REQUEST", attachment["Content-Type"]
    [event] = calendar.walk("VEVENT")
    assert event.value("UID").split("@")[0] == meeting_uid, event.value("UID")
    assert event.value("STATUS") == "CONFIRMED", event.value("STATUS")


def backup_drill(run, page, contract_id, signed):
    step("8. Backup, and a restore into a fresh database and object store, where every document verifies")
    archive = run.tmp / "backup.tar"
    run.manage("backup", str(archive))
    database("create", RESTORED_DATABASE)
    restored = {
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{RESTORED_DATABASE}",
        "PRIVATE_STORAGE_S3_BUCKET": "veiledning-restored",
    }
    create_bucket(run, "veiledning-restored")
    run.manage("restore", str(archive), **restored)
    run.manage("verify_documents", **restored)
    run.start("restored", "web", GUNICORN_BIND=f"127.0.0.1:{run.ports['restored']}", **restored)
    run.wait_healthy("restored")
    # The sessions were restored with the database, so the member is still logged in there.
    login(page, run.url("restored"), "laerer.fauske@example.org")
    page.goto(f"{run.url('restored')}/kontrakter/{contract_id}/")
    _, content = download(page, page.get_by_role("link", name="Last ned signert kontrakt (PDF)"))
    assert content == signed, "the restored copy serves other bytes than the original"


if __name__ == "__main__":
    sys.exit(main())
