"""Contracts' background work: sending and countersigning render nothing inside a request; the job renders
each queued contract once, records a failed render and leaves the contract as it was until «Prøv igjen»;
every contract e-mail is an outbox row; a broker that cannot be reached fails no action."""

import logging
import threading

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import AuditEvent
from accounts.tests.factories import ProgrammeLeaderFactory
from contracts import services
from contracts.models import SLOT_ORGANISATION, Contract, ContractDocument
from contracts.services import (
    contract_terminate,
    contract_upload_signed,
    contracts_render_due,
    contracts_render_retry,
    contracts_send_portfolio,
)
from core.models import Email
from core.testing.mail import deliver_outbox
from municipalities.tests.factories import MunicipalityGroupFactory, municipality
from portfolios.tests.factories import PortfolioFactory

from .factories import ContractTemplateFactory, sign, signatories
from .test_contracts import blank_pdf

pytestmark = pytest.mark.django_db

RENDER_ERROR = "Fant ikke den statiske filen css/print.css"


@pytest.fixture
def renders(monkeypatch):
    """The contract renders made, by template name: contracts.services' render_pdf, counted."""
    calls = []
    real = services.render_pdf

    def counting(template_name, *args, **kwargs):
        calls.append(template_name)
        return real(template_name, *args, **kwargs)

    monkeypatch.setattr("contracts.services.render_pdf", counting)
    return calls


@pytest.fixture
def broken_renderer(monkeypatch):
    """Makes every contract render fail until `repair()` is called; returns repair."""
    real = services.render_pdf

    def fail(*args, **kwargs):
        raise RuntimeError(RENDER_ERROR)

    monkeypatch.setattr("contracts.services.render_pdf", fail)
    return lambda: monkeypatch.setattr("contracts.services.render_pdf", real)


@pytest.fixture
def portfolio():
    """A portfolio with one group of two municipalities, each with a kulturskoleeier and a kulturskoleleder."""
    portfolio = PortfolioFactory(programme=ContractTemplateFactory().programme)
    group = MunicipalityGroupFactory(portfolio=portfolio, municipalities=[municipality("1841"), municipality("1840")])
    signatories(group, "1841")
    signatories(group, "1840")
    return portfolio


def send_action(client, portfolio):
    return client.post(
        reverse("admin:contracts_portfoliocontracts_changelist"),
        {"action": "generate_and_send", "_selected_action": [portfolio.pk]},
        follow=True,
    )


@pytest.fixture
def signed_by_municipality(parties):
    """The parties' contract, signed by the kulturskoleeier and the kulturskoleleder."""
    sign(parties["contract"], parties["owner"])
    sign(parties["contract"], parties["leader"])
    deliver_outbox()  # the e-mails so far: sent for signing, and ready for countersigning
    mail.outbox.clear()
    return parties


def countersign_through_the_page(client, parties):
    contract = parties["contract"]
    contract.refresh_from_db()
    client.force_login(parties["programme_leader"])
    return client.post(
        reverse("contracts:sign", args=[contract.pk]),
        {
            "full_name": parties["programme_leader"].full_name,
            "place": "Trondheim",
            "confirm": "on",
            "document_sha256": contract.signing_document.sha256,
        },
    )


# Sending


def test_sending_a_portfolio_renders_and_emails_nothing_inside_the_request(
    client, portfolio, renders, django_capture_on_commit_callbacks
):
    client.force_login(ProgrammeLeaderFactory())

    with django_capture_on_commit_callbacks(execute=True):
        response = send_action(client, portfolio)

    assert "2 nye kontrakter; 2 sendes til signering i bakgrunnen" in response.content.decode()
    assert renders == []
    assert not ContractDocument.objects.exists()
    contracts = Contract.objects.filter(group__portfolio=portfolio)
    assert {(c.status, c.render_state) for c in contracts} == {(Contract.Status.DRAFT, "queued")}
    assert not Email.objects.exists() and mail.outbox == []

    # The worker's job (or cron's send_due_reminders) renders, stores and sends them.
    assert contracts_render_due() == 2
    assert renders == [services.CONTRACT_PDF_TEMPLATE] * 2
    assert {(c.status, c.render_state) for c in contracts.all()} == {(Contract.Status.SENT, "")}
    assert all(c.signing_document is not None for c in contracts.all())
    assert Email.objects.filter(template="contracts/email/sent", status=Email.Status.PENDING).count() == 4
    assert mail.outbox == []
    assert len(deliver_outbox()) == 4


