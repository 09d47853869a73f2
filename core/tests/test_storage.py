"""Private files through STORAGES["private"]: on the local folder and on S3-compatible object storage
(moto's server behind an endpoint URL), written once under a random name and read back only when they still
hash to what the database holds."""

import stat
from pathlib import Path

import pytest
from botocore.exceptions import EndpointConnectionError
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from storages.backends.s3 import S3Storage

from core import storage
from core.tests.s3 import private_storage_from_env

CONTENT = b"%PDF-1.7\n% a contract\n"


def test_it_writes_under_a_random_name_and_reads_back_verified():
    name = storage.write_bytes("contracts/7", CONTENT)
    assert name.startswith("contracts/7/") and name.endswith(".pdf")
    assert len(Path(name).stem) == 32
    assert storage.read_verified(name, storage.sha256_hex(CONTENT)) == CONTENT
    assert storage.write_bytes("contracts/7", CONTENT) != name


def test_the_local_folder_is_private_to_the_portals_user_and_has_no_url():
    name = storage.write_bytes("contracts/7", CONTENT)
    path = Path(settings.PRIVATE_STORAGE_ROOT) / name
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    for folder in (path.parent, path.parent.parent, Path(settings.PRIVATE_STORAGE_ROOT)):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    with pytest.raises(ValueError, match="no URL"):
        storage.private_storage().url(name)


def test_the_local_storage_never_overwrites():
    private = storage.private_storage()
    name = private.save("contracts/1/a.pdf", ContentFile(CONTENT))
    assert private.save(name, ContentFile(b"other")) != name
    assert private.open(name).read() == CONTENT


def test_a_changed_file_is_tampered():
    name = storage.write_bytes("contracts/7", CONTENT)
    (Path(settings.PRIVATE_STORAGE_ROOT) / name).write_bytes(CONTENT + b"changed")
    with pytest.raises(storage.DocumentTampered, match="does not match"):
        storage.read_verified(name, storage.sha256_hex(CONTENT))


def test_a_missing_file_or_one_outside_the_storage_is_tampered():
    with pytest.raises(storage.DocumentTampered):
        storage.read_verified("contracts/7/gone.pdf", storage.sha256_hex(CONTENT))
    with pytest.raises(storage.DocumentTampered):
        storage.read_verified("../../etc/passwd", storage.sha256_hex(CONTENT))


def test_walk_lists_every_file_in_every_folder():
    names = [storage.write_bytes(f"contracts/{pk}", CONTENT) for pk in (1, 2, 2)]
    names.append(storage.private_storage().save("top.txt", ContentFile(b"x")))
    assert storage.walk() == sorted(names)


def test_walk_of_a_folder_not_yet_made_is_empty():
    assert not Path(settings.PRIVATE_STORAGE_ROOT).exists()
    assert storage.walk() == []


# Configuration from the environment, as settings.py reads it.


def test_without_a_bucket_the_private_files_stay_in_the_local_folder(monkeypatch, tmp_path):
    config = private_storage_from_env(monkeypatch, PRIVATE_STORAGE_ROOT=tmp_path / "files")
    assert config["BACKEND"] == "core.storage.PrivateFileSystemStorage"
    assert str(config["OPTIONS"]["location"]) == str(tmp_path / "files")


def test_a_bucket_in_the_environment_moves_them_to_object_storage(monkeypatch):
    config = private_storage_from_env(
        monkeypatch,
        PRIVATE_STORAGE_S3_BUCKET="veiledning-private",
        PRIVATE_STORAGE_S3_ENDPOINT_URL="https://s3.example.no",
        PRIVATE_STORAGE_S3_REGION="no-east-1",
        PRIVATE_STORAGE_S3_ACCESS_KEY_ID="key",
        PRIVATE_STORAGE_S3_SECRET_ACCESS_KEY="secret",
        PRIVATE_STORAGE_S3_ADDRESSING_STYLE="path",
        PRIVATE_STORAGE_S3_PREFIX="prod",
    )
    assert config["BACKEND"] == "storages.backends.s3.S3Storage"
    assert config["OPTIONS"] == {
        "bucket_name": "veiledning-private",
        "endpoint_url": "https://s3.example.no",
        "region_name": "no-east-1",
        "access_key": "key",
        "secret_key": "secret",
        "addressing_style": "path",
        "location": "prod",
        "default_acl": "private",
        "file_overwrite": False,
        "querystring_auth": True,
        "querystring_expire": 60,
    }
    # An AWS bucket with ACLs disabled refuses every canned ACL but its own: an empty value sends none.
    config = private_storage_from_env(monkeypatch, PRIVATE_STORAGE_S3_BUCKET="b", PRIVATE_STORAGE_S3_ACL="")
    assert config["OPTIONS"]["default_acl"] is None


