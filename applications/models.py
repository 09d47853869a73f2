"""Calls (utlysninger), the applications municipalities send through the public form, and what the programme
leader's review keeps about them (issue 15).

An application is made without a login: the applicant gives a name and an e-mail address, and everything
after that goes through a personal link e-mailed to that address. Like the survey links, the link is derived
from a nonce and the secret key (`_token_for`), so that the receipt and a «send the link again» can rebuild it,
while the database holds only its SHA-256: a copy of the database hands out no applications."""

import base64
import hashlib
import hmac
import secrets
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone

from core.limits import LONG_TEXT, NAME, SHORT_TEXT, max_length_checks
from core.models import Revised
from core.pdf_jobs import PdfJob
from municipalities.models import Municipality, MunicipalityGroup, Role
from portfolios.models import Portfolio

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from accounts.models import User

# How long a declined or withdrawn application is kept before `delete_expired_applications` deletes it,
# unless the call says otherwise.
DEFAULT_RETENTION_DAYS = 90
PHONE = 40  # a phone number as typed: «+47 900 00 000»


class CallQuerySet(models.QuerySet["Call"]):
    def open(self) -> "CallQuerySet":
        """The calls taking applications now: opened and not yet closed."""
        now = timezone.now()
        return self.filter(opens_at__lte=now, closes_at__gt=now)

    def visible_to(self, user: "User | AnonymousUser") -> "CallQuerySet":
        """The calls a user may manage: the programme leader's alone. The public sees open calls through
        `open()`, never through this."""
        if getattr(user, "is_programme_leader", False):
            return self.all()
        return self.none()