def test_the_contract_page_says_a_queued_draft_is_on_its_way(client, portfolio):
    contracts_send_portfolio(portfolio=portfolio, actor=None)
    contract = Contract.objects.filter(group__portfolio=portfolio).first()
    client.force_login(ProgrammeLeaderFactory())
    page = client.get(contract.get_absolute_url()).content.decode()
    assert "Kontrakten lages nå og sendes til signering om litt." in page
    page = client.get(contract.group.get_absolute_url()).content.decode()
    assert "Utkast (sendes til signering om litt)" in page


def test_the_job_renders_and_sends_each_contract_once_however_often_it_runs(portfolio, renders):
    contracts_send_portfolio(portfolio=portfolio, actor=None)

    assert contracts_render_due() == 2
    assert contracts_render_due() == 0
    # Sending the portfolio again finds no draft to queue.
    assert contracts_send_portfolio(portfolio=portfolio, actor=None) == (0, 0)
    assert contracts_render_due() == 0

    assert len(renders) == 2
    assert ContractDocument.objects.count() == 2
    assert Email.objects.count() == 4
    assert AuditEvent.objects.filter(action="contract.sent").count() == 2


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite has no row locks to skip")
# Committed data, for the second connection to see; serialized_rollback restores what the migrations loaded.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_second_worker_skips_the_contract_the_first_is_rendering(portfolio, monkeypatch):
    contracts_send_portfolio(portfolio=portfolio, actor=None)
    rendering, release = threading.Event(), threading.Event()
    calls = []
    real = services.render_pdf

    def slow(*args, **kwargs):
        calls.append(threading.current_thread().name)
        if threading.current_thread().name == "first":
            rendering.set()
            release.wait(20)
        return real(*args, **kwargs)

    monkeypatch.setattr("contracts.services.render_pdf", slow)

    def first_worker():
        try:
            contracts_render_due(limit=1)
        finally:
            connection.close()

    first = threading.Thread(target=first_worker, name="first")
    first.start()
    try:
        assert rendering.wait(20)
        # While the first worker holds the oldest contract, the second takes the other one and stops.
        assert contracts_render_due() == 1
    finally:
        release.set()
        first.join(20)

    assert sorted(calls) == sorted(["first", "MainThread"])  # one render each, never the same contract
    contracts = Contract.objects.filter(group__portfolio=portfolio)
    assert set(contracts.values_list("status", flat=True)) == {Contract.Status.SENT}
    assert ContractDocument.objects.count() == 2
    assert Email.objects.count() == 4


def test_a_contract_terminated_while_queued_is_not_sent(portfolio, renders):
    contracts_send_portfolio(portfolio=portfolio, actor=None)
    first, _second = Contract.objects.filter(group__portfolio=portfolio).order_by("pk")
    contract_terminate(contract=first, terminated_on=first.created_at.date(), reason="Kommunen trakk seg.", actor=None)

    assert contracts_render_due() == 1

    first.refresh_from_db()
    assert (first.status, first.render_state, first.signing_document) == (Contract.Status.TERMINATED, "", None)
    assert len(renders) == 1


def test_without_a_broker_cron_renders_sends_and_delivers(portfolio, settings):
    settings.CELERY_BROKER_URL = ""
    contracts_send_portfolio(portfolio=portfolio, actor=None)

    call_command("send_due_reminders")

    assert set(Contract.objects.values_list("status", flat=True)) == {Contract.Status.SENT}
    assert len(mail.outbox) == 4
    assert {m.subject.split(":")[0] for m in mail.outbox} == {"Kontrakt til signering"}


def test_the_job_runs_from_beat_every_minute_by_the_name_the_services_queue(settings):
    from contracts.tasks import render_due_documents

    entry = settings.CELERY_BEAT_SCHEDULE["contracts-render-documents"]
    assert entry == {"task": services.RENDER_TASK, "schedule": 60.0}
    assert render_due_documents.name == services.RENDER_TASK


# Countersigning


