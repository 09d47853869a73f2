"""The evaluation survey: a questionnaire per portfolio, personal invitations, responses and answers,
the coding of open answers, and the e-mails (invitations and reminder rounds) as claimed rows."""

import base64
import hashlib
import hmac
import secrets
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from django import forms
from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from core.limits import LONG_TEXT, SHORT_TEXT, max_length_checks
from core.models import ScheduledEmail
from core.pdf_jobs import PdfJob
from municipalities.models import OWNER_ROLES, MunicipalityGroup, Role
from portfolios.models import Portfolio

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from accounts.models import User


class Level(models.TextChoices):
    """The respondent's level, as the report splits the answers (figure 7)."""

    OWNER = "eier", "Eier"
    LEADER = "leder", "Leder"
    TEACHER = "laerer", "Lærer"
    COORDINATOR = "koordinator", "Koordinator"
    OTHER = "annen", "Annen deltaker"


def level_for_role(role: str) -> Level:
    if role in OWNER_ROLES:
        return Level.OWNER
    levels: dict[str, Level] = {
        Role.LEADER: Level.LEADER,
        Role.RESOURCE_TEACHER: Level.TEACHER,
        Role.COORDINATOR: Level.COORDINATOR,
    }
    return levels.get(role, Level.OTHER)


class SurveyQuerySet(models.QuerySet["Survey"]):
    def visible_to(self, user: "User | AnonymousUser") -> "SurveyQuerySet":
        """The survey's staff pages (results, coding, exports) are the programme leader's alone."""
        if user.is_authenticated and user.is_programme_leader:
            return self.all()
        return self.none()


class Survey(models.Model):
    portfolio = models.ForeignKey(
        Portfolio, on_delete=models.PROTECT, related_name="surveys", verbose_name="portefølje"
    )
    title = models.CharField("tittel", max_length=300)
    introduction = models.TextField("innledning", blank=True, max_length=LONG_TEXT)
    opens_at = models.DateTimeField("åpner")
    closes_at = models.DateTimeField("stenger")
    anonymous = models.BooleanField(
        "anonym",
        default=True,
        help_text="Resultatene viser ingen celle med færre enn tre svar, og ingen navn eller gruppe ved de åpne "
        "svarene; eksportene er anonymisert.",
    )
    roles = models.JSONField(
        "roller som spørres",
        default=list,
        blank=True,
        help_text="Deltakere med disse rollene i porteføljens kommunegrupper får invitasjon.",
    )
    copied_from = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="copies", verbose_name="kopiert fra"
    )
    created_at = models.DateTimeField("opprettet", auto_now_add=True)

    objects = SurveyQuerySet.as_manager()

    class Meta:
        verbose_name = "spørreundersøkelse"
        verbose_name_plural = "spørreundersøkelser"
        ordering = ["-opens_at", "pk"]
        constraints = [
            *max_length_checks("survey", introduction=LONG_TEXT),
            models.CheckConstraint(condition=Q(closes_at__gt=models.F("opens_at")), name="survey_closes_after_opening"),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.portfolio})"

    def get_absolute_url(self) -> str:
        return reverse("surveys:results", kwargs={"pk": self.pk})

    def is_open(self, now: datetime | None = None) -> bool:
        now = now or timezone.now()
        return self.opens_at <= now < self.closes_at

    def has_closed(self, now: datetime | None = None) -> bool:
        return (now or timezone.now()) >= self.closes_at

    def roles_display(self) -> str:
        return ", ".join(Role(r).label for r in self.roles if r in Role.values)


