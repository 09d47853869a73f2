"""PDFs made in the background and kept privately: the one way the portal makes a document too long to render in
a request (the survey report, the programme reports). Imports no app.

A request for a PDF is a row (a `PdfJob` subclass) with `requested_at` set: the background job claims it with
SELECT … FOR UPDATE SKIP LOCKED and keeps it locked, in a transaction of its own, until the PDF is stored. So a
lost Celery message loses nothing (beat or cron finds the row), a second worker skips it, and a worker that dies
half-way leaves it queued. A render that fails is recorded on the row, for the page to show with «Prøv igjen»,
and is not tried again until someone asks. The PDF made before stays downloadable until the next one is
stored."""

import logging
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from django.conf import settings
from django.db import models, transaction
from django.db.models import QuerySet
from django.utils import timezone

from .storage import private_storage, sha256_hex, write_bytes

logger = logging.getLogger(__name__)

FAILED_MESSAGE = "PDF-en av rapporten kunne ikke lages."
# The failure text kept on the row (an exception's message can be long).
ERROR_LENGTH = 2000


class PdfJob(models.Model):
    """The fields every background PDF has; a subclass adds what the PDF is of."""

    requested_at = models.DateTimeField("bestilt", null=True, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    path = models.CharField("lagret som", max_length=300, blank=True, editable=False)
    sha256 = models.CharField(max_length=64, blank=True, editable=False)
    made_at = models.DateTimeField("laget", null=True, blank=True)
    failed_at = models.DateTimeField("feilet", null=True, blank=True)
    error = models.TextField("feilmelding", blank=True)

    class Meta:
        abstract = True

    @property
    def is_made(self) -> bool:
        return bool(self.path)


Job = TypeVar("Job", bound=PdfJob)


def job_request(jobs: QuerySet[Job], *, user: Any, **of: Any) -> tuple[Job, bool]:
    """Asks for the PDF of the row `of` (made if missing): returns it and whether this call queued it. A
    request already waiting is left as it is, so a double click queues one render. The caller queues the
    background job (core.background.send_soon) in its transaction."""
    with transaction.atomic():
        job, _ = jobs.get_or_create(**of)
        job = jobs.select_for_update().get(pk=job.pk)
        if job.requested_at is not None:
            return job, False
        job.requested_at = timezone.now()
        job.requested_by = user
        job.save(update_fields=["requested_at", "requested_by"])
        return job, True


def jobs_render_due(jobs: QuerySet[Job], render: Callable[[Job], None], *, limit: int | None = None) -> int:
    """Claims the rows asked for, oldest first, and hands each to `render` (which calls job_made or
    job_failed) in a transaction that keeps it locked, until none is left or `limit` were tried. Returns how
    many were tried."""
    tried = 0
    while limit is None or tried < limit:
        with transaction.atomic():
            job = (
                jobs.select_for_update(skip_locked=True, of=("self",))
                .filter(requested_at__isnull=False)
                .order_by("requested_at", "pk")
                .first()
            )
            if job is None:
                break
            tried += 1
            render(job)
    return tried


def job_made(job: PdfJob, content: bytes, *, name: str, fields: Iterable[str] = ()) -> None:
    """Stores `content` privately as `name` and records it on the locked row, with the caller's own `fields`
    (set on `job` before the call). The file made before is deleted once the row no longer names it."""
    old = job.path
    job.path = write_bytes(name, content)
    job.sha256 = sha256_hex(content)
    job.made_at = timezone.now()
    job.requested_at = None
    job.failed_at = None
    job.error = ""
    job.save(update_fields=["path", "sha256", "made_at", "requested_at", "failed_at", "error", *fields])
    if old:
        # Only after the commit: until then a download may still be reading the old file.
        transaction.on_commit(lambda: _delete_quietly(old))


def job_failed(job: PdfJob, error: Exception) -> str:
    """Records that the render failed and returns the message kept on the row. PdfRenderError (core.pdf) and any
    other failure (a template error, a static file missing from the manifest, the storage) is rarely transient,
    so it waits for a person («Prøv igjen»), not for a retry."""
    logger.exception("%s %s could not be made; waiting for «Prøv igjen».", type(job).__name__, job.pk)
    message = f"{FAILED_MESSAGE} Feil: {str(error) or type(error).__name__}"[:ERROR_LENGTH]
    type(job)._default_manager.filter(pk=job.pk).update(requested_at=None, failed_at=timezone.now(), error=message)
    return message


def _delete_quietly(path: str) -> None:
    try:
        private_storage().delete(path)
    except Exception:  # an old copy left behind is harmless; the row no longer names it
        logger.warning("Could not delete the old PDF %s.", path, exc_info=True)
