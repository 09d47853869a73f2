"""An uploaded file for the group's documents, checked before any of it is stored: its size (before its bytes
are read) and its type, from its content (core.file_types)."""

from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile

from core.file_types import FileType, check_upload


@dataclass(frozen=True)
class CheckedUpload:
    """A file whose content is one of the allowed types and within GROUP_DOCUMENT_MAX_BYTES."""

    name: str
    content: bytes
    file_type: FileType


def too_large_message() -> str:
    return f"Filen er for stor. Den kan være på høyst {settings.GROUP_DOCUMENT_MAX_BYTES // (1024 * 1024)} MB."


def group_document_check(*, name: str, content: bytes) -> CheckedUpload:
    """`content` (uploaded as `name`) as a CheckedUpload, or ValidationError in Norwegian."""
    if len(content) > settings.GROUP_DOCUMENT_MAX_BYTES:
        raise ValidationError(too_large_message(), code="too_large")
    if not content:
        raise ValidationError("Filen er tom.", code="empty")
    return CheckedUpload(name=name, content=content, file_type=check_upload(content, name=name))


def group_document_check_upload(upload: UploadedFile) -> CheckedUpload:
    """As `group_document_check`, for a file from a form: its size is checked before its bytes are read, so
    that an oversized file is never held in memory."""
    if upload.size is not None and upload.size > settings.GROUP_DOCUMENT_MAX_BYTES:
        raise ValidationError(too_large_message(), code="too_large")
    return group_document_check(name=upload.name or "", content=upload.read())