class Category(models.Model):
    """A theme the open answers are coded into (Forventninger, Forankring …), with its finding."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="categories", verbose_name="undersøkelse")
    order = models.PositiveSmallIntegerField("rekkefølge", default=0)
    name = models.CharField("navn", max_length=200)
    description = models.TextField("beskrivelse", blank=True, max_length=SHORT_TEXT)
    finding = models.TextField("funn", blank=True, max_length=LONG_TEXT)

    # Attached by the views for their templates, never stored: the coding page's form for the finding
    # (views.coding: a FindingForm) and the report's results of the category's questions
    # (views._report_context: selectors.QuestionResult). Typed loosely, since forms and selectors import
    # this module and no two modules may import each other.
    form: forms.Form
    results: Sequence[object]

    class Meta:
        verbose_name = "kategori"
        verbose_name_plural = "kategorier"
        ordering = ["order", "pk"]
        constraints = [
            *max_length_checks("category", description=SHORT_TEXT, finding=LONG_TEXT),
            models.UniqueConstraint(fields=["survey", "name"], name="survey_category_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class Page(models.Model):
    """One screen of questions; a phone shows one page at a time."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="pages", verbose_name="undersøkelse")
    order = models.PositiveSmallIntegerField("rekkefølge", default=0)
    title = models.CharField("overskrift", max_length=200)
    introduction = models.TextField("innledning", blank=True, max_length=LONG_TEXT)

    class Meta:
        verbose_name = "side"
        verbose_name_plural = "sider"
        ordering = ["order", "pk"]
        constraints = [*max_length_checks("page", introduction=LONG_TEXT)]

    def __str__(self) -> str:
        return self.title


class Question(models.Model):
    class Kind(models.TextChoices):
        SCALE = "scale", "Skala 1–6"
        MATRIX = "matrix", "Matrise av skalaspørsmål"
        SINGLE = "single", "Ett valg"
        MULTIPLE = "multiple", "Flere valg"
        TEXT = "text", "Åpent spørsmål"

    CLOSED_KINDS = (Kind.SCALE, Kind.MATRIX, Kind.SINGLE, Kind.MULTIPLE)
    SCALE_KINDS = (Kind.SCALE, Kind.MATRIX)
    # 0 stands for «Ikke deltatt / vet ikke»: it is counted in the distribution, never in mean or median.
    NOT_APPLICABLE = 0
    SCALE_VALUES = (1, 2, 3, 4, 5, 6)

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="questions", verbose_name="undersøkelse")
    page = models.ForeignKey(Page, on_delete=models.CASCADE, related_name="questions", verbose_name="side")
    category = models.ForeignKey(
        Category, on_delete=models.SET_NULL, null=True, blank=True, related_name="questions", verbose_name="kategori"
    )
    order = models.PositiveSmallIntegerField("rekkefølge", default=0)
    key = models.SlugField(
        "nøkkel",
        max_length=80,
        help_text="Samme nøkkel i flere undersøkelser betyr samme spørsmål; brukes til å sammenligne porteføljer.",
    )
    kind = models.CharField("type", max_length=20, choices=Kind.choices)
    text = models.TextField("spørsmål", max_length=SHORT_TEXT)
    help_text = models.CharField("hjelpetekst", max_length=500, blank=True)
    low_label = models.CharField("tekst ved 1", max_length=100, blank=True, default="I svært liten grad")
    high_label = models.CharField("tekst ved 6", max_length=100, blank=True, default="I svært stor grad")
    allow_not_applicable = models.BooleanField("med «Ikke deltatt / vet ikke»", default=False)
    elaborate = models.BooleanField("med «Utdyp gjerne»", default=False)
    required = models.BooleanField("må besvares", default=False)
    copied_from = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="copies", verbose_name="kopiert fra"
    )

    class Meta:
        verbose_name = "spørsmål"
        verbose_name_plural = "spørsmål"
        ordering = ["page__order", "order", "pk"]
        constraints = [
            *max_length_checks("question", text=SHORT_TEXT),
            models.UniqueConstraint(fields=["survey", "key"], name="survey_question_unique_key"),
        ]

    def __str__(self) -> str:
        return self.text[:80]

    @property
    def is_scale(self) -> bool:
        return self.kind in self.SCALE_KINDS

    @property
    def is_closed(self) -> bool:
        return self.kind in self.CLOSED_KINDS


class Item(models.Model):
    """A row of a matrix question, or an option of a single or multiple choice question."""

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="items", verbose_name="spørsmål")
    order = models.PositiveSmallIntegerField("rekkefølge", default=0)
    label = models.CharField("tekst", max_length=300)

    class Meta:
        verbose_name = "delspørsmål eller svaralternativ"
        verbose_name_plural = "delspørsmål og svaralternativer"
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return self.label


