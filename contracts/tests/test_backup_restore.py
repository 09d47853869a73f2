"""The restore drill: contracts with stored documents are backed up (`manage.py backup`, in the test's
process), then restored by `manage.py restore` into a fresh, empty database and an empty storage, in another
process configured only by its environment as an operator's would be, and `manage.py verify_documents` there
reads every document back through the storage and checks its SHA-256.

PostgreSQL (pg_dump and pg_restore) when DATABASE_URL points at it, and always with CI_POSTGRES=required;
SQLite (its backup API) when the suite runs on SQLite; and from a local folder into an S3 bucket (moto's
server), which is also how a portal moves its files to object storage."""

import io
import os
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
from django.core.management import call_command
from django.db import connection
from pypdf import PdfWriter

from contracts.models import Contract, ContractDocument
from core import storage
from municipalities.tests.factories import MunicipalityGroupFactory, municipality

# pg_dump and the restoring process see only committed rows. The test ends by emptying the database;
# serialized_rollback restores what the migrations loaded (municipalities, staff roles) for the tests after it.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

BASE_DIR = Path(__file__).resolve().parents[2]


def _pdf(marker):
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_metadata({"/Title": marker})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _contracts_with_documents():
    """Three contracts, each with its signing copy and its signed PDF stored; returns {storage name: bytes}.
    Written straight to storage: rendering them would test WeasyPrint, not the backup."""
    stored = {}
    for number in ("1804", "1841", "5612"):
        contract = Contract.objects.create(
            group=MunicipalityGroupFactory(municipalities=[municipality(number)]),
            municipality=municipality(number),
            status=Contract.Status.IN_FORCE,
        )
        for kind in (ContractDocument.Kind.SIGNING, ContractDocument.Kind.SIGNED):
            content = _pdf(f"{number}-{kind}")
            document = ContractDocument.objects.create(
                contract=contract,
                kind=kind,
                path=storage.write_bytes(f"contracts/{contract.pk}", content),
                sha256=storage.sha256_hex(content),
                size=len(content),
            )
            stored[document.path] = content
    return stored


def _require(vendor):
    if connection.vendor == vendor:
        return
    message = f"This round trip needs the suite on {vendor} (DATABASE_URL)."
    if vendor == "postgresql" and os.environ.get("CI_POSTGRES") == "required":
        pytest.fail(f"CI_POSTGRES=required, but the suite runs on {connection.vendor}. {message}", pytrace=False)
    pytest.skip(message)


@pytest.fixture
def fresh_database(tmp_path):
    """The DATABASE_URL of a new, empty database of the suite's kind; a PostgreSQL one is dropped afterwards."""
    if connection.vendor == "sqlite":
        yield f"sqlite:///{tmp_path / 'restored.sqlite3'}"
        return
    settings_dict = connection.settings_dict
    server = {key.lower(): settings_dict[key] for key in ("HOST", "PORT", "USER", "PASSWORD") if settings_dict[key]}
    name = f"veiledning_restore_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(dbname="postgres", autocommit=True, **server) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        user = quote(server.get("user", "")) + (f":{quote(server['password'])}" if "password" in server else "")
        address = server.get("host", "") + (f":{server['port']}" if "port" in server else "")
        yield f"postgres://{user}@{address}/{name}"
    finally:
        with psycopg.connect(dbname="postgres", autocommit=True, **server) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _environment(database_url, **storage_variables):
    """Another machine's environment: the fresh database and its own storage, nothing of this process's.
    Empty values win over whatever a .env file holds (settings.py reads it, but the environment comes first)."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("PRIVATE_STORAGE_")}
    env.update({"PRIVATE_STORAGE_S3_BUCKET": "", **storage_variables})
    env.update(DATABASE_URL=database_url, SECRET_KEY=os.environ.get("SECRET_KEY", "only-for-tests"))
    return env


def _manage(*args, env):
    return subprocess.run(  # noqa: S603 - our own manage.py, with arguments from the test
        [sys.executable, "manage.py", *args], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=300
    )


def _drill(tmp_path, env, *, restored_files, remove_restored):
    stored = _contracts_with_documents()
    archive = tmp_path / "backup.tar"
    call_command("backup", str(archive))

    restored = _manage("restore", str(archive), env=env)
    assert restored.returncode == 0, restored.stderr
    assert f"og {len(stored)} filer" in restored.stdout
    assert restored_files() == stored

    verified = _manage("verify_documents", env=env)
    assert verified.returncode == 0, verified.stderr
    assert f"Alle {len(stored)} kontraktdokumenter finnes og stemmer" in verified.stdout

    # The check is seen to fail: a document gone from the restored storage is named, and the exit code says so.
    missing = sorted(stored)[0]
    remove_restored(missing)
    failing = _manage("verify_documents", env=env)
    assert failing.returncode == 1
    assert missing in failing.stderr
    assert f"1 av {len(stored)} kontraktdokumenter mangler eller er endret" in failing.stderr


def _folder_files(root):
    return {str(path.relative_to(root)): path.read_bytes() for path in root.rglob("*") if path.is_file()}


@pytest.mark.parametrize("vendor", ["postgresql", "sqlite"])
def test_a_backup_restores_into_a_fresh_database_and_an_empty_folder(vendor, tmp_path, fresh_database):
    _require(vendor)
    root = tmp_path / "restored-files"
    _drill(
        tmp_path,
        _environment(fresh_database, PRIVATE_STORAGE_ROOT=str(root)),
        restored_files=lambda: _folder_files(root),
        remove_restored=lambda name: (root / name).unlink(),
    )


def test_a_backup_of_the_folder_restores_into_an_empty_bucket(tmp_path, fresh_database, s3_environment, s3_client):
    bucket = s3_environment["PRIVATE_STORAGE_S3_BUCKET"]

    def bucket_files():
        keys = [entry["Key"] for entry in s3_client.list_objects_v2(Bucket=bucket).get("Contents", [])]
        return {key: s3_client.get_object(Bucket=bucket, Key=key)["Body"].read() for key in keys}

    unused = tmp_path / "unused-folder"
    _drill(
        tmp_path,
        _environment(fresh_database, PRIVATE_STORAGE_ROOT=str(unused), **s3_environment),
        restored_files=bucket_files,
        remove_restored=lambda name: s3_client.delete_object(Bucket=bucket, Key=name),
    )
    assert not unused.exists()
