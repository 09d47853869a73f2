from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from accounts.roles import ADVISER
from core.file_types import FILE_TYPES
from core.limits import LONG_TEXT, NAME, SHORT_TEXT, max_length_checks
from portfolios.models import Portfolio, Programme


class County(models.Model):
    number = models.CharField("fylkesnummer", max_length=2, unique=True)
    name = models.CharField("navn", max_length=100)

    class Meta:
        verbose_name = "fylke"
        verbose_name_plural = "fylker"
        ordering = ["number"]

    def __str__(self) -> str:
        return self.name


class Municipality(models.Model):
    number = models.CharField("kommunenummer", max_length=4, unique=True)
    name = models.CharField(
        "navn", max_length=100, help_text="Det offisielle navnet, samisk der det er det offisielle."
    )
    norwegian_name = models.CharField("norsk navn", max_length=100, blank=True)
    county = models.ForeignKey(County, on_delete=models.PROTECT, related_name="municipalities", verbose_name="fylke")
    # Of the organisation that runs the portal (settings.ORGANISATION); a field's label is not read from
    # settings, since it is part of the migrations.
    is_member = models.BooleanField("medlem av organisasjonen", default=False)

    class Meta:
        verbose_name = "kommune"
        verbose_name_plural = "kommuner"
        ordering = ["name"]

    def __str__(self) -> str:
        # Both names, so that whoever knows only the Norwegian one recognises the municipality in every
        # choice, autocomplete and list: searching «Hattfjelldal» finds «Aarborte (Hattfjelldal)».
        return self.display_name

    @property
    def display_name(self) -> str:
        """«Guovdageaidnu (Kautokeino)» where the official name is not the Norwegian one."""
        if self.norwegian_name and self.norwegian_name != self.name:
            return f"{self.name} ({self.norwegian_name})"
        return self.name


def joined_names(names: list[str]) -> str:
    """A group's name from its municipalities' names: «Fauske og Saltdal»."""
    if not names:
        return "Kommunegruppe uten kommuner"
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " og " + names[-1]


class Role(models.TextChoices):
    OWNER_POLITICAL = "owner_political", "Kulturskoleeier (politisk nivå)"
    OWNER_ADMINISTRATIVE = "owner_administrative", "Kulturskoleeier (administrativt nivå)"
    MUNICIPAL_DIRECTOR = "municipal_director", "Kommunedirektør"
    LEADER = "leader", "Kulturskoleleder"
    RESOURCE_TEACHER = "resource_teacher", "Ressurslærer"
    COORDINATOR = "coordinator", "Koordinator"
    OTHER = "other", "Annen deltaker"


# The order members are listed in: the owner first, as in the foundation documents. Typed as `str`, the
# type of `Membership.role`, so that a stored role can be looked up in it.
ROLE_ORDER: list[str] = list(Role)

# The roles that speak for the kulturskole's owner (kulturskoleeier / skoleeier).
OWNER_ROLES = frozenset({Role.OWNER_POLITICAL, Role.OWNER_ADMINISTRATIVE, Role.MUNICIPAL_DIRECTOR})

# Who may sign each of a municipality's places in its contract, by the place's key: contracts.models.SLOT_ROLES
# is this mapping, so that the composition rule below and the contract's signing can never disagree. The
# owner's place may be signed by anyone who speaks for the owner; the kommunedirektør's only by a kommunedirektør.
SIGNATORY_ROLES: dict[str, frozenset[str]] = {
    "owner": OWNER_ROLES,
    "director": frozenset({Role.MUNICIPAL_DIRECTOR}),
    "leader": frozenset({Role.LEADER}),
}
# What a missing signatory is called in a shortcoming («Mangler kommunedirektør.»).
SIGNATORY_NOUNS: dict[str, str] = {
    "owner": "kulturskoleeier",
    "director": "kommunedirektør",
    "leader": "kulturskoleleder",
}
# The places each programme's contract form gives the municipality (000's «Kulturskoleeier:» and
# «Kulturskoleleder:», 002's «kommunedirektør:» and «kulturskoleleder:»), by the programme's group rule:
# a group passes its rule only if every one of its municipalities has someone for each. A contract template's
# signatories must be its programme's (contracts.models.ContractTemplate.clean).
RULE_SIGNATORIES: dict[str, tuple[str, ...]] = {
    Programme.GroupRule.VEILEDNING: ("owner", "leader"),
    Programme.GroupRule.FREMTIDENS_KULTURSKOLE: ("director", "leader"),
}