def _token_for(nonce: str) -> str:
    # The link is derived from a per-invitation nonce and the secret key, so that the reminder sender can
    # rebuild it without the database ever holding it: only its SHA-256 is stored, like accounts' tokens.
    digest = hmac.new(settings.SECRET_KEY.encode(), f"surveys.invitation:{nonce}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Invitation(models.Model):
    """One person's personal link to one survey, for one response. `level` comes from their membership."""

    survey = models.ForeignKey(
        Survey, on_delete=models.CASCADE, related_name="invitations", verbose_name="undersøkelse"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="survey_invitations", verbose_name="deltaker"
    )
    group = models.ForeignKey(
        MunicipalityGroup, on_delete=models.CASCADE, related_name="survey_invitations", verbose_name="kommunegruppe"
    )
    role = models.CharField("rolle", max_length=30, choices=Role.choices)
    level = models.CharField("nivå", max_length=20, choices=Level.choices)
    nonce = models.CharField(max_length=32, editable=False)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField("opprettet", auto_now_add=True)
    # When the link's response was submitted: all an anonymous survey keeps of who answered (see Response).
    # It refuses a second submit and stops the reminders, and counts the response rates.
    used_at = models.DateTimeField("svar sendt inn", null=True, blank=True)

    class Meta:
        verbose_name = "invitasjon til spørreundersøkelse"
        verbose_name_plural = "invitasjoner til spørreundersøkelse"
        ordering = ["survey", "group", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["survey", "user", "group"], name="survey_invitation_once_per_member")
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.survey.title}"

    def set_token(self) -> None:
        self.nonce = secrets.token_hex(16)
        self.token_hash = hash_token(self.token)

    @property
    def token(self) -> str:
        return _token_for(self.nonce)

    def get_answer_url(self) -> str:
        return reverse("surveys:answer", kwargs={"token": self.token})