class Call(models.Model):
    """One call for applications to one portfolio: what applicants read, what they are asked, and the letters
    the decisions are sent with."""

    portfolio = models.ForeignKey(Portfolio, on_delete=models.PROTECT, related_name="calls", verbose_name="portefølje")
    title = models.CharField("tittel", max_length=NAME)
    opens_at = models.DateTimeField("åpner")
    closes_at = models.DateTimeField("søknadsfrist")
    intro = models.TextField(
        "tekst til søkerne", max_length=LONG_TEXT, blank=True, help_text="Vises øverst i utlysningen og i skjemaet."
    )
    retention_days = models.PositiveIntegerField(
        "dager søknader som er avslått eller trukket blir lagret",
        default=DEFAULT_RETENTION_DAYS,
        help_text="Deretter slettes de (kommandoen delete_expired_applications).",
    )
    letter_admitted = models.TextField(
        "brev ved opptak", max_length=LONG_TEXT, blank=True, help_text="Sendes på e-post til søkeren."
    )
    letter_waiting_list = models.TextField("brev ved venteliste", max_length=LONG_TEXT, blank=True)
    letter_declined = models.TextField("brev ved avslag", max_length=LONG_TEXT, blank=True)
    created_at = models.DateTimeField("opprettet", auto_now_add=True)

    objects = CallQuerySet.as_manager()

    class Meta:
        verbose_name = "utlysning"
        verbose_name_plural = "utlysninger"
        ordering = ["-opens_at", "pk"]
        constraints = [
            *max_length_checks(
                "call",
                intro=LONG_TEXT,
                letter_admitted=LONG_TEXT,
                letter_waiting_list=LONG_TEXT,
                letter_declined=LONG_TEXT,
            ),
            models.CheckConstraint(
                condition=Q(closes_at__gt=models.F("opens_at")),
                name="call_closes_after_opening",
                violation_error_message="Søknadsfristen må være etter at utlysningen åpner.",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("applications:call_detail", kwargs={"pk": self.pk})

    @property
    def is_open(self) -> bool:
        return self.opens_at <= timezone.now() < self.closes_at

    @property
    def has_closed(self) -> bool:
        return timezone.now() >= self.closes_at


class Criterion(models.Model):
    """One thing the selection is based on, shown to applicants and ticked by the leader in the review."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="criteria", verbose_name="utlysning")
    order = models.PositiveSmallIntegerField("rekkefølge", default=0)
    text = models.TextField("kriterium", max_length=SHORT_TEXT)

    class Meta:
        verbose_name = "kriterium"
        verbose_name_plural = "kriterier"
        ordering = ["call", "order", "pk"]
        constraints = [*max_length_checks("criterion", text=SHORT_TEXT)]

    def __str__(self) -> str:
        return self.text


class CallQuestion(models.Model):
    """A question of the call's own, beside the fixed ones every application answers (needs, motivation,
    Rammeplan, and for Fremtidens kulturskole the mapping and the county's development area)."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="questions", verbose_name="utlysning")
    order = models.PositiveSmallIntegerField("rekkefølge", default=0)
    text = models.TextField("spørsmål", max_length=SHORT_TEXT)
    help_text = models.TextField("forklaring", max_length=SHORT_TEXT, blank=True)
    required = models.BooleanField("må besvares", default=False)

    class Meta:
        verbose_name = "ekstra spørsmål"
        verbose_name_plural = "ekstra spørsmål"
        ordering = ["call", "order", "pk"]
        constraints = [*max_length_checks("callquestion", text=SHORT_TEXT, help_text=SHORT_TEXT)]

    def __str__(self) -> str:
        return self.text


def _token_for(nonce: str) -> str:
    digest = hmac.new(settings.SECRET_KEY.encode(), f"applications.application:{nonce}".encode(), hashlib.sha256)
    return base64.urlsafe_b64encode(digest.digest()).decode().rstrip("=")


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class ApplicationQuerySet(models.QuerySet["Application"]):
    def visible_to(self, user: "User | AnonymousUser") -> "ApplicationQuerySet":
        """Applications a user may read: all for the programme leader; for an adviser only those shared with
        them for comment; nobody else any (the applicant reads their own through the personal link)."""
        if not user.is_authenticated:
            return self.none()
        if getattr(user, "is_programme_leader", False):
            return self.all()
        if getattr(user, "is_adviser", False):
            shared = ApplicationShare.objects.filter(application=OuterRef("pk"), adviser=user)
            return self.filter(Exists(shared))
        return self.none()

    def counting(self) -> "ApplicationQuerySet":
        """The applications that hold their municipalities for the call: sent in and not withdrawn (a
        declined one too: the call has answered it). A municipality in one of them cannot apply to the call
        again; a draft holds nothing, so that nobody can keep a municipality out by starting one."""
        return self.filter(submitted_at__isnull=False).exclude(status=Application.Status.WITHDRAWN)


class Application(Revised):
    # Revised: the draft's revision, so that of two saves from forms opened at once (the applicant in two tabs,
    # two colleagues with the link) the second is refused instead of silently overwriting the first.
    class Status(models.TextChoices):
        UNCONFIRMED = "unconfirmed", "Venter på bekreftelse av e-post"
        DRAFT = "draft", "Utkast"
        SUBMITTED = "submitted", "Sendt inn"
        IN_REVIEW = "in_review", "Under vurdering"
        ADMITTED = "admitted", "Tatt opp"
        WAITING_LIST = "waiting_list", "Venteliste"
        DECLINED = "declined", "Avslått"
        WITHDRAWN = "withdrawn", "Trukket"

    class Rammeplan(models.TextChoices):
        YES = "yes", "Ja, vedtatt lokalt"
        IN_PROGRESS = "in_progress", "Under arbeid"
        NO = "no", "Nei"

    # The states an applicant may still edit, and those a decision has been made in.
    EDITABLE = frozenset({Status.UNCONFIRMED, Status.DRAFT})
    DECIDED = frozenset({Status.ADMITTED, Status.WAITING_LIST, Status.DECLINED})

    call = models.ForeignKey(Call, on_delete=models.PROTECT, related_name="applications", verbose_name="utlysning")
    status = models.CharField("status", max_length=20, choices=Status.choices, default=Status.UNCONFIRMED)
    applicant_name = models.CharField("søkerens navn", max_length=NAME)
    applicant_email = models.EmailField("søkerens e-post")
    confirmed_at = models.DateTimeField("e-post bekreftet", null=True, blank=True)
    nonce = models.CharField(max_length=32, editable=False)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    municipalities: "models.ManyToManyField[Municipality, ApplicationMunicipality]" = models.ManyToManyField(
        Municipality,
        through="ApplicationMunicipality",
        related_name="applications",
        verbose_name="kommuner",
        blank=True,
    )
    needs = models.TextField("behov", max_length=LONG_TEXT, blank=True)
    motivation = models.TextField("motivasjon", max_length=LONG_TEXT, blank=True)
    rammeplan = models.CharField("rammeplanen vedtatt lokalt", max_length=20, choices=Rammeplan.choices, blank=True)
    # For Fremtidens kulturskole (Programme.GroupRule.FREMTIDENS_KULTURSKOLE) only.
    mapping = models.TextField("forberedende kartlegging", max_length=LONG_TEXT, blank=True)
    county_development_area = models.TextField("fylkesavdelingens utviklingsområde", max_length=SHORT_TEXT, blank=True)
    created_at = models.DateTimeField("opprettet", auto_now_add=True)
    saved_at = models.DateTimeField("sist lagret", null=True, blank=True)
    submitted_at = models.DateTimeField("sendt inn", null=True, blank=True)
    withdrawn_at = models.DateTimeField("trukket", null=True, blank=True)
    # The decision (part 2 of the issue): who made it, when, the letter as sent.
    decided_at = models.DateTimeField("avgjort", null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="avgjort av",
    )
    letter_text = models.TextField("brevet som ble sendt", max_length=LONG_TEXT, blank=True)
    letter_sent_at = models.DateTimeField("brev sendt", null=True, blank=True)
    group = models.OneToOneField(
        MunicipalityGroup,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="application",
        verbose_name="kommunegruppe",
    )

    objects = ApplicationQuerySet.as_manager()

    class Meta:
        verbose_name = "søknad"
        verbose_name_plural = "søknader"
        ordering = ["call", "-submitted_at", "pk"]
        indexes = [models.Index(fields=["call", "status"])]
        constraints = [
            *max_length_checks(
                "application",
                needs=LONG_TEXT,
                motivation=LONG_TEXT,
                mapping=LONG_TEXT,
                county_development_area=SHORT_TEXT,
                letter_text=LONG_TEXT,
            ),
            models.CheckConstraint(
                condition=Q(status="unconfirmed") | Q(confirmed_at__isnull=False),
                name="application_confirmed_unless_unconfirmed",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["unconfirmed", "draft", "withdrawn"]) | Q(submitted_at__isnull=False),
                name="application_submitted_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(status="withdrawn") | Q(withdrawn_at__isnull=False),
                name="application_withdrawn_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["admitted", "waiting_list", "declined"]) | Q(decided_at__isnull=False),
                name="application_decided_has_time",
            ),
        ]

    def __str__(self) -> str:
        names = [m.name for m in self.municipalities.all()] if self.pk else []
        return f"Søknad fra {', '.join(names) or self.applicant_name}"

    def set_token(self) -> None:
        self.nonce = secrets.token_hex(16)
        self.token_hash = hash_token(self.token)

    @property
    def token(self) -> str:
        return _token_for(self.nonce)

    def get_personal_url(self) -> str:
        """The applicant's own page, through the personal link."""
        return reverse("applications:edit", kwargs={"token": self.token})

    def municipality_list(self) -> list[Municipality]:
        """The municipalities in the order the applicant gave them, from the prefetched links
        (selectors.get_application_by_token)."""
        return [link.municipality for link in self.application_municipalities.all()]

    @property
    def is_editable(self) -> bool:
        return self.status in self.EDITABLE

    @property
    def is_submitted(self) -> bool:
        return self.submitted_at is not None

    @property
    def can_withdraw(self) -> bool:
        return self.status not in {self.Status.WITHDRAWN, self.Status.DECLINED, self.Status.ADMITTED}


class ApplicationMunicipality(models.Model):
    """One municipality of an application; several apply as a group."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="application_municipalities", verbose_name="søknad"
    )
    municipality = models.ForeignKey(
        Municipality, on_delete=models.PROTECT, related_name="application_links", verbose_name="kommune"
    )
    order = models.PositiveSmallIntegerField("rekkefølge", default=0)

    class Meta:
        verbose_name = "kommune i søknaden"
        verbose_name_plural = "kommuner i søknaden"
        ordering = ["application", "order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["application", "municipality"], name="application_municipality_once")
        ]

    def __str__(self) -> str:
        return str(self.municipality)


class Contact(models.Model):
    """A person the application names, with the role they will have in the group; admission (part 2) makes
    them members."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="contacts", verbose_name="søknad"
    )
    order = models.PositiveSmallIntegerField("rekkefølge", default=0)
    name = models.CharField("navn", max_length=NAME)
    role = models.CharField("rolle", max_length=30, choices=Role.choices)
    municipality = models.ForeignKey(
        Municipality, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="kommune"
    )
    email = models.EmailField("e-post")
    phone = models.CharField("telefon", max_length=PHONE, blank=True)

    class Meta:
        verbose_name = "kontaktperson"
        verbose_name_plural = "kontaktpersoner"
        ordering = ["application", "order", "pk"]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_role_display()})"


