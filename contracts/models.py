"""Contracts between the organisation that runs the portal (settings.ORGANISATION) and each municipality of
a group, their signatures and the PDFs kept for the record."""

from datetime import date

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from core.limits import DOCUMENT_TEXT, SHORT_TEXT, USER_AGENT, max_length_checks
from municipalities.models import RULE_SIGNATORIES, SIGNATORY_ROLES, Membership, Municipality, MunicipalityGroup
from portfolios.models import Portfolio, Programme

# The places in a contract's signature block. The municipality's slots depend on the programme
# (ContractTemplate.signatories); the organisation's countersignature is always last.
SLOT_OWNER = "owner"
SLOT_DIRECTOR = "director"
SLOT_LEADER = "leader"
SLOT_ORGANISATION = "organisation"
SLOT_CHOICES = [
    (SLOT_OWNER, "Kulturskoleeier"),
    (SLOT_DIRECTOR, "Kommunedirektør"),
    (SLOT_LEADER, "Kulturskoleleder"),
    (SLOT_ORGANISATION, "Organisasjonen"),
]
# What the pages, e-mails and PDFs print: the organisation by its name (the choices' labels stay fixed, since
# they are part of the migrations).
SLOT_LABELS: dict[str, str] = {**dict(SLOT_CHOICES), SLOT_ORGANISATION: settings.ORGANISATION["name"]}

# Which membership roles may sign in each municipal slot. Kulturskoleeier is anyone who speaks for the
# owner (political or administrative level, or the kommunedirektør). The mapping lives with the groups'
# composition rule (municipalities.models.SIGNATORY_ROLES), which must find the same people.
SLOT_ROLES: dict[str, frozenset[str]] = {
    slot: SIGNATORY_ROLES[slot] for slot in (SLOT_OWNER, SLOT_DIRECTOR, SLOT_LEADER)
}


def default_signatory_name() -> str:
    return str(settings.ORGANISATION["signatory_name"])


def default_signatory_title() -> str:
    return str(settings.ORGANISATION["signatory_title"])