class MunicipalityGroupQuerySet(models.QuerySet["MunicipalityGroup"]):
    def visible_to(self, user: User) -> "MunicipalityGroupQuerySet":
        """Groups a user may see: all for the programme leader, else those they advise or are a current
        member of (`MembershipQuerySet.current`)."""
        if user.is_programme_leader:
            return self.all()
        is_member = Exists(Membership.objects.current().filter(group=OuterRef("pk"), user=user))
        return self.filter(Q(adviser=user) | is_member)

    def with_overview(self) -> "MunicipalityGroupQuerySet":
        """Everything a list of groups shows, in a fixed number of queries."""
        return self.select_related("portfolio__programme", "adviser").prefetch_related(
            models.Prefetch("municipalities", Municipality.objects.select_related("county")),
            models.Prefetch("memberships", Membership.objects.select_related("user", "municipality")),
        )


class Continuation(models.TextChoices):
    """How a group goes on after its programme period («ny drift»)."""

    OWN = "own", "Fortsetter på egen hånd"
    NETWORK = "network", "Fortsetter i regionalt nettverk"
    SHARING_ARENA = "sharing_arena", "Fortsetter i Delingsarena"
    STOPPED = "stopped", "Har stoppet"


class MunicipalityGroup(models.Model):
    class Status(models.TextChoices):
        APPLIED = "applied", "Søkt"
        ADMITTED = "admitted", "Tatt opp"
        ACTIVE = "active", "Aktiv"
        COMPLETED = "completed", "Fullført"
        ENDED_EARLY = "ended_early", "Avsluttet før tiden"

    portfolio = models.ForeignKey(Portfolio, on_delete=models.PROTECT, related_name="groups", verbose_name="portefølje")
    name = models.CharField(
        "navn", max_length=200, blank=True, help_text="Tomt: kommunenes navn, f.eks. «Bodø og Saltdal»."
    )
    municipalities = models.ManyToManyField(Municipality, related_name="groups", verbose_name="kommuner")
    adviser = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="advised_groups",
        verbose_name="veileder",
        limit_choices_to={"groups__name": ADVISER},
    )
    status = models.CharField("status", max_length=20, choices=Status.choices, default=Status.APPLIED)
    ended_reason = models.TextField("årsak til avslutning", blank=True, max_length=SHORT_TEXT)
    focus_area = models.TextField(
        "fokusområde",
        blank=True,
        help_text="For Fremtidens kulturskole: knyttet til fylkesavdelingens utviklingsområde.",
        max_length=LONG_TEXT,
    )
    created_at = models.DateTimeField("opprettet", auto_now_add=True)
    # How the group goes on once its portfolio is over (000 «Målsetting», 001 §3.2.2, 002 «Delingsarena»),
    # recorded by the programme leader.
    continuation = models.CharField(
        "videre arbeid", max_length=20, choices=Continuation.choices, blank=True, help_text="Etter programperioden."
    )
    continuation_note = models.TextField(
        "om videre arbeid", blank=True, max_length=SHORT_TEXT, help_text="Kort, f.eks. hvilket nettverk."
    )
    continuation_recorded_at = models.DateTimeField("videre arbeid registrert", null=True, blank=True)

    objects = MunicipalityGroupQuerySet.as_manager()

    class Meta:
        verbose_name = "kommunegruppe"
        verbose_name_plural = "kommunegrupper"
        ordering = ["portfolio", "name", "pk"]
        constraints = [
            *max_length_checks(
                "municipalitygroup", ended_reason=SHORT_TEXT, focus_area=LONG_TEXT, continuation_note=SHORT_TEXT
            ),
            models.CheckConstraint(
                condition=~Q(status="ended_early") | ~Q(ended_reason=""), name="group_ended_early_has_reason"
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    def get_absolute_url(self) -> str:
        return reverse("dashboard:group_detail", kwargs={"pk": self.pk})

    @property
    def audit_group_id(self) -> int:
        """The group an audit event about this group concerns (accounts.services.audit_group_id)."""
        return self.pk

    @property
    def display_name(self) -> str:
        if self.name:
            return self.name
        names = [m.name for m in self.municipalities.all()] if self.pk else []
        return joined_names(names)

    def clean(self) -> None:
        errors = {}
        if self.status == self.Status.ENDED_EARLY and not self.ended_reason.strip():
            errors["ended_reason"] = "Oppgi hvorfor gruppen avsluttet før tiden."
        if self.adviser_id and self.portfolio_id and not self.portfolio.advisers.filter(pk=self.adviser_id).exists():
            errors["adviser"] = "Veilederen må være en av porteføljens veiledere."
        if errors:
            raise ValidationError(errors)

    def present_memberships(self) -> list["Membership"]:
        """The group's memberships that are current (MembershipQuerySet.current), from the prefetched
        `memberships` with their users (`with_overview`): no query of its own then."""
        return [m for m in self.memberships.all() if m.gives_access(self) and m.user.is_active]

    def shortcomings(self) -> list[str]:
        """What the group still lacks under its programme's rule, as sentences for the screen; nothing for a
        group that ended early, which lacks nothing any more.

        Reads the current `memberships` (with their users), `municipalities` and `portfolio.programme`, so a
        list should use `with_overview()`.
        """
        if self.status == self.Status.ENDED_EARLY:
            return []
        return group_shortcomings(
            rule=self.portfolio.programme.group_rule,
            municipalities=list(self.municipalities.all()),
            members=[(m.role, m.municipality_id) for m in self.present_memberships()],
        )

    def warnings(self) -> list[str]:
        """What the group would do well to have but may go without (group_warnings); as `shortcomings`."""
        if self.status == self.Status.ENDED_EARLY:
            return []
        return group_warnings(
            rule=self.portfolio.programme.group_rule,
            members=[(m.role, m.municipality_id) for m in self.present_memberships()],
        )


def group_shortcomings(
    *, rule: str, municipalities: list[Municipality], members: list[tuple[str, int | None]]
) -> list[str]:
    """The programme's group composition rule over plain values, so that a group not yet saved (the
    spreadsheet import's preview, an application) is judged by the same rule as a stored one. `members`
    holds each current member's (role, municipality pk).

    Each municipality signs a contract of its own, so each needs someone for every one of its contract's
    places (RULE_SIGNATORIES): in a group of several municipalities that is someone who represents it, as
    the contract's signing asks (contracts.selectors.slot_candidates)."""
    roles = [role for role, _ in members]
    lacks: list[str] = []
    several = len(municipalities) > 1
    for slot in RULE_SIGNATORIES.get(rule, ()):
        allowed, noun = SIGNATORY_ROLES[slot], SIGNATORY_NOUNS[slot]
        if several:
            present = {municipality_id for role, municipality_id in members if role in allowed}
            lacks.extend(f"{m.name} mangler {noun}." for m in municipalities if m.pk not in present)
        elif not any(role in allowed for role in roles):
            lacks.append(f"Mangler {noun}.")
    if several:
        # An owner who represents none of the group's municipalities can sign none of their contracts.
        ours = {m.pk for m in municipalities}
        stray = sum(1 for role, municipality_id in members if role in OWNER_ROLES and municipality_id not in ours)
        if stray:
            who = "En kulturskoleeier er" if stray == 1 else f"{stray} kulturskoleeiere er"
            lacks.append(f"{who} ikke knyttet til noen av gruppens kommuner.")
    if rule == Programme.GroupRule.VEILEDNING:
        if Role.RESOURCE_TEACHER not in roles:
            lacks.append("Mangler ressurslærer.")
    elif rule == Programme.GroupRule.FREMTIDENS_KULTURSKOLE:
        if len(roles) < 4:
            lacks.append(f"Har {len(roles)} deltakere; minst fire trengs.")
        coordinators = roles.count(Role.COORDINATOR)
        if coordinators == 0:
            lacks.append("Mangler koordinator.")
        elif coordinators > 1:
            lacks.append(f"Har {coordinators} koordinatorer; det skal være nøyaktig én.")
    return lacks


def group_warnings(*, rule: str, members: list[tuple[str, int | None]]) -> list[str]:
    """Advice on a group's composition that is no shortcoming: in Veiledningsordningen the owner takes part
    at both the political and the administrative level (000 «Roller i utviklingsprosessen»), and the
    evaluation found it a weakness where the political owner was not in the group (001 §2.3.2)."""
    roles = {role for role, _ in members}
    if rule == Programme.GroupRule.VEILEDNING and Role.OWNER_POLITICAL not in roles:
        return ["Kulturskoleeier på politisk nivå er ikke med i gruppen."]
    return []


class MembershipQuerySet(models.QuerySet["Membership"]):
    """The one rule for who still takes part (issue 13). A membership gives access to its group's pages,
    meetings, plan work, comments, survey link and calendar entries only while it is *current*:

    - it has not ended (`ended_on` empty or still ahead),
    - its person is active (a deactivated person cannot log in; their links stop too), and
    - its group has not ended early (`MunicipalityGroup.Status.ENDED_EARLY`).

    A membership that is no longer current keeps only what the programme's records need: the group's
    contracts (read and download, never sign) and the approved versions of its development plan. Those two
    read through every membership (`Contract.objects.visible_to`, `development_plans.selectors.plan_access`);
    everything else reads through `current()` or, for a membership already in hand, `gives_access`."""

    def current(self) -> "MembershipQuerySet":
        return self.filter(
            Q(ended_on__isnull=True) | Q(ended_on__gt=timezone.localdate()), user__is_active=True
        ).exclude(group__status=MunicipalityGroup.Status.ENDED_EARLY)


class Membership(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships", verbose_name="deltaker"
    )
    group = models.ForeignKey(
        MunicipalityGroup, on_delete=models.CASCADE, related_name="memberships", verbose_name="kommunegruppe"
    )
    role = models.CharField("rolle", max_length=30, choices=Role.choices)
    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="kommune",
        help_text="Hvilken av gruppens kommuner deltakeren representerer.",
    )
    started_on = models.DateField("med fra og med", default=timezone.localdate)
    ended_on = models.DateField(
        "sluttet fra og med",
        null=True,
        blank=True,
        help_text="Fra denne datoen ser deltakeren bare gruppens kontrakter og godkjente utviklingsplan.",
    )
    # When the row was made, which no form can change (started_on can be typed): what decides whether
    # deleting it is undoing a mistake (membership_delete_allowed). Not auto_now_add, so that a test or an
    # import can say when; editable=False keeps it out of every form all the same.
    created_at = models.DateTimeField("lagt til", default=timezone.now, editable=False)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = "deltaker"
        verbose_name_plural = "deltakere"
        ordering = ["group", "user__full_name"]
        constraints = [models.UniqueConstraint(fields=["user", "group"], name="membership_unique_user_group")]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()})"

    def clean(self) -> None:
        if self.ended_on and self.started_on and self.ended_on < self.started_on:
            raise ValidationError({"ended_on": "Deltakelsen kan ikke slutte før den begynte."})

    def gives_access(self, group: MunicipalityGroup) -> bool:
        """`MembershipQuerySet.current` for a membership in hand (of a logged-in, hence active, user), with
        its `group` passed in so that a prefetched list asks no query."""
        if group.status == MunicipalityGroup.Status.ENDED_EARLY:
            return False
        return self.ended_on is None or self.ended_on > timezone.localdate()