class ApplicationAnswer(models.Model):
    """The answer to one of the call's own questions."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="answers", verbose_name="søknad"
    )
    question = models.ForeignKey(
        # PROTECT: deleting a question must never take what applicants answered with it.
        CallQuestion,
        on_delete=models.PROTECT,
        related_name="answers",
        verbose_name="spørsmål",
    )
    text = models.TextField("svar", max_length=LONG_TEXT, blank=True)

    class Meta:
        verbose_name = "svar"
        verbose_name_plural = "svar"
        ordering = ["application", "question__order", "question__pk"]
        constraints = [
            *max_length_checks("applicationanswer", text=LONG_TEXT),
            models.UniqueConstraint(fields=["application", "question"], name="application_answer_once"),
        ]

    def __str__(self) -> str:
        return self.text[:50]


class CriterionCheck(models.Model):
    """The leader's judgement of one criterion for one application (the review, part 2)."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="criterion_checks", verbose_name="søknad"
    )
    # PROTECT: deleting a criterion must never take the leader's judgements by it.
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="checks", verbose_name="kriterium")
    met = models.BooleanField("oppfylt", default=False)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name="vurdert av"
    )
    checked_at = models.DateTimeField("vurdert", default=timezone.now)

    class Meta:
        verbose_name = "vurdering av kriterium"
        verbose_name_plural = "vurderinger av kriterier"
        constraints = [
            models.UniqueConstraint(fields=["application", "criterion"], name="application_criterion_checked_once")
        ]

    def __str__(self) -> str:
        return f"{self.criterion}: {'oppfylt' if self.met else 'ikke oppfylt'}"


