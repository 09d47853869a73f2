"""Contracts: render cost against WeasyPrint alone, download time of a stored PDF, the query counts of the
contract pages with few and with all municipalities, and the cost of generating and sending 357 contracts.

Runs against a throwaway test database (SQLite by default, PostgreSQL with DATABASE_URL) and a temporary
private folder, so it never touches real data. Usage: `make bench` or `.venv/bin/python benchmarks/contracts.py`.
"""

import logging
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "veiledning.settings")

import django

django.setup()

import weasyprint  # noqa: E402
from builders import portfolio_with_signatories  # noqa: E402
from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.template.loader import render_to_string  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402
from django.urls import reverse  # noqa: E402
from timing import median_ms  # noqa: E402

RENDER_RUNS = 15
DOWNLOAD_RUNS = 50
PAGE_RUNS = 20
SEND_SAMPLE = 20


def build(count):
    """A portfolio with `count` one-municipality groups, each with a kulturskoleeier and a kulturskoleleder
    and a draft contract."""
    from contracts.services import contracts_generate

    portfolio, groups = portfolio_with_signatories(count)
    start = time.perf_counter()
    contracts_generate(portfolio=portfolio)
    generate_ms = (time.perf_counter() - start) * 1000
    return portfolio, groups, generate_ms


def sign_all(contract):
    from accounts.tests.factories import ProgrammeLeaderFactory
    from contracts.selectors import signing_state
    from contracts.services import contract_finalise, contract_sign

    leader = ProgrammeLeaderFactory()
    for row in signing_state(contract):
        user = row["candidates"][0].user if row["candidates"] else leader
        contract.refresh_from_db()
        contract_sign(
            contract=contract,
            user=user,
            full_name=user.full_name,
            place="Bodø",
            document_sha256=contract.signing_document.sha256,
            notify=False,
        )
    # The final render the countersignature queues, as the background job makes it.
    contract_finalise(contract=contract, notify=False)
    contract.refresh_from_db()
    return leader


def clear():
    from contracts.models import Contract, ContractDocument, Signature
    from municipalities.models import MunicipalityGroup
    from portfolios.models import Portfolio

    Signature.objects.all().delete()
    Contract.objects.update(signing_document=None, final_document=None)
    for model in (ContractDocument, Contract, MunicipalityGroup, Portfolio):
        model.objects.all().delete()


def measure_portfolio(count):
    """The figures for a portfolio of `count` contracts; returns them and the contract signed by all."""
    from contracts.models import Contract
    from contracts.services import contract_send
    from core.testing.otp import pass_second_factor

    clear()
    portfolio, groups, generate_ms = build(count)
    contract = Contract.objects.filter(group=groups[0]).get()
    result = {"generate_ms": generate_ms}

    # Sending = render + store + e-mail, per contract; the admin action queues one task per contract.
    sample = list(Contract.objects.filter(group__portfolio=portfolio).order_by("pk")[: min(SEND_SAMPLE, count)])
    start = time.perf_counter()
    for each in sample:
        contract_send(contract=each, notify=False)
    result["send_ms"] = (time.perf_counter() - start) * 1000 / len(sample)

    contract.refresh_from_db()
    leader = sign_all(contract)
    client = Client()

    def page(label, url):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        result[label] = (len(queries), median_ms(lambda: client.get(url), PAGE_RUNS))

    client.force_login(groups[0].memberships.first().user)
    page("contract page (member)", contract.get_absolute_url())
    page("group page (member)", groups[0].get_absolute_url())
    download_url = reverse("contracts:signed_pdf", args=[contract.pk])
    with CaptureQueriesContext(connection) as queries:
        body = b"".join(client.get(download_url).streaming_content)
    result["download"] = (
        len(queries),
        median_ms(lambda: b"".join(client.get(download_url).streaming_content), DOWNLOAD_RUNS),
        len(body),
    )
    client.force_login(leader)
    pass_second_factor(client, leader)
    page("contract page (programme leader)", contract.get_absolute_url())
    return result, contract