class MembershipChange(models.Model):
    """A change of a member's role, for the group's history (the group page). When a member joined and left
    is their membership's own `started_on` and `ended_on`; who made each change is in the audit log."""

    membership = models.ForeignKey(
        Membership, on_delete=models.CASCADE, related_name="changes", verbose_name="deltaker"
    )
    changed_on = models.DateField("dato", default=timezone.localdate)
    old_role = models.CharField("fra rolle", max_length=30, choices=Role.choices)
    new_role = models.CharField("til rolle", max_length=30, choices=Role.choices)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="endret av",
    )
    created_at = models.DateTimeField("registrert", auto_now_add=True)

    class Meta:
        verbose_name = "rolleendring"
        verbose_name_plural = "rolleendringer"
        ordering = ["changed_on", "pk"]

    def __str__(self) -> str:
        return f"{self.membership.user}: {self.get_old_role_display()} → {self.get_new_role_display()}"


class GroupDocumentQuerySet(models.QuerySet["GroupDocument"]):
    def visible_to(self, user: User) -> "GroupDocumentQuerySet":
        """The documents of the groups `user` may see now (`MunicipalityGroupQuerySet.visible_to`, hence
        current members only), apart from those taken down."""
        return self.filter(group__in=MunicipalityGroup.objects.visible_to(user), hidden_at__isnull=True)

    def with_versions(self) -> "GroupDocumentQuerySet":
        """Everything a list of documents shows, in a fixed number of queries (two)."""
        return self.select_related("latest__uploaded_by", "created_by").prefetch_related(
            models.Prefetch("versions", GroupDocumentVersion.objects.select_related("uploaded_by").order_by("-number"))
        )


