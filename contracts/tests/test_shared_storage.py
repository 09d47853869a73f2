"""Several machines, one set of files: the worker renders and stores a contract's PDFs, and two web servers
that share no folder with it or with each other serve them, because all three keep private files in the
same S3-compatible bucket (moto's server through an endpoint URL). Each machine's storage is what
veiledning/settings.py makes of that machine's environment alone."""

from pathlib import Path

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from accounts.models import AuditEvent
from contracts.services import contracts_render_due
from core import storage
from core.tests.s3 import private_storage_from_env

from .factories import sign

pytestmark = pytest.mark.django_db

MACHINES = ("worker", "web-a", "web-b")


@pytest.fixture
def machines(settings, monkeypatch, s3_environment, tmp_path):
    """Each machine's STORAGES: the same bucket, and a PRIVATE_STORAGE_ROOT of its own that must stay unused.
    The test starts on the worker."""
    storages = {
        name: {
            **settings.STORAGES,
            "private": private_storage_from_env(monkeypatch, **s3_environment, PRIVATE_STORAGE_ROOT=tmp_path / name),
        }
        for name in MACHINES
    }
    settings.STORAGES = storages["worker"]
    return storages


@pytest.fixture
def rendered_by_the_worker(machines, request, django_capture_on_commit_callbacks):
    """test_contracts' `parties`, sent and signed by all on the worker, which rendered and stored both PDFs."""
    # Asked for only now, so that the contract is sent on the worker's storage too.
    people = request.getfixturevalue("parties")
    with django_capture_on_commit_callbacks(execute=True):
        sign(people["contract"], people["owner"], "Guovdageaidnu")
        sign(people["contract"], people["leader"], "Guovdageaidnu")
        sign(people["contract"], people["programme_leader"], "Trondheim")
        contracts_render_due()  # the worker's background job renders the signed contract
    people["contract"].refresh_from_db()
    return people


def test_two_web_servers_that_share_no_folder_serve_the_contract_the_worker_rendered(
    machines, rendered_by_the_worker, s3_client, s3_environment, tmp_path
):
    contract = rendered_by_the_worker["contract"]
    final, signing = contract.final_document, contract.signing_document
    bucket = s3_environment["PRIVATE_STORAGE_S3_BUCKET"]
    keys = {entry["Key"] for entry in s3_client.list_objects_v2(Bucket=bucket)["Contents"]}
    assert keys == {final.path, signing.path}

    for web in ("web-a", "web-b"):
        with override_settings(STORAGES=machines[web]):
            client = Client()
            client.force_login(rendered_by_the_worker["owner"])
            signed = client.get(reverse("contracts:signed_pdf", args=[contract.pk]))
            to_sign = client.get(reverse("contracts:signing_pdf", args=[contract.pk]))

        assert signed.status_code == 200, web
        assert storage.sha256_hex(b"".join(signed.streaming_content)) == final.sha256
        assert to_sign.status_code == 200, web
        assert storage.sha256_hex(b"".join(to_sign.streaming_content)) == signing.sha256

    assert not AuditEvent.objects.filter(action="contract.document_tampered").exists()
    assert AuditEvent.objects.filter(action="contract.downloaded").count() == 4
    # Nothing was kept on any machine's disk.
    assert not any((tmp_path / name).exists() for name in MACHINES)


def test_a_web_server_with_a_folder_of_its_own_cannot_serve_them(machines, rendered_by_the_worker, tmp_path):
    # The failure the shared bucket fixes, so that the test above is seen to tell the two apart: a web
    # server left on the local default with an empty folder does not have the worker's files.
    contract = rendered_by_the_worker["contract"]
    alone = {
        **machines["web-a"],
        "private": {"BACKEND": "core.storage.PrivateFileSystemStorage", "OPTIONS": {"location": tmp_path / "alone"}},
    }
    with override_settings(STORAGES=alone):
        client = Client()
        client.force_login(rendered_by_the_worker["owner"])
        response = client.get(reverse("contracts:signed_pdf", args=[contract.pk]))
    assert response.status_code == 409
    assert not Path(tmp_path / "alone").exists()