class ContractTemplate(models.Model):
    """The contract form of a programme, as the foundation document prints it."""

    class Signatories(models.TextChoices):
        OWNER_AND_LEADER = "owner_leader", "Kulturskoleeier og kulturskoleleder (Veiledningsordningen)"
        DIRECTOR_AND_LEADER = "director_leader", "Kommunedirektør og kulturskoleleder (Fremtidens kulturskole)"

    PLACEHOLDER_HELP = (
        "«{kommune}» blir kommunens navn, «{avtaleperiode}» porteføljens avtaleperiode (f.eks. «januar 2026 – "
        "juni 2027»), «{avtalestart}» og «{avtaleslutt}» periodens første og siste måned («januar 2026», "
        "«juni 2027»), «{år}» årene den går over («2026–2027»), og «{startår}» og «{sluttår}» hvert av årene, "
        "så skjemaets egen skrivemåte kan beholdes (f.eks. «{startår} - {sluttår}»)."
    )

    programme = models.OneToOneField(
        Programme, on_delete=models.CASCADE, related_name="contract_template", verbose_name="program"
    )
    header = models.CharField("topptekst", max_length=200, help_text=PLACEHOLDER_HELP)
    title = models.CharField("tittel", max_length=200)
    subtitle = models.CharField("undertittel", max_length=300, blank=True, help_text=PLACEHOLDER_HELP)
    body = models.TextField(
        "avtaletekst", help_text="Linjeskift beholdes. " + PLACEHOLDER_HELP, max_length=DOCUMENT_TEXT
    )
    # The organisation's signatory as this form words it; a new form starts from settings.ORGANISATION.
    signatory_name = models.CharField(
        "signatar for organisasjonen (navn)", max_length=200, default=default_signatory_name
    )
    signatory_title = models.CharField("signatarens tittel", max_length=200, default=default_signatory_title)
    signatory_place = models.CharField(
        "sted for organisasjonens signatur",
        max_length=100,
        blank=True,
        help_text="Slik skjemaet skriver det, f.eks. «Trondheim {avtalestart}». " + PLACEHOLDER_HELP,
    )
    signatories = models.CharField(
        "kommunens signatarer", max_length=20, choices=Signatories.choices, default=Signatories.OWNER_AND_LEADER
    )
    # The form's own words for the municipality's signatories («kommunedirektør:» in Fremtidens kulturskole's
    # form, «Kulturskoleeier:» in Veiledningsordningen's); the pages keep the slots' own names.
    municipal_labels = models.CharField(
        "kommunens signatarer slik skjemaet skriver dem",
        max_length=200,
        blank=True,
        help_text=(
            "Skilt med komma, i samme rekkefølge som «kommunens signatarer», f.eks. «kommunedirektør, "
            "kulturskoleleder». Tomt: «Kulturskoleeier, Kulturskoleleder» eller «Kommunedirektør, "
            "Kulturskoleleder»."
        ),
    )

    class Meta:
        verbose_name = "kontraktmal"
        verbose_name_plural = "kontraktmaler"
        ordering = ["programme__name"]
        constraints = [*max_length_checks("contracttemplate", body=DOCUMENT_TEXT)]

    def __str__(self) -> str:
        return f"Kontraktmal for {self.programme}"

    @property
    def municipal_slots(self) -> list[str]:
        """The municipality's signature slots, in the order the form prints them."""
        return self._slots_of(self.signatories)

    @classmethod
    def _slots_of(cls, signatories: str) -> list[str]:
        if signatories == cls.Signatories.DIRECTOR_AND_LEADER:
            return [SLOT_DIRECTOR, SLOT_LEADER]
        return [SLOT_OWNER, SLOT_LEADER]

    def _labels(self) -> list[str]:
        return [label.strip() for label in self.municipal_labels.split(",") if label.strip()]

    @property
    def municipal_slot_labels(self) -> list[str]:
        """What the form prints before each municipal slot's line: `municipal_labels`, or the slots' names."""
        labels = self._labels()
        slots = self.municipal_slots
        return labels if len(labels) == len(slots) else [SLOT_LABELS[slot] for slot in slots]

    def clean(self) -> None:
        errors = {}
        labels = self._labels()
        if labels and len(labels) != len(self.municipal_slots):
            errors["municipal_labels"] = (
                f"Skriv {len(self.municipal_slots)} betegnelser skilt med komma, én for "
                f"hver av kommunens signatarer; nå står det {len(labels)}."
            )
        # The groups' composition rule checks for these signatories (municipalities.models.RULE_SIGNATORIES):
        # other ones would let a group pass that nobody in it can sign for.
        expected = RULE_SIGNATORIES.get(self.programme.group_rule) if self.programme_id else None
        if expected is not None and tuple(self.municipal_slots) != expected:
            right = next(c for c in self.Signatories if self._slots_of(c) == list(expected))
            errors["signatories"] = f"Programmets krav til kommunegruppen gir disse signatarene: «{right.label}»."
        if errors:
            raise ValidationError(errors)


# What every page, list and export shows for a contract whose agreement period is over (Contract.is_expired).
EXPIRED_LABEL = "Utløpt"
# The statuses a contract can expire from: a draft was never sent, and a terminated contract ended on its own date.
EXPIRING_STATUSES = ["sent", "signed", "countersigned", "in_force"]


def expired_q(today: date | None = None) -> Q:
    """The contracts that are expired on `today` (default: today in Oslo), as a filter: the same rule as
    Contract.is_expired, for the admin's filter and anything that counts."""
    today = today or timezone.localdate()
    return Q(status__in=EXPIRING_STATUSES, group__portfolio__agreement_end__lt=today)


class ContractQuerySet(models.QuerySet["Contract"]):
    def visible_to(self, user: User | AnonymousUser) -> "ContractQuerySet":
        """Contracts of the groups a user may see: the programme leader all, an adviser their groups',
        a member their own group's (every municipality of it, as the group works together)."""
        if not user.is_authenticated:
            return self.none()
        if user.is_programme_leader:
            return self.all()
        is_member = Exists(Membership.objects.filter(group=OuterRef("group"), user=user))
        return self.filter(Q(group__adviser=user) | is_member)


