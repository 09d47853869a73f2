"""Backup and restore of the portal's data: the database and the private files together, in one tar archive
with a manifest of every member's name, size and SHA-256 (`manage.py backup`, `manage.py restore`).

The archive holds:

    database.pgdump or database.sqlite3   pg_dump --format=custom, or a copy made with SQLite's backup API
    files/<storage name>                  every file in STORAGES["private"], under the name the database keeps
    manifest.json                         written last, once everything in it is known

The files are found by walking the private storage (`listdir`), not from the rows that name them. core imports
no app, so it cannot know every model that names a file, and the walk takes every private file there is: an
app that starts storing files is backed up without a change here. The database is dumped first and the files
are listed after it: a stored file is never changed or deleted, so every file the dump names is already in
the storage when the walk runs, and a file stored in between is an extra one that no restored row names.
Both go through the storage API, so a backup of a local folder restores into S3 and the other way round.
"""

import hashlib
import io
import json
import os
import posixpath
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import time
from collections.abc import Sequence
from contextlib import closing
from pathlib import Path
from typing import IO, Any, TypedDict, cast

from django.core.files.base import ContentFile
from django.core.files.storage import Storage
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.postgresql.client import DatabaseClient
from django.utils import timezone

from .storage import private_storage, sha256_hex, walk