class ReviewNote(models.Model):
    """What the review writes down about an application: the leader's notes, the dialogue with the county,
    and the comments of an adviser it was shared with. Never shown to the applicant."""

    class Kind(models.TextChoices):
        NOTE = "note", "Notat"
        COUNTY_DIALOGUE = "county_dialogue", "Dialog med fylkesavdelingen"
        ADVISER_COMMENT = "adviser_comment", "Kommentar fra veileder"

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="review_notes", verbose_name="søknad"
    )
    kind = models.CharField("type", max_length=20, choices=Kind.choices, default=Kind.NOTE)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name="skrevet av"
    )
    text = models.TextField("tekst", max_length=LONG_TEXT)
    created_at = models.DateTimeField("skrevet", default=timezone.now)

    class Meta:
        verbose_name = "notat om søknaden"
        verbose_name_plural = "notater om søknaden"
        ordering = ["application", "created_at", "pk"]
        constraints = [*max_length_checks("reviewnote", text=LONG_TEXT)]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.text[:50]}"


class ApplicationShare(models.Model):
    """An application shared with an adviser for comment: they may read it and write comments
    (ReviewNote.Kind.ADVISER_COMMENT) until the share is removed."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="shares", verbose_name="søknad")
    adviser = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="shared_applications", verbose_name="veileder"
    )
    shared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name="delt av"
    )
    shared_at = models.DateTimeField("delt", default=timezone.now)

    class Meta:
        verbose_name = "deling med veileder"
        verbose_name_plural = "delinger med veiledere"
        constraints = [
            models.UniqueConstraint(fields=["application", "adviser"], name="application_shared_once_per_adviser")
        ]

    def __str__(self) -> str:
        return f"{self.application_id} delt med {self.adviser_id}"


class ApplicationPdf(PdfJob):
    """The submitted application as a PDF, made by the worker once it is submitted (services.application_submit)
    and attached to the receipt; the applicant downloads the stored bytes through their link."""

    application = models.OneToOneField(Application, on_delete=models.CASCADE, related_name="pdf", verbose_name="søknad")

    class Meta:
        verbose_name = "søknad som PDF"
        verbose_name_plural = "søknader som PDF"
        indexes = [
            models.Index(
                fields=["requested_at"], condition=Q(requested_at__isnull=False), name="application_pdf_queued"
            )
        ]

    def __str__(self) -> str:
        return f"Søknad (PDF) {self.application_id}"


class StartRequest(models.Model):
    """One request to start an application or to have the link sent again, counted for the rate limits per
    e-mail address and per IP address (services.start_throttled). Deleted once older than the window."""

    email = models.EmailField("e-post")
    ip_address = models.GenericIPAddressField("IP-adresse", null=True, blank=True)
    requested_at = models.DateTimeField("tidspunkt", default=timezone.now)

    class Meta:
        verbose_name = "forespørsel om søknadslenke"
        verbose_name_plural = "forespørsler om søknadslenke"
        indexes = [
            models.Index(fields=["email", "requested_at"]),
            models.Index(fields=["ip_address", "requested_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.email} {self.requested_at:%Y-%m-%d %H:%M}"
