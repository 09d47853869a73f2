"""The outbox: every e-mail the portal sends is an `Email` row, sent once by `core.outbox`.

Apps that send e-mail later than when they decide to (a reminder a week before a meeting, a survey
round) keep their own schedule rows, built on `ScheduledEmail`: when such a row falls due, its e-mail
is rendered and put in the outbox in the same transaction (`core.outbox.hand_over`)."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class Email(models.Model):
    """One e-mail to one address. The body and attachments are kept until the e-mail has gone (it may carry a
    personal link), then cleared; what was sent to whom, and when, stays. A row that failed or was stopped keeps
    them, so a mail about something an app deletes carries `about`, and the app deletes its rows with it
    (`delete_mails_about`)."""

    class Status(models.TextChoices):
        PENDING = "pending", "Venter"
        SENDING = "sending", "Sendes"
        SENT = "sent", "Sendt"
        FAILED = "failed", "Feilet"
        CANCELLED = "cancelled", "Stoppet (ikke lenger aktuell)"

    to = models.EmailField("til")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="emails",
        verbose_name="mottaker",
    )
    # The mail template it was rendered from, e.g. "meetings/email/before_meeting"; for code and filters.
    template = models.CharField("mal", max_length=200)
    subject = models.CharField("emne", max_length=300)
    body = models.TextField("tekst", blank=True)
    html = models.TextField("HTML", blank=True)
    # [{"filename": …, "mimetype": …, "content": base64}]: calendar entries, an application's receipt PDF.
    attachments = models.JSONField("vedlegg", default=list, blank=True)
    # Fixed when queued, so that a message sent again carries the same Message-ID and can be recognised.
    message_id = models.CharField("Message-ID", max_length=200, unique=True)
    created_at = models.DateTimeField("opprettet", default=timezone.now)
    due_at = models.DateTimeField("sendes", default=timezone.now)
    status = models.CharField("status", max_length=20, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField("forsøk", default=0)
    # Set when a worker claims the row; only the worker holding this claim may send it.
    claim = models.UUIDField(null=True, blank=True, editable=False)
    claimed_at = models.DateTimeField("sist forsøkt", null=True, blank=True)
    sent_at = models.DateTimeField("sendt", null=True, blank=True)
    last_error = models.TextField("siste feil", blank=True)
    # What the mail is about, as "<app_label>.<model>:<pk>" (`about_key`), when the app deletes that thing
    # and its mails with it; core imports no app, so a key, not a foreign key.
    about = models.CharField("gjelder", max_length=100, blank=True, editable=False)

    class Meta:
        verbose_name = "e-post"
        verbose_name_plural = "e-poster"
        ordering = ["-created_at", "-pk"]
        indexes = [
            # The sender's query: due pending rows. A partial index stays as small as the queue.
            models.Index(fields=["due_at"], condition=Q(status="pending"), name="email_pending_due"),
            models.Index(fields=["claimed_at"], condition=Q(status="sending"), name="email_sending_claimed"),
            models.Index(fields=["status", "created_at"], name="email_status_created"),
            models.Index(fields=["about"], condition=~Q(about=""), name="email_about"),
        ]

    def __str__(self) -> str:
        return f"{self.subject} → {self.to}"

    @staticmethod
    def new_message_id() -> str:
        domain = settings.DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1].strip("> ") or "localhost"
        return f"<{uuid.uuid4().hex}@{domain}>"


class ScheduledEmail(models.Model):
    """A schedule row: an e-mail an app will send when `due_at` comes, rendered only then, so that it
    says what is true at that moment. `core.outbox.hand_over` claims due rows once each and either puts
    their e-mail in the outbox (`email`) or records why it is no longer worth sending."""

    class Status(models.TextChoices):
        PENDING = "pending", "Venter"
        QUEUED = "queued", "Lagt i utboksen"
        SKIPPED = "skipped", "Ikke sendt (ikke lenger aktuell)"
        CANCELLED = "cancelled", "Avbrutt"

    due_at = models.DateTimeField("sendes")
    status = models.CharField("status", max_length=20, choices=Status.choices, default=Status.PENDING)
    email = models.OneToOneField(
        Email, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="e-post"
    )
    # Why a row was skipped or cancelled.
    reason = models.CharField("grunn", max_length=300, blank=True)

    class Meta:
        abstract = True


class Revised(models.Model):
    """A row that edit forms guard against lost updates (core.concurrency): `revision` rises with every saved
    change of what the forms show, and who saved it and when are kept for the message to whoever is refused."""

    revision = models.PositiveIntegerField("revisjon", default=0, editable=False)
    revised_at = models.DateTimeField("sist lagret", null=True, blank=True, editable=False)
    revised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name="sist lagret av",
    )

    class Meta:
        abstract = True
