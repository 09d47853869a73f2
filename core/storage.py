"""Private files (signed contracts and the like), kept through Django's storage API under the alias
`STORAGES["private"]`, so that every web server and worker reads and writes the same files: a local folder
(`PrivateFileSystemStorage`, the default) or S3-compatible object storage (django-storages' S3Storage, set from
the environment in settings.py). Nothing here is reachable by URL; the bytes are handed out only by views that
check access and re-hash them with `read_verified`.

The names these helpers return are storage names (`contracts/12/3f…e1.pdf`), stored in the database; they mean
the same file on every backend, which is what lets a backup of one storage be restored into another."""

import hashlib
import os
import posixpath
import secrets
from typing import Any, NoReturn

from django.core.exceptions import SuspiciousOperation
from django.core.files.base import ContentFile, File
from django.core.files.storage import FileSystemStorage, Storage, storages

PRIVATE = "private"


class DocumentTampered(Exception):
    """The stored bytes no longer have the SHA-256 the database holds, or the file is gone."""


class PrivateFileSystemStorage(FileSystemStorage):
    """A local folder for private files: readable by the portal's own user alone, never given a URL, and
    written to disk before the name is handed back.

    The folder may sit on a machine that other accounts use, hence 0600 files in 0700 folders. Django writes
    a new file under its final name with O_EXCL (so nothing is ever overwritten); the fsync makes sure that
    the bytes are on disk before the caller commits a row that names them, so that not even a power cut
    leaves a row pointing at half a file.
    """

    def __init__(self, location: str | os.PathLike[str] | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("file_permissions_mode", 0o600)
        kwargs.setdefault("directory_permissions_mode", 0o700)
        # No base_url: there is nothing that serves this folder, and url() must say so.
        super().__init__(location=location, **kwargs)

    def _save(self, name: str, content: File[Any]) -> str:
        # Storage._save is the hook Django documents for storages to override; the stubs leave it out.
        name = super()._save(name, content)  # type: ignore[misc]
        path = self.path(name)
        for target, flags in ((path, os.O_RDONLY), (os.path.dirname(path), os.O_RDONLY | os.O_DIRECTORY)):
            descriptor = os.open(target, flags)
            try:
                os.fsync(descriptor)
            finally:
                os.close(descriptor)
        return name

    def url(self, name: str | None) -> NoReturn:
        raise ValueError("Private files have no URL; a permission-checked view serves them.")


def private_storage() -> Storage:
    """The storage of private files. Looked up on every call, so that a change of STORAGES (in tests)
    takes effect; Django keeps one instance per alias and process."""
    return storages[PRIVATE]


def sha256_hex(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def write_bytes(folder: str, content: bytes, *, extension: str = ".pdf") -> str:
    """Stores `content` under a new random name in `folder` and returns the storage name to keep.

    The name holds 128 random bits, so it can neither be guessed nor collide; the storage refuses to
    overwrite all the same (O_EXCL locally, `file_overwrite=False` on S3) and would pick another name,
    which is why the name returned, not the one asked for, is what the caller keeps. On S3 an object
    becomes visible only once its upload is complete, so there is never half a file under a name either.
    """
    requested = f"{folder}/{secrets.token_hex(16)}{extension}"
    return private_storage().save(requested, ContentFile(content))


def read_verified(name: str, expected_sha256: str) -> bytes:
    """The stored bytes of `name`, if they still hash to `expected_sha256`.

    Raises DocumentTampered if the file is missing or its bytes changed (or the name points outside the
    storage). Any other failure, such as an object store that does not answer, is raised as it is: it says
    nothing about the document, and must not be recorded as tampering.
    """
    try:
        with private_storage().open(name, "rb") as file:
            content = file.read()
    except (FileNotFoundError, IsADirectoryError, SuspiciousOperation) as error:
        raise DocumentTampered(f"Cannot read {name}: {error}") from error
    if sha256_hex(content) != expected_sha256:
        raise DocumentTampered(f"{name} does not match its stored SHA-256")
    return content


def walk(storage: Storage | None = None, folder: str = "") -> list[str]:
    """Every file name in the storage under `folder`, sorted, found by walking `listdir` (so it works the
    same on a local folder and on S3, whose «folders» are key prefixes). A folder not yet created is empty."""
    storage = storage or private_storage()
    try:
        directories, files = storage.listdir(folder)
    except FileNotFoundError:
        return []
    names = [posixpath.join(folder, file) if folder else file for file in files]
    for directory in directories:
        names += walk(storage, posixpath.join(folder, directory) if folder else directory)
    return sorted(names)