class Response(models.Model):
    """The answers of one invitation: a draft while the person is answering, then submitted once.

    A draft is linked to its invitation, so that the person can come back to it with the same link. When
    a response to an anonymous survey is submitted, that link is cut (services.response_submit), as
    Nettskjema defines an anonymous survey: the response keeps no path to the person, their group or their
    invitation, and the invitation keeps only that it was used (`Invitation.used_at`). What the response
    keeps is what the results need, at the granularity the anonymity threshold protects: the survey, the
    respondent's level (results by level, suppressed below the threshold, and merged in the exports) and
    the answers. Its times are not kept either: started, saved and submitted all become the survey's
    opening time, since a time next to the invitation's `used_at` would name the person. A response to a
    survey that is not anonymous keeps its invitation, and its times."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="responses", verbose_name="undersøkelse")
    invitation = models.OneToOneField(
        Invitation,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="response",
        verbose_name="invitasjon",
        help_text="Tom for en innsendt besvarelse i en anonym undersøkelse.",
    )
    level = models.CharField("nivå", max_length=20, choices=Level.choices)
    # Plain defaults rather than auto_now: an anonymous submit replaces the times (see above), and bulk
    # data gives them as they were.
    started_at = models.DateTimeField("startet", default=timezone.now)
    updated_at = models.DateTimeField("sist lagret", default=timezone.now)
    # The page «Fortsett der du slapp» opens: where the person was sent after their last save.
    resume_page = models.PositiveSmallIntegerField("fortsett på side", default=1)
    submitted_at = models.DateTimeField("sendt inn", null=True, blank=True)

    class Meta:
        verbose_name = "besvarelse"
        verbose_name_plural = "besvarelser"
        ordering = ["pk"]
        indexes = [models.Index(fields=["survey", "submitted_at"])]

    def __str__(self) -> str:
        return f"Besvarelse {self.pk}"

    @property
    def is_submitted(self) -> bool:
        return self.submitted_at is not None


class Answer(models.Model):
    """One value of a response. A scale answer has `value` 1–6 (0 for «Ikke deltatt / vet ikke»), a matrix
    answer also its `item`; a choice is an `item` (one row per ticked option); an open answer or an
    elaboration («Utdyp gjerne») is `text` alone. Staff code the texts: categories and quotes."""

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers", verbose_name="besvarelse")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="answers", verbose_name="spørsmål")
    item = models.ForeignKey(Item, on_delete=models.CASCADE, null=True, blank=True, related_name="answers")
    value = models.PositiveSmallIntegerField(
        "verdi", null=True, blank=True, validators=[MinValueValidator(0), MaxValueValidator(6)]
    )
    text = models.TextField("tekst", blank=True, max_length=LONG_TEXT)
    categories = models.ManyToManyField(Category, blank=True, related_name="answers", verbose_name="kategorier")
    is_quote = models.BooleanField("sitat", default=False)

    # Attached by the coding page for its template (views.coding: the ids of its categories), never stored.
    coded_ids: set[int]

    class Meta:
        verbose_name = "svar"
        verbose_name_plural = "svar"
        ordering = ["pk"]
        indexes = [models.Index(fields=["question", "item", "value"])]
        constraints = [
            *max_length_checks("answer", text=LONG_TEXT),
            models.CheckConstraint(
                condition=Q(value__isnull=True) | Q(value__gte=0, value__lte=6), name="survey_answer_value_in_scale"
            ),
        ]

    def __str__(self) -> str:
        return self.text[:80] if self.text else str(self.value)


class Mailing(models.Model):
    """One round of e-mails: the invitations, or a reminder to those who have not answered."""

    class Kind(models.TextChoices):
        INVITATION = "invitation", "Invitasjon"
        REMINDER = "reminder", "Påminnelse"

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="mailings", verbose_name="undersøkelse")
    kind = models.CharField("type", max_length=20, choices=Kind.choices)
    created_at = models.DateTimeField("startet", auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = "utsending"
        verbose_name_plural = "utsendinger"
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.created_at:%d.%m.%Y}"


class Delivery(ScheduledEmail):
    """One e-mail of a mailing to one invitation; the unique constraint means a round reaches each person
    at most once. Due at once; the hand-over (services.deliveries_hand_over) renders it into the outbox
    once, or records why not (has answered, the survey had closed, the person was deactivated)."""

    mailing = models.ForeignKey(Mailing, on_delete=models.CASCADE, related_name="deliveries", verbose_name="utsending")
    invitation = models.ForeignKey(
        Invitation, on_delete=models.CASCADE, related_name="deliveries", verbose_name="invitasjon"
    )
    due_at = models.DateTimeField("sendes", default=timezone.now)

    class Meta:
        verbose_name = "e-post om spørreundersøkelse"
        verbose_name_plural = "e-poster om spørreundersøkelse"
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["mailing", "invitation"], name="survey_delivery_once_per_round"),
        ]
        indexes = [models.Index(fields=["due_at"], condition=Q(status="pending"), name="survey_delivery_pending")]

    def __str__(self) -> str:
        return f"{self.mailing} → {self.invitation.user}"


class ReportPdf(PdfJob):
    """The survey report as a PDF, made in the background and kept in the private storage (31 pages and 48
    charts take seconds of CPU, too long for a request).

    A request for it (`requested_at`) is a row the background job claims (services.reports_render_due), so
    that a lost Celery message loses nothing: beat or cron finds the row. The PDF it made stays until the
    next one is made; `responses` is the number of submitted responses it was made from, so that the page
    can say when new ones have come in since."""

    survey = models.OneToOneField(
        Survey, on_delete=models.CASCADE, related_name="report_pdf", verbose_name="undersøkelse"
    )
    responses = models.PositiveIntegerField("besvarelser i PDF-en", default=0)

    class Meta:
        verbose_name = "rapport som PDF"
        verbose_name_plural = "rapporter som PDF"
        indexes = [
            models.Index(fields=["requested_at"], condition=Q(requested_at__isnull=False), name="survey_report_queued")
        ]

    def __str__(self) -> str:
        return f"Rapport (PDF) for {self.survey_id}"