def test_countersigning_records_the_signature_and_leaves_the_signed_document_to_the_job(
    client, signed_by_municipality, renders, django_capture_on_commit_callbacks
):
    parties = signed_by_municipality
    contract = parties["contract"]

    with django_capture_on_commit_callbacks(execute=True):
        response = countersign_through_the_page(client, parties)

    assert response.status_code == 302
    assert renders == []
    contract.refresh_from_db()
    assert (contract.status, contract.final_document, contract.render_state) == (Contract.Status.SIGNED, None, "queued")
    assert contract.countersign_pending
    assert contract.signatures.count() == 3
    page = client.get(contract.get_absolute_url()).content.decode()
    assert "Den signerte kontrakten (PDF) lages nå" in page
    assert "Last ned signert kontrakt" not in page
    page = client.get(contract.group.get_absolute_url()).content.decode()
    assert "Signert av kommunen (kontrasignert; den signerte kontrakten lages)" in page

    assert contracts_render_due() == 1

    assert renders == [services.CONTRACT_PDF_TEMPLATE]
    contract.refresh_from_db()
    assert (contract.status, contract.render_state) == (Contract.Status.IN_FORCE, "")
    assert contract.final_document.kind == ContractDocument.Kind.SIGNED
    organisation = contract.signatures.get(slot=SLOT_ORGANISATION)
    assert contract.countersigned_at == organisation.signed_at
    assert contract.final_document.created_by == parties["programme_leader"]
    assert AuditEvent.objects.get(action="contract.countersigned").actor == parties["programme_leader"]
    # The «completed» e-mails are outbox rows by the outbox.
    completed = Email.objects.filter(template="contracts/email/completed")
    assert sorted(completed.values_list("to", flat=True)) == sorted([parties["owner"].email, parties["leader"].email])
    assert mail.outbox == []
    assert all("er signert av alle parter" in m.subject for m in deliver_outbox())
    assert contracts_render_due() == 0
    assert len(renders) == 1


def test_an_upload_while_the_signed_document_waits_takes_its_place(signed_by_municipality, renders):
    parties = signed_by_municipality
    sign(parties["contract"], parties["programme_leader"])

    contract = contract_upload_signed(contract=parties["contract"], content=blank_pdf(), actor=None)

    assert (contract.status, contract.render_state) == (Contract.Status.IN_FORCE, "")
    assert contracts_render_due() == 0
    assert renders == []


# Failed renders


def test_a_failing_render_leaves_the_draft_a_draft_records_the_error_and_waits(portfolio, broken_renderer, caplog):
    contracts_send_portfolio(portfolio=portfolio, actor=None)

    with caplog.at_level(logging.ERROR, logger="contracts.services"):
        assert contracts_render_due() == 2

    for contract in Contract.objects.filter(group__portfolio=portfolio):
        assert (contract.status, contract.render_state) == (Contract.Status.DRAFT, "failed")
        assert (contract.signing_document, contract.sent_at, contract.reminder_due_at, contract.terms) == (
            None,
            None,
            None,
            {},
        )
        assert (
            contract.render_error
            == f"Kontrakten til signering kunne ikke lages, og den er ikke sendt. Feil: {RENDER_ERROR}"
        )
    assert not ContractDocument.objects.exists()
    assert not Email.objects.exists()
    assert not AuditEvent.objects.filter(action="contract.sent").exists()
    assert AuditEvent.objects.filter(action="contract.render_failed").count() == 2
    # Logged with its traceback, for whoever reads the worker's log.
    records = [r for r in caplog.records if r.name == "contracts.services"]
    assert len(records) == 2 and all(r.exc_info and r.exc_info[0] is RuntimeError for r in records)
    # Not tried again by itself: the next runs find nothing to do.
    assert contracts_render_due() == 0


def test_sending_the_portfolio_again_queues_the_drafts_whose_render_failed(portfolio, broken_renderer):
    contracts_send_portfolio(portfolio=portfolio, actor=None)
    contracts_render_due()
    broken_renderer()  # repaired

    assert contracts_send_portfolio(portfolio=portfolio, actor=None) == (0, 2)
    assert contracts_render_due() == 2
    assert set(Contract.objects.values_list("status", "render_error")) == {(Contract.Status.SENT, "")}


def test_a_render_the_fetcher_stops_is_recorded_too(portfolio, monkeypatch):
    # The real renderer and fetcher, on a page that asks for an outside address: WeasyPrint's fatal error (a
    # BaseException in WeasyPrint 70) arrives as a PdfRenderError, which the job records.
    html = '<html><head><link rel="stylesheet" href="https://example.org/x.css"></head><body>x</body></html>'
    monkeypatch.setattr("core.pdf.render_to_string", lambda *args, **kwargs: html)
    contracts_send_portfolio(portfolio=portfolio, actor=None)

    assert contracts_render_due() == 2

    contracts = Contract.objects.filter(group__portfolio=portfolio)
    assert {(c.status, c.render_state) for c in contracts} == {(Contract.Status.DRAFT, "failed")}
    assert all("utenfor de statiske filene" in c.render_error for c in contracts)


