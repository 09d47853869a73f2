"""An S3-compatible object store for tests: moto's server in a thread on a free port of 127.0.0.1, reached
through an endpoint URL as a provider other than AWS is in production. Loaded as a pytest plugin by the root
conftest, so that any app's tests can ask for these fixtures."""

import logging
import os
import runpy
import uuid
from pathlib import Path

import boto3
import pytest
from moto.server import ThreadedMotoServer

SETTINGS_FILE = Path(__file__).resolve().parents[2] / "veiledning" / "settings.py"
REGION = "eu-north-1"


def private_storage_from_env(monkeypatch, **variables):
    """STORAGES["private"] exactly as veiledning/settings.py builds it from these environment variables (and
    no other PRIVATE_STORAGE_* variable), so that tests show what a server configured only by its
    environment gets."""
    for name in list(os.environ):
        if name.startswith("PRIVATE_STORAGE_"):
            monkeypatch.delenv(name)
    for name, value in variables.items():
        monkeypatch.setenv(name, str(value))
    # settings.py refuses to load without a key when the environment says DEBUG=False.
    monkeypatch.setenv("SECRET_KEY", os.environ.get("SECRET_KEY", "only-for-tests"))
    return runpy.run_path(str(SETTINGS_FILE))["STORAGES"]["private"]


@pytest.fixture(scope="session")
def moto_endpoint():
    """The endpoint URL of one moto server for the whole test session; each test makes its own bucket."""
    # Werkzeug logs every request at INFO; a failing test's output is easier to read without them.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3_environment(moto_endpoint):
    """The environment variables of a portal whose private files live in a new, empty bucket."""
    bucket = f"veiledning-{uuid.uuid4().hex[:16]}"
    client = boto3.client(
        "s3",
        endpoint_url=moto_endpoint,
        region_name=REGION,
        aws_access_key_id="test-key",
        aws_secret_access_key="test-secret",
    )
    client.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    return {
        "PRIVATE_STORAGE_S3_BUCKET": bucket,
        "PRIVATE_STORAGE_S3_ENDPOINT_URL": moto_endpoint,
        "PRIVATE_STORAGE_S3_REGION": REGION,
        "PRIVATE_STORAGE_S3_ACCESS_KEY_ID": "test-key",
        "PRIVATE_STORAGE_S3_SECRET_ACCESS_KEY": "test-secret",
        "PRIVATE_STORAGE_S3_ADDRESSING_STYLE": "path",
    }


@pytest.fixture
def s3_client(s3_environment):
    """A plain boto3 client on the test's bucket, to look at or change objects behind the portal's back."""
    return boto3.client(
        "s3",
        endpoint_url=s3_environment["PRIVATE_STORAGE_S3_ENDPOINT_URL"],
        region_name=REGION,
        aws_access_key_id="test-key",
        aws_secret_access_key="test-secret",
    )


@pytest.fixture
def s3_private_storage(settings, monkeypatch, s3_environment):
    """Makes the test's private storage the S3 bucket of `s3_environment`, configured from the environment."""
    settings.STORAGES = {**settings.STORAGES, "private": private_storage_from_env(monkeypatch, **s3_environment)}
    return s3_environment["PRIVATE_STORAGE_S3_BUCKET"]
