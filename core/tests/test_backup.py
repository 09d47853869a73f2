"""The backup archive (core.backup): what it holds, and every way restore refuses before it writes anything.
The round trips into a fresh database and storage, with contract documents, are in
contracts/tests/test_backup_restore.py."""

import io
import json
import stat
import tarfile

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from core import backup, storage

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_files():
    private = storage.private_storage()
    return [private.save("contracts/1/a.pdf", ContentFile(b"%PDF a")), private.save("b.txt", ContentFile(b"bee"))]


def _read(archive):
    with tarfile.open(archive) as tar:
        manifest = json.load(tar.extractfile(backup.MANIFEST))
        members = {member.name: tar.extractfile(member).read() for member in tar.getmembers()}
    return manifest, members


def test_the_archive_holds_the_database_and_every_private_file_with_a_manifest(tmp_path, two_files):
    (tmp_path / "backups").mkdir()
    archive = tmp_path / "backups" / "backup.tar"
    call_command("backup", str(archive))

    manifest, members = _read(archive)
    database = backup.DATABASE_MEMBERS[connection.vendor]
    assert set(members) == {backup.MANIFEST, database, "files/contracts/1/a.pdf", "files/b.txt"}
    assert manifest["format"] == "veiledning-backup" and manifest["version"] == 1
    assert manifest["database"] == {
        "vendor": connection.vendor,
        "name": database,
        "size": len(members[database]),
        "sha256": storage.sha256_hex(members[database]),
    }
    assert manifest["files"] == [
        {"name": "b.txt", "size": 3, "sha256": storage.sha256_hex(b"bee")},
        {"name": "contracts/1/a.pdf", "size": 6, "sha256": storage.sha256_hex(b"%PDF a")},
    ]
    # It holds everyone's data: readable by its owner alone, and no half-written archive is left beside it.
    assert stat.S_IMODE(archive.stat().st_mode) == 0o600
    assert [path.name for path in archive.parent.iterdir()] == ["backup.tar"]


def test_backup_never_overwrites_an_archive_unless_forced(tmp_path):
    archive = tmp_path / "backup.tar"
    archive.write_bytes(b"last week's")
    with pytest.raises(CommandError, match="finnes fra før"):
        call_command("backup", str(archive))
    assert archive.read_bytes() == b"last week's"
    call_command("backup", str(archive), "--force")
    assert tarfile.is_tarfile(archive)


def test_restore_refuses_a_database_or_storage_that_is_not_empty(tmp_path, two_files):
    archive = tmp_path / "backup.tar"
    call_command("backup", str(archive))
    with pytest.raises(CommandError, match=r"tabeller og det private lageret har 2 filer.*--force"):
        call_command("restore", str(archive))


def _archive(tmp_path, manifest, members):
    archive = tmp_path / "made.tar"
    with tarfile.open(archive, "w") as tar:
        for name, content in {**members, backup.MANIFEST: json.dumps(manifest).encode()}.items():
            info = tarfile.TarInfo(name)
            info.size = len(content)
            tar.addfile(info, io.BytesIO(content))
    return archive


def _manifest(files, database=b"db"):
    return {
        "format": backup.FORMAT,
        "version": backup.VERSION,
        "created_at": "2026-12-01T00:00:00+00:00",
        "database": {
            "vendor": connection.vendor,
            "name": backup.DATABASE_MEMBERS[connection.vendor],
            "size": len(database),
            "sha256": storage.sha256_hex(database),
        },
        "files": [{"name": name, "size": len(data), "sha256": storage.sha256_hex(data)} for name, data in files],
    }


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("changed file", "har ikke SHA-256-summen"),
        ("missing file", "mangler"),
        ("extra member", "i tillegg"),
        ("name outside the storage", "ikke er tillatt"),
        ("other format", "ikke en sikkerhetskopi"),
    ],
)
def test_restore_refuses_an_archive_that_does_not_match_its_manifest(tmp_path, change, message):
    database = backup.DATABASE_MEMBERS[connection.vendor]
    files = [("contracts/1/a.pdf", b"%PDF a")]
    manifest = _manifest(files)
    members = {database: b"db", "files/contracts/1/a.pdf": b"%PDF a"}
    if change == "changed file":
        members["files/contracts/1/a.pdf"] = b"%PDF b"
    elif change == "missing file":
        del members["files/contracts/1/a.pdf"]
    elif change == "extra member":
        members["files/other.pdf"] = b"x"
    elif change == "name outside the storage":
        manifest = _manifest([("../a.pdf", b"%PDF a")])
        members = {database: b"db", "files/../a.pdf": b"%PDF a"}
    elif change == "other format":
        manifest["format"] = "something-else"

    with pytest.raises(CommandError, match=message):
        # Forced, so that only the archive's own check stands between it and the test database.
        call_command("restore", str(_archive(tmp_path, manifest, members)), "--force")
    assert storage.walk() == []


def test_restore_refuses_an_archive_whose_manifest_is_not_a_file(tmp_path):
    archive = tmp_path / "backup.tar"
    with tarfile.open(archive, "w") as tar:
        info = tarfile.TarInfo(backup.MANIFEST)
        info.type = tarfile.DIRTYPE
        tar.addfile(info)
    with pytest.raises(CommandError, match="ikke en vanlig fil"):
        call_command("restore", str(archive), "--force")


def test_restore_refuses_a_manifest_without_its_time_before_it_writes_anything(tmp_path):
    database = backup.DATABASE_MEMBERS[connection.vendor]
    files = [("contracts/1/a.pdf", b"%PDF a")]
    manifest = _manifest(files)
    del manifest["created_at"]
    members = {database: b"db", "files/contracts/1/a.pdf": b"%PDF a"}
    with pytest.raises(CommandError, match="created_at"):
        call_command("restore", str(_archive(tmp_path, manifest, members)), "--force")
    assert storage.walk() == []


def test_restore_refuses_what_is_not_a_tar_archive(tmp_path):
    archive = tmp_path / "backup.tar"
    archive.write_bytes(b"not a tar")
    with pytest.raises(CommandError, match="som tar-arkiv"):
        call_command("restore", str(archive))


def test_postgresql_tools_get_the_password_in_their_environment_not_on_the_command_line():
    args, env = backup._postgresql_client(
        {"NAME": "veiledning", "USER": "portal", "PASSWORD": "s3cret", "HOST": "db", "PORT": 5433, "OPTIONS": {}}
    )
    assert args == ["--dbname=veiledning", "--host=db", "--port=5433", "--username=portal"]
    assert env["PGPASSWORD"] == "s3cret"
    assert not any("s3cret" in arg for arg in args)