def test_a_retried_draft_is_sent_and_its_error_cleared(portfolio, broken_renderer):
    contracts_send_portfolio(portfolio=portfolio, actor=None)
    contracts_render_due()
    broken_renderer()  # repaired
    leader = ProgrammeLeaderFactory()

    assert contracts_render_retry(contracts=Contract.objects.all(), actor=leader) == 2
    assert contracts_render_retry(contracts=Contract.objects.all(), actor=leader) == 0  # already queued
    assert contracts_render_due() == 2

    contracts = Contract.objects.filter(group__portfolio=portfolio)
    assert {(c.status, c.render_state, c.render_error) for c in contracts} == {(Contract.Status.SENT, "", "")}
    assert all(c.render_failed_at is None for c in contracts)
    assert Email.objects.filter(template="contracts/email/sent").count() == 4
    assert AuditEvent.objects.filter(action="contract.render_retried", actor=leader).count() == 2


def test_a_failing_final_render_keeps_the_signatures_and_the_status_and_a_retry_completes_it(
    client, signed_by_municipality, broken_renderer
):
    parties = signed_by_municipality
    contract = parties["contract"]
    sign(contract, parties["programme_leader"], "Trondheim")

    assert contracts_render_due() == 1

    contract.refresh_from_db()
    assert (contract.status, contract.render_state, contract.final_document) == (Contract.Status.SIGNED, "failed", None)
    assert contract.countersign_pending
    assert sorted(contract.signatures.values_list("slot", flat=True)) == ["leader", "organisation", "owner"]
    assert contract.render_error.startswith("Den signerte kontrakten kunne ikke lages. Signaturene er registrert.")
    assert not Email.objects.filter(template="contracts/email/completed").exists()
    # The programme leader sees the error on the contract's page; the municipality, that it is delayed.
    client.force_login(parties["programme_leader"])
    page = client.get(contract.get_absolute_url()).content.decode()
    assert RENDER_ERROR in page and "kunne ikke lages ennå" in page
    assert "Kontrasigner for Norsk kulturskoleråd" not in page  # the countersignature stays given
    client.force_login(parties["owner"])
    page = client.get(contract.get_absolute_url()).content.decode()
    assert "kunne ikke lages ennå" in page and RENDER_ERROR not in page
    assert contracts_render_due() == 0

    broken_renderer()  # repaired
    assert contracts_render_retry(contracts=Contract.objects.filter(pk=contract.pk), actor=None) == 1
    assert contracts_render_due() == 1

    contract.refresh_from_db()
    assert (contract.status, contract.render_state, contract.render_error) == (Contract.Status.IN_FORCE, "", "")
    assert contract.final_document is not None
    assert Email.objects.filter(template="contracts/email/completed").count() == 2


# A broker that cannot be reached


def test_with_the_broker_unreachable_sending_and_countersigning_still_succeed(
    client, settings, portfolio, caplog, django_capture_on_commit_callbacks
):
    # Nothing listens on port 1: every attempt to queue a task fails at once.
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    leader = ProgrammeLeaderFactory()
    client.force_login(leader)

    with caplog.at_level(logging.WARNING, logger="core.background"):
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            response = send_action(client, portfolio)
        assert callbacks  # the queueing really ran, and failed
        assert "Could not queue contracts.render_due" in caplog.text

        assert "2 sendes til signering i bakgrunnen" in response.content.decode()
        assert contracts_render_due() == 2
        contract = Contract.objects.filter(group__portfolio=portfolio).order_by("pk").first()
        owner, municipal_leader = (
            m.user for m in contract.group.memberships.filter(municipality=contract.municipality)
        )
        with django_capture_on_commit_callbacks(execute=True):
            sign(contract, owner)
            sign(contract, municipal_leader)
        caplog.clear()

        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            response = countersign_through_the_page(client, {"contract": contract, "programme_leader": leader})
        assert callbacks
        assert "Could not queue contracts.render_due" in caplog.text

    assert response.status_code == 302
    assert "Takk! Signaturen din er registrert." in client.get(response.url).content.decode()
    # The work waited in the database, and the job (from beat or cron, once it runs) does it.
    assert contracts_render_due() == 1
    contract.refresh_from_db()
    assert contract.status == Contract.Status.IN_FORCE