class Contract(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Utkast"
        SENT = "sent", "Sendt til signering"
        SIGNED = "signed", "Signert av kommunen"
        COUNTERSIGNED = "countersigned", "Kontrasignert"
        IN_FORCE = "in_force", "I kraft"
        TERMINATED = "terminated", "Avsluttet"

    group = models.ForeignKey(
        MunicipalityGroup, on_delete=models.PROTECT, related_name="contracts", verbose_name="kommunegruppe"
    )
    municipality = models.ForeignKey(
        Municipality, on_delete=models.PROTECT, related_name="contracts", verbose_name="kommune"
    )
    status = models.CharField("status", max_length=20, choices=Status.choices, default=Status.DRAFT)
    created_at = models.DateTimeField("opprettet", auto_now_add=True)
    sent_at = models.DateTimeField("sendt", null=True, blank=True)
    # The one reminder to the municipality's signatories; cleared when it is claimed, so it goes once.
    reminder_due_at = models.DateTimeField("påminnelse planlagt", null=True, blank=True, db_index=True)
    reminded_at = models.DateTimeField("påminnelse sendt", null=True, blank=True)
    signed_at = models.DateTimeField("signert av kommunen", null=True, blank=True)
    countersigned_at = models.DateTimeField("kontrasignert", null=True, blank=True)
    in_force_at = models.DateTimeField("i kraft fra", null=True, blank=True)
    terminated_on = models.DateField("avsluttet dato", null=True, blank=True)
    termination_reason = models.TextField("årsak til avslutning", blank=True, max_length=SHORT_TEXT)
    # The wording, the period and the signatories as they were when the contract was sent (see
    # selectors.contract_terms): later edits of the template or the portfolio cannot change what was signed.
    terms = models.JSONField("vilkår slik de ble sendt", default=dict, blank=True, editable=False)
    # The document the signatories saw (rendered once when sent) and the one kept as signed.
    signing_document = models.ForeignKey(
        "ContractDocument",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="dokument til signering",
    )
    final_document = models.ForeignKey(
        "ContractDocument",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="signert dokument",
    )
    # A document waiting to be made in the background (services.contracts_render_due), never in a request:
    # for a draft, the one to sign, when it is queued for sending; for a contract the municipality has
    # signed, the signed one, once Norsk kulturskoleråd has countersigned. Cleared when it is made, or
    # when making it fails: a failed render is recorded here and waits for «Prøv igjen».
    render_requested_at = models.DateTimeField("dokument i kø siden", null=True, blank=True)
    render_failed_at = models.DateTimeField("dokumentet feilet", null=True, blank=True)
    render_error = models.TextField("feil da dokumentet skulle lages", blank=True)

    objects = ContractQuerySet.as_manager()

    class Meta:
        verbose_name = "kontrakt"
        verbose_name_plural = "kontrakter"
        ordering = ["group", "municipality__name", "pk"]
        constraints = [
            *max_length_checks("contract", termination_reason=SHORT_TEXT),
            models.UniqueConstraint(fields=["group", "municipality"], name="contract_one_per_group_municipality"),
            models.CheckConstraint(
                condition=~Q(status="terminated") | (Q(terminated_on__isnull=False) & ~Q(termination_reason="")),
                name="contract_terminated_has_date_and_reason",
            ),
        ]
        indexes = [
            # The background job's query: the contracts waiting for a document. As small as the queue.
            models.Index(
                fields=["render_requested_at"],
                condition=Q(render_requested_at__isnull=False),
                name="contract_render_queued",
            ),
        ]

    def __str__(self) -> str:
        return f"Kontrakt for {self.municipality.display_name}"

    def get_absolute_url(self) -> str:
        return reverse("contracts:detail", kwargs={"pk": self.pk})

    @property
    def portfolio(self) -> Portfolio:
        return self.group.portfolio

    @property
    def period_over(self) -> bool:
        """The agreement period (the portfolio's) has ended. Read from the period itself on every call, so
        that a contract expires on the day without any job having to run."""
        return self.group.portfolio.agreement_end < timezone.localdate()

    @property
    def is_expired(self) -> bool:
        """Sent, signed or in force, and its period is over: nobody can sign it any more, and what was agreed
        no longer applies. A draft or a terminated contract keeps its own status."""
        return self.status in EXPIRING_STATUSES and self.period_over

    @property
    def status_display(self) -> str:
        """The status as every page, list and export shows it: «Utløpt» once the period is over."""
        return EXPIRED_LABEL if self.is_expired else self.get_status_display()

    @property
    def render_state(self) -> str:
        """ "queued" while a document waits to be made, "failed" when the last try failed and nothing is
        queued, otherwise ""."""
        if self.render_requested_at is not None:
            return "queued"
        return "failed" if self.render_failed_at is not None else ""

    @property
    def countersign_pending(self) -> bool:
        """Norsk kulturskoleråd has countersigned, and the signed document is not made yet: the contract
        stays «Signert av kommunen» until it is, so that nothing claims to be countersigned without its
        document."""
        return self.status == self.Status.SIGNED and self.render_state != ""


class ContractDocument(models.Model):
    """One PDF kept privately in the "private" storage (core.storage; `path` is its storage name), with the
    SHA-256 of its bytes. The bytes never change; every download re-hashes them against `sha256`."""

    class Kind(models.TextChoices):
        SIGNING = "signing", "Til signering"
        SIGNED = "signed", "Signert i portalen"
        UPLOADED = "uploaded", "Signert utenfor portalen (lastet opp)"

    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="documents", verbose_name="kontrakt")
    kind = models.CharField("type", max_length=20, choices=Kind.choices)
    path = models.CharField("fil", max_length=300, unique=True, editable=False)
    sha256 = models.CharField("SHA-256", max_length=64, db_index=True, editable=False)
    size = models.PositiveIntegerField("størrelse (byte)", editable=False)
    created_at = models.DateTimeField("lagret", auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = "kontraktdokument"
        verbose_name_plural = "kontraktdokumenter"
        ordering = ["contract", "created_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.contract}"


class Signature(models.Model):
    """One person's signature on a contract, with what they saw and confirmed."""

    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="signatures", verbose_name="kontrakt")
    slot = models.CharField("signerer som", max_length=20, choices=SLOT_CHOICES)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="contract_signatures", verbose_name="bruker"
    )
    member_role = models.CharField("rolle", max_length=30, blank=True, help_text="Deltakerrollen i gruppen.")
    full_name = models.CharField("navn (skrevet)", max_length=200)
    place = models.CharField("sted", max_length=100)
    signed_at = models.DateTimeField("tidspunkt (UTC)")
    ip_address = models.GenericIPAddressField("IP-adresse", null=True, blank=True)
    user_agent = models.TextField("nettleser", blank=True, max_length=USER_AGENT)
    confirmed_text = models.TextField("bekreftet tekst")
    document_sha256 = models.CharField("SHA-256 av dokumentet", max_length=64)

    class Meta:
        verbose_name = "signatur"
        verbose_name_plural = "signaturer"
        ordering = ["contract", "signed_at", "pk"]
        constraints = [
            *max_length_checks("signature", user_agent=USER_AGENT),
            models.UniqueConstraint(fields=["contract", "slot"], name="signature_one_per_slot"),
        ]

    def __str__(self) -> str:
        return f"{self.full_name} ({self.slot_label})"

    @property
    def slot_label(self) -> str:
        """The slot as pages and PDFs name it: the organisation's by its name (SLOT_LABELS)."""
        return SLOT_LABELS[self.slot]


class PortfolioContracts(Portfolio):
    """The portfolios as the admin's «Kontrakter per portefølje», where the programme leader generates and
    sends a portfolio's contracts. A proxy, so that portfolios need not know about contracts."""

    class Meta:
        proxy = True
        verbose_name = "kontrakter for portefølje"
        verbose_name_plural = "kontrakter per portefølje"