# S3-compatible object storage (moto's server, through its endpoint URL).


def test_s3_round_trip(s3_private_storage, s3_client):
    assert isinstance(storage.private_storage(), S3Storage)
    name = storage.write_bytes("contracts/7", CONTENT)

    assert storage.read_verified(name, storage.sha256_hex(CONTENT)) == CONTENT
    head = s3_client.head_object(Bucket=s3_private_storage, Key=name)
    assert head["ContentLength"] == len(CONTENT)
    assert head["ContentType"] == "application/pdf"
    grants = s3_client.get_object_acl(Bucket=s3_private_storage, Key=name)["Grants"]
    assert [grant["Permission"] for grant in grants] == ["FULL_CONTROL"]  # the owner's alone: nothing public
    assert storage.walk() == [name]


def test_s3_never_overwrites(s3_private_storage):
    private = storage.private_storage()
    name = private.save("contracts/1/a.pdf", ContentFile(CONTENT))
    assert private.save(name, ContentFile(b"other")) != name
    assert private.open(name).read() == CONTENT


def test_s3_a_changed_object_is_tampered(s3_private_storage, s3_client):
    name = storage.write_bytes("contracts/7", CONTENT)
    s3_client.put_object(Bucket=s3_private_storage, Key=name, Body=CONTENT + b"changed")
    with pytest.raises(storage.DocumentTampered, match="does not match"):
        storage.read_verified(name, storage.sha256_hex(CONTENT))


def test_s3_a_missing_object_is_tampered(s3_private_storage, s3_client):
    name = storage.write_bytes("contracts/7", CONTENT)
    s3_client.delete_object(Bucket=s3_private_storage, Key=name)
    with pytest.raises(storage.DocumentTampered, match="Cannot read"):
        storage.read_verified(name, storage.sha256_hex(CONTENT))


def test_s3_an_object_store_that_does_not_answer_is_not_tampering(settings, monkeypatch, s3_environment):
    # Port 9 on the loopback: nothing listens, so every request fails to connect.
    unreachable = {**s3_environment, "PRIVATE_STORAGE_S3_ENDPOINT_URL": "http://127.0.0.1:9"}
    settings.STORAGES = {**settings.STORAGES, "private": private_storage_from_env(monkeypatch, **unreachable)}
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    with pytest.raises(EndpointConnectionError):
        storage.read_verified("contracts/7/a.pdf", storage.sha256_hex(CONTENT))


def test_s3_walk_lists_every_object_under_the_prefix(settings, monkeypatch, s3_environment, s3_client):
    bucket = s3_environment["PRIVATE_STORAGE_S3_BUCKET"]
    s3_client.put_object(Bucket=bucket, Key="someone-else/file.txt", Body=b"not ours")
    settings.STORAGES = {
        **settings.STORAGES,
        "private": private_storage_from_env(monkeypatch, **s3_environment, PRIVATE_STORAGE_S3_PREFIX="veiledning"),
    }
    names = [storage.write_bytes(f"contracts/{pk}", CONTENT) for pk in (1, 2, 2)]
    assert storage.walk() == sorted(names)
    assert all(
        key.startswith("veiledning/contracts/") or key.startswith("someone-else/") for key in _keys(s3_client, bucket)
    )


def _keys(client, bucket):
    return [entry["Key"] for entry in client.list_objects_v2(Bucket=bucket).get("Contents", [])]


def test_the_local_default_is_a_file_system_storage():
    assert isinstance(storage.private_storage(), FileSystemStorage)