def main():
    from django.test.runner import DiscoverRunner

    from contracts.services import CONTRACT_PDF_TEMPLATE, PDF_VARIANT, contract_pdf_context
    from core.pdf import BASE_URL, StaticFilesFetcher, render_pdf

    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    setup_test_environment()
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.PRIVATE_STORAGE_ROOT = Path(tempfile.mkdtemp(prefix="veiledning-bench-"))
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "core.storage.PrivateFileSystemStorage",
            "OPTIONS": {"location": settings.PRIVATE_STORAGE_ROOT},
        },
    }
    runner = DiscoverRunner(verbosity=0)
    old_config = runner.setup_databases()
    try:
        print(f"database: {connection.vendor}\n")
        results = {}
        for count in (5, 357):
            results[count], contract = measure_portfolio(count)
        # Render cost: the final contract (with its signature page) through the portal's path, against
        # WeasyPrint alone on the very same HTML with the same fetcher, PDF/A variant and tags.
        signatures = list(contract.signatures.all())
        context = contract_pdf_context(contract, signatures=signatures, signing_document=contract.signing_document)
        html = render_to_string(CONTRACT_PDF_TEMPLATE, context)

        def portal():
            render_pdf(CONTRACT_PDF_TEMPLATE, context, pdf_variant=PDF_VARIANT)

        def weasyprint_alone():
            weasyprint.HTML(string=html, base_url=BASE_URL, url_fetcher=StaticFilesFetcher()).write_pdf(
                pdf_variant=PDF_VARIANT, pdf_tags=True
            )

        portal(), weasyprint_alone()  # warm the font cache
        portal_ms, alone_ms = [], []
        for _ in range(RENDER_RUNS):  # interleaved, so that load on the machine hits both alike
            portal_ms.append(median_ms(portal, 1))
            alone_ms.append(median_ms(weasyprint_alone, 1))
        portal_median, alone_median = statistics.median(portal_ms), statistics.median(alone_ms)

        print(f"## Render (median of {RENDER_RUNS}, final contract with signature page, PDF/A-3u, tagged)\n")
        print("| path | median ms |")
        print("| --- | ---: |")
        print(f"| portal: `render_pdf` (template + WeasyPrint) | {portal_median:.1f} |")
        print(f"| WeasyPrint alone on the same HTML | {alone_median:.1f} |")
        print(f"| ratio | {portal_median / alone_median:.2f}× |\n")

        print(f"## Pages and download (median of {PAGE_RUNS} requests; download of {DOWNLOAD_RUNS})\n")
        print("| contracts in the portfolio | what | queries | median ms |")
        print("| ---: | --- | ---: | ---: |")
        for count, result in results.items():
            for label in ("contract page (member)", "contract page (programme leader)", "group page (member)"):
                queries, ms = result[label]
                print(f"| {count} | {label} | {queries} | {ms:.1f} |")
            queries, ms, size = result["download"]
            print(f"| {count} | download of the signed PDF ({size // 1024} KiB, hash checked) | {queries} | {ms:.1f} |")

        print("\n## Generating and sending\n")
        print("| contracts | generate all (one bulk insert) ms | send one (render + store) ms, mean of sample |")
        print("| ---: | ---: | ---: |")
        for count, result in results.items():
            print(f"| {count} | {result['generate_ms']:.0f} | {result['send_ms']:.0f} |")
        send = results[357]["send_ms"]
        print(
            f"\n357 sends ≈ {357 * send / 1000:.0f} s of work in one worker, "
            f"≈ {357 * send / 1000 / 2:.0f} s over two, ≈ {357 * send / 1000 / 4:.0f} s over four."
        )
    finally:
        runner.teardown_databases(old_config)


if __name__ == "__main__":
    main()