FORMAT = "veiledning-backup"
VERSION = 1
MANIFEST = "manifest.json"
FILES = "files/"
DATABASE_MEMBERS = {"postgresql": "database.pgdump", "sqlite": "database.sqlite3"}
CHUNK = 1024 * 1024


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why, for the operator."""


class DatabaseEntry(TypedDict):
    vendor: str
    name: str
    size: int
    sha256: str


class FileEntry(TypedDict):
    name: str
    size: int
    sha256: str


class Manifest(TypedDict):
    """manifest.json: what the archive holds."""

    format: str
    version: int
    created_at: str
    database: DatabaseEntry
    files: list[FileEntry]


def backup_create(path: str | os.PathLike[str], *, using: str = DEFAULT_DB_ALIAS, force: bool = False) -> Manifest:
    """Writes the database `using` and every private file into a new tar archive at `path`; returns the
    manifest. The archive appears whole under its name or not at all, readable by its owner alone (it holds
    every person's data). An existing archive is refused unless `force`."""
    path = Path(path)
    if path.exists() and not force:
        raise BackupError(f"{path} finnes fra før. Velg et nytt navn, eller bruk --force for å skrive over.")
    if not path.parent.is_dir():
        raise BackupError(f"Mappen {path.parent} finnes ikke.")
    connection = connections[using]
    member = _database_member(connection.vendor)
    storage = private_storage()
    created_at = timezone.now().isoformat()
    # Beside the archive, so that the final rename stays on one file system.
    with tempfile.TemporaryDirectory(dir=path.parent, prefix=".backup-") as work:
        dump = Path(work) / member
        _dump_database(connection, dump)
        partial = Path(work) / "archive.tar"
        partial.touch(mode=0o600)
        with tarfile.open(partial, "w") as tar:
            size, digest = _file_digest(dump)
            manifest: Manifest = {
                "format": FORMAT,
                "version": VERSION,
                "created_at": created_at,
                "database": {"vendor": connection.vendor, "name": member, "size": size, "sha256": digest},
                "files": [],
            }
            with dump.open("rb") as file:
                tar.addfile(_member_info(member, size), file)
            for name in walk(storage):
                with storage.open(name, "rb") as file:
                    content = file.read()
                _add_bytes(tar, FILES + name, content)
                manifest["files"].append({"name": name, "size": len(content), "sha256": sha256_hex(content)})
            _add_bytes(tar, MANIFEST, json.dumps(manifest, indent=2, ensure_ascii=False).encode())
        _fsync(partial)
        os.replace(partial, path)
    return manifest


def restore_archive(path: str | os.PathLike[str], *, using: str = DEFAULT_DB_ALIAS, force: bool = False) -> Manifest:
    """Restores the database `using` and the private files from the archive at `path`; returns its manifest.

    The archive is checked whole against its manifest before anything is written. The database and the
    storage must be empty (a database just created, with no tables; a storage with no files) unless `force`,
    which replaces what the archive holds and leaves other files in the storage as they are. Every restored
    file is read back through the storage and checked against the manifest.
    """
    connection = connections[using]
    storage = private_storage()
    with _open_archive(path) as tar:
        manifest = _checked_manifest(tar)
        vendor = manifest["database"]["vendor"]
        if vendor != connection.vendor:
            raise BackupError(
                f"Arkivet har en {vendor}-database, men DATABASES[{using!r}] er {connection.vendor}. "
                "Gjenopprett til samme slags database."
            )
        if not force:
            _refuse_unless_empty(connection, storage)
        with tempfile.TemporaryDirectory(prefix="veiledning-restore-") as work:
            dump = Path(work) / manifest["database"]["name"]
            with _extract(tar, manifest["database"]["name"]) as source, dump.open("wb") as target:
                shutil.copyfileobj(source, target, CHUNK)
            _restore_database(connection, dump, clean=force)
        for entry in manifest["files"]:
            with _extract(tar, FILES + entry["name"]) as source:
                content = source.read()
            if force and storage.exists(entry["name"]):
                storage.delete(entry["name"])
            saved = storage.save(entry["name"], ContentFile(content))
            if saved != entry["name"]:
                raise BackupError(f"{entry['name']} ble lagret som {saved}: lageret har en fil med det navnet.")
    failed = [entry["name"] for entry in manifest["files"] if not _stored_as_in_manifest(storage, entry)]
    if failed:
        raise BackupError(f"{len(failed)} filer stemmer ikke etter gjenopprettingen: {', '.join(failed[:10])}")
    return manifest


def _open_archive(path: str | os.PathLike[str]) -> tarfile.TarFile:
    try:
        return tarfile.open(path, "r:*")
    except (OSError, tarfile.TarError) as error:
        raise BackupError(f"Kan ikke lese {path} som tar-arkiv: {error}") from error


# The database


def _database_member(vendor: str) -> str:
    if vendor not in DATABASE_MEMBERS:
        raise BackupError(f"Sikkerhetskopi støtter PostgreSQL og SQLite, ikke {vendor}.")
    return DATABASE_MEMBERS[vendor]


def _postgresql_client(settings_dict: dict[str, Any]) -> tuple[list[str], dict[str, str]]:
    """Connection options for pg_dump and pg_restore, and their environment. Django's own dbshell code puts
    the password (and the TLS options) in PGPASSWORD and friends, never on the command line, where any user
    of the machine could read it in the process list."""
    _, env = DatabaseClient.settings_to_cmd_args_env(settings_dict, [])
    args = [f"--dbname={settings_dict['NAME']}"]
    for option, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
        if settings_dict.get(key):
            args.append(f"{option}={settings_dict[key]}")
    return args, {**os.environ, **(env or {})}


def _run(command: Sequence[str], env: dict[str, str]) -> None:
    try:
        result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    except FileNotFoundError as error:
        raise BackupError(
            f"{command[0]} finnes ikke på maskinen (Debian: apt-get install postgresql-client)."
        ) from error
    if result.returncode != 0:
        raise BackupError(f"{command[0]} feilet (kode {result.returncode}): {result.stderr.strip()}")


def _dump_database(connection: BaseDatabaseWrapper, target: Path) -> None:
    if connection.vendor == "postgresql":
        args, env = _postgresql_client(connection.settings_dict)
        _run(["pg_dump", "--format=custom", f"--file={target}", *args], env)
    else:
        # SQLite's backup API copies a consistent snapshot, even while the portal writes.
        connection.ensure_connection()
        with closing(sqlite3.connect(target)) as destination:
            connection.connection.backup(destination)


def _restore_database(connection: BaseDatabaseWrapper, dump: Path, *, clean: bool) -> None:
    if connection.vendor == "postgresql":
        args, env = _postgresql_client(connection.settings_dict)
        # One transaction: a restore that fails leaves the database as it was. Objects are owned by the user
        # restoring, whatever the user that made the backup was called.
        options = ["--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction"]
        if clean:
            options += ["--clean", "--if-exists"]
        _run(["pg_restore", *options, *args, str(dump)], env)
    else:
        # The backup API replaces the whole database, page by page, so "clean" needs nothing more.
        connection.ensure_connection()
        with closing(sqlite3.connect(dump)) as source:
            source.backup(connection.connection)
    # Whatever Django knew of the old database (open transactions, cached introspection) is gone.
    connection.close()


def _refuse_unless_empty(connection: BaseDatabaseWrapper, storage: Storage) -> None:
    problems = []
    tables = connection.introspection.table_names()
    if tables:
        problems.append(f"databasen {connection.settings_dict['NAME']} har {len(tables)} tabeller")
    files = walk(storage)
    if files:
        problems.append(f"det private lageret har {len(files)} filer")
    if problems:
        raise BackupError(
            f"Gjenoppretter bare til en tom database og et tomt lager, men {' og '.join(problems)}. "
            "Gjenopprett til en ny, tom database og et tomt lager, eller bruk --force for å skrive over."
        )


# The archive


def _member_info(name: str, size: int) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size = size
    info.mode = 0o600
    info.mtime = int(time.time())
    return info


def _add_bytes(tar: tarfile.TarFile, name: str, content: bytes) -> None:
    tar.addfile(_member_info(name, len(content)), io.BytesIO(content))


def _file_digest(path: Path) -> tuple[int, str]:
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as file:
        while chunk := file.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


def _fsync(path: Path) -> None:
    with open(path, "rb") as file:
        os.fsync(file.fileno())


def _extract(tar: tarfile.TarFile, member: str | tarfile.TarInfo) -> IO[bytes]:
    """The contents of `member`, which must be a regular file (tarfile gives None for anything else)."""
    file = tar.extractfile(member)
    if file is None:
        name = member if isinstance(member, str) else member.name
        raise BackupError(f"{name} i arkivet er ikke en vanlig fil.")
    return file


def _checked_manifest(tar: tarfile.TarFile) -> Manifest:
    """The archive's manifest, once every member it lists is in the archive with its size and SHA-256, and
    the archive holds nothing else."""
    try:
        with _extract(tar, MANIFEST) as file:
            manifest = json.load(file)
    except (KeyError, AttributeError, ValueError) as error:
        raise BackupError(f"Arkivet har ikke noe lesbart {MANIFEST}: {error}") from error
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT or manifest.get("version") != VERSION:
        raise BackupError(f"Arkivet er ikke en sikkerhetskopi av Veiledning i format {VERSION}.")
    try:
        if not isinstance(manifest["created_at"], str):
            raise BackupError(f"{MANIFEST} i arkivet har ikke noe gyldig tidspunkt (created_at).")
        database = manifest["database"]
        if database["name"] != _database_member(database["vendor"]):
            raise BackupError(f"Databasen i arkivet har et ukjent navn: {database['name']}")
        expected = {database["name"]: database}
        for entry in manifest["files"]:
            name = entry["name"]
            if name.startswith("/") or ".." in name.split("/") or posixpath.normpath(name) != name:
                raise BackupError(f"Arkivet har et filnavn som ikke er tillatt: {name}")
            expected[FILES + name] = entry
    except (KeyError, TypeError, AttributeError) as error:
        raise BackupError(f"{MANIFEST} i arkivet mangler {error}.") from error
    members = {member.name: member for member in tar.getmembers() if member.name != MANIFEST}
    if set(members) != set(expected):
        missing, extra = sorted(set(expected) - set(members)), sorted(set(members) - set(expected))
        raise BackupError(f"Arkivet stemmer ikke med manifestet: mangler {missing[:10]}, i tillegg {extra[:10]}.")
    for name, entry in expected.items():
        member = members[name]
        if not member.isfile() or member.size != entry["size"]:
            raise BackupError(f"{name} i arkivet har ikke størrelsen manifestet oppgir.")
        digest = hashlib.sha256()
        with _extract(tar, member) as file:
            while chunk := file.read(CHUNK):
                digest.update(chunk)
        if digest.hexdigest() != entry["sha256"]:
            raise BackupError(f"{name} i arkivet har ikke SHA-256-summen manifestet oppgir.")
    # Every part of it that a restore reads has been checked above.
    return cast(Manifest, manifest)


def _stored_as_in_manifest(storage: Storage, entry: FileEntry) -> bool:
    try:
        with storage.open(entry["name"], "rb") as file:
            return sha256_hex(file.read()) == entry["sha256"]
    except FileNotFoundError:
        return False