# What the programme leader sees in the admin, and «Prøv igjen»


def test_failed_renders_are_shown_on_the_contracts_overview_and_prove_igjen_sends_them(
    client, portfolio, broken_renderer
):
    contracts_send_portfolio(portfolio=portfolio, actor=None)
    contracts_render_due()
    leader = ProgrammeLeaderFactory()
    client.force_login(leader)

    page = client.get(reverse("admin:contracts_portfoliocontracts_changelist")).content.decode()
    failed_list = reverse("admin:contracts_contract_changelist") + f"?portfolio={portfolio.pk}&amp;dokument=failed"
    assert "Feilet" in page and f'<a href="{failed_list}">2</a>' in page
    page = client.get(reverse("admin:contracts_contract_changelist"), {"dokument": "failed"}).content.decode()
    assert page.count("Kontrakten til signering kunne ikke lages, og den er ikke sendt.") == 2
    assert RENDER_ERROR in page
    contract = Contract.objects.filter(group__portfolio=portfolio).first()
    page = client.get(contract.get_absolute_url()).content.decode()
    assert RENDER_ERROR in page and "kontraktene som feilet" in page

    broken_renderer()  # repaired
    response = client.post(
        reverse("admin:contracts_contract_changelist"),
        {"action": "retry_render", "_selected_action": list(Contract.objects.values_list("pk", flat=True))},
        follow=True,
    )
    assert "2 kontrakter er lagt i kø igjen og lages i bakgrunnen om litt." in response.content.decode()
    page = client.get(reverse("admin:contracts_contract_changelist"), {"dokument": "queued"}).content.decode()
    assert page.count("Lages (nytt forsøk)") == 2
    assert contracts_render_due() == 2

    assert set(Contract.objects.values_list("status", "render_error")) == {(Contract.Status.SENT, "")}
    page = client.get(reverse("admin:contracts_contract_changelist"), {"dokument": "failed"}).content.decode()
    assert "0 kontrakter" in page
    assert Email.objects.filter(template="contracts/email/sent").count() == 4


def test_prove_igjen_on_a_portfolio_completes_a_countersigned_contract_whose_final_render_failed(
    client, signed_by_municipality, broken_renderer
):
    parties = signed_by_municipality
    contract = parties["contract"]
    sign(contract, parties["programme_leader"], "Trondheim")
    contracts_render_due()
    client.force_login(parties["programme_leader"])
    page = client.get(reverse("admin:contracts_contract_changelist"), {"dokument": "failed"}).content.decode()
    assert "Den signerte kontrakten kunne ikke lages. Signaturene er registrert." in page

    broken_renderer()  # repaired
    response = client.post(
        reverse("admin:contracts_portfoliocontracts_changelist"),
        {"action": "retry_render", "_selected_action": [contract.group.portfolio_id]},
        follow=True,
    )
    assert "1 kontrakter er lagt i kø igjen" in response.content.decode()
    assert contracts_render_due() == 1

    contract.refresh_from_db()
    assert (contract.status, contract.render_state) == (Contract.Status.IN_FORCE, "")


def test_prove_igjen_says_so_when_nothing_failed(client, parties):
    client.force_login(parties["programme_leader"])
    response = client.post(
        reverse("admin:contracts_contract_changelist"),
        {"action": "retry_render", "_selected_action": [parties["contract"].pk]},
        follow=True,
    )
    assert "Ingen av de valgte kontraktene har et dokument som feilet." in response.content.decode()
    assert contracts_render_due() == 0


def test_the_portfolio_overview_counts_in_one_query_however_many_portfolios(client):
    client.force_login(ProgrammeLeaderFactory())
    url = reverse("admin:contracts_portfoliocontracts_changelist")
    for _ in range(2):
        portfolio = PortfolioFactory(programme=ContractTemplateFactory().programme)
        MunicipalityGroupFactory(portfolio=portfolio, municipalities=[municipality("1804")])
        contracts_send_portfolio(portfolio=portfolio, actor=None)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for _ in range(3):
        portfolio = PortfolioFactory(programme=ContractTemplateFactory().programme)
        MunicipalityGroupFactory(portfolio=portfolio, municipalities=[municipality("1804")])
        contracts_send_portfolio(portfolio=portfolio, actor=None)
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(few)
