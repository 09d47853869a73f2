"""Private storage of contract PDFs: bytes on disk under PRIVATE_STORAGE_ROOT, never reachable by URL,
named by the database row. Reads re-hash the bytes so that a changed file is never handed out."""

import hashlib
import os
import secrets
from pathlib import Path

from django.conf import settings


class DocumentTampered(Exception):
    """The stored bytes no longer have the SHA-256 the database holds (or the file is gone)."""


def sha256_hex(content):
    return hashlib.sha256(content).hexdigest()


def _root():
    # Read on every call, so that tests and deployments can move the folder through settings.
    return Path(settings.PRIVATE_STORAGE_ROOT)


def write_bytes(folder, content):
    """Writes `content` to a new file under the private root and returns its relative path.

    The name is random and the file is written beside its final place and renamed, so that a crash
    never leaves half a PDF under a name the database points to.
    """
    relative = f"{folder}/{secrets.token_hex(16)}.pdf"
    target = _root() / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_suffix(".tmp")
    # Readable by the portal's own user alone: the folder may sit on a machine other accounts use.
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(content)
        file.flush()
        os.fsync(file.fileno())
    os.replace(temporary, target)
    return relative


def full_path(relative):
    root = _root().resolve()
    path = (root / relative).resolve()
    if root not in path.parents:
        raise DocumentTampered(f"Path outside the private storage: {relative}")
    return path


def read_verified(relative, expected_sha256):
    """The stored bytes, if they still hash to `expected_sha256`; otherwise DocumentTampered."""
    try:
        content = full_path(relative).read_bytes()
    except OSError as error:
        raise DocumentTampered(f"Cannot read {relative}: {error}") from error
    if sha256_hex(content) != expected_sha256:
        raise DocumentTampered(f"{relative} does not match its stored SHA-256")
    return content