class GroupDocument(models.Model):
    """A document the group shares (dokument i kommunegruppen; the foundation document asks the owner to
    document the work): a title and its versions, the newest first. Taken down by its uploader or staff, it
    disappears from the portal but its versions stay in storage and in the admin, so that the record of what
    was shared is not lost with it."""

    group = models.ForeignKey(
        MunicipalityGroup, on_delete=models.PROTECT, related_name="documents", verbose_name="kommunegruppe"
    )
    title = models.CharField("tittel", max_length=NAME)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="lastet opp av",
    )
    created_at = models.DateTimeField("lastet opp", auto_now_add=True)
    # The newest version, kept on the document so that a list reads it without a query per row.
    latest = models.ForeignKey(
        "GroupDocumentVersion",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="nyeste versjon",
    )
    hidden_at = models.DateTimeField("tatt bort", null=True, blank=True)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="tatt bort av",
    )

    objects = GroupDocumentQuerySet.as_manager()

    class Meta:
        verbose_name = "dokument i kommunegruppen"
        verbose_name_plural = "dokumenter i kommunegruppene"
        ordering = ["group", "-created_at", "-pk"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("municipalities:documents", kwargs={"group_pk": self.group_id}) + f"#dokument-{self.pk}"


class GroupDocumentVersion(models.Model):
    """One uploaded file of a document, kept privately (core.storage; `path` is its storage name) with the
    SHA-256 of its bytes, which every download checks. `file_type` is what its content is
    (core.file_types), never what its name or the browser said."""

    document = models.ForeignKey(
        GroupDocument, on_delete=models.PROTECT, related_name="versions", verbose_name="dokument"
    )
    number = models.PositiveIntegerField("versjon")
    file_type = models.CharField("filtype", max_length=10, editable=False)
    original_name = models.CharField("filnavn ved opplasting", max_length=255, editable=False)
    path = models.CharField("fil", max_length=300, unique=True, editable=False)
    sha256 = models.CharField("SHA-256", max_length=64, editable=False)
    size = models.PositiveIntegerField("størrelse (byte)", editable=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="lastet opp av",
    )
    uploaded_at = models.DateTimeField("lastet opp", auto_now_add=True)

    class Meta:
        verbose_name = "dokumentversjon"
        verbose_name_plural = "dokumentversjoner"
        ordering = ["document", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["document", "number"], name="groupdocumentversion_unique_number")
        ]

    def __str__(self) -> str:
        return f"{self.document} (versjon {self.number})"

    @property
    def group_id(self) -> int:
        """The group an audit event about this version concerns (accounts.services.audit_group_id)."""
        return self.document.group_id

    @property
    def type_label(self) -> str:
        file_type = FILE_TYPES.get(self.file_type)
        return file_type.label if file_type else self.file_type
