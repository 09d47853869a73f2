"""A municipality group's development plan (utviklingsplan): goals per level, measures under each goal,
comments, and the versions the owner approved.

Versioning: the live plan is always the one being worked on, with `version` its number. When the owner
approves, the plan's goals and measures are frozen as JSON in a `PlanVersion` row; the first change after
that starts version + 1 as a draft. Old versions render read-only from their snapshot, so they never change
when goals or measures are later edited or deleted."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db import models
from django.db.models import F, Q
from django.urls import reverse

from accounts.models import User
from core.limits import LONG_TEXT, SHORT_TEXT, max_length_checks
from core.models import Revised
from municipalities.models import MunicipalityGroup, Role


class Level(models.TextChoices):
    """The three levels («forvaltningsnivåene») a plan sets sub-goals for."""

    OWNER = "owner", "Kulturskoleeier"
    LEADER = "leader", "Kulturskoleleder"
    TEACHERS = "teachers", "Lærerne"


# The Rammeplan's vocabulary (seed 003, programmes.json → rammeplan_tags); a goal may carry any of them.
class Pillar(models.TextChoices):
    LEARNING = "learning", "Læring"
    EXPRESSION = "expression", "Utfoldelse"
    SUSTAINABILITY = "sustainability", "Bærekraft"


class ProgrammeArea(models.TextChoices):
    CORE = "core", "Kjerneprogram"
    SPECIALISATION = "specialisation", "Fordypningsprogram"
    BROAD = "broad", "Breddetilbud"


class Quality(models.TextChoices):
    STRUCTURE = "structure", "Strukturkvalitet"
    PROCESS = "process", "Prosesskvalitet"
    RESULT = "result", "Resultatkvalitet"


@dataclass(frozen=True)
class PlanAccess:
    """What one user may do with one group's plan, as `selectors.plan_access` decides it. Defined here, not
    in the selectors, so that DevelopmentPlan can declare the `access` the selectors set on it."""

    # Reading the approved versions (PlanVersion) alone: what a membership that is no longer current keeps.
    can_read_approved: bool = False
    can_read: bool = False
    can_comment: bool = False
    can_edit: bool = False
    can_approve: bool = False


class DevelopmentPlanQuerySet(models.QuerySet["DevelopmentPlan"]):
    def visible_to(self, user: User | AnonymousUser) -> "DevelopmentPlanQuerySet":
        """Plans a user may read: all for the programme leader, else their groups' (as adviser or member,
        a former member too, for the approved versions); none for an anonymous user, as in
        `selectors.plan_access`, which decides what each may do."""
        if not user.is_authenticated:
            return self.none()
        if user.is_programme_leader:
            return self.all()
        return self.filter(Q(group__adviser=user) | Q(group__memberships__user=user)).distinct()


class DevelopmentPlan(Revised):
    class Status(models.TextChoices):
        DRAFT = "draft", "Utkast"
        SHARED = "shared", "Delt med veileder"
        APPROVED = "approved", "Godkjent av kulturskoleeier"

    group = models.OneToOneField(
        MunicipalityGroup, on_delete=models.CASCADE, related_name="development_plan", verbose_name="kommunegruppe"
    )
    status = models.CharField("status", max_length=20, choices=Status.choices, default=Status.DRAFT)
    version = models.PositiveIntegerField("versjon", default=1)
    needs = models.TextField(
        "utviklingsbehov", blank=True, help_text="Hvilke behov har dere identifisert?", max_length=LONG_TEXT
    )
    knowledge_base = models.TextField(
        "kunnskapsgrunnlag",
        blank=True,
        help_text="Hvilke analyser, undersøkelser eller dokumenter bygger behovene på?",
        max_length=LONG_TEXT,
    )
    opportunities = models.TextField("muligheter", blank=True, max_length=LONG_TEXT)
    focus_area = models.TextField(
        "fokusområde",
        blank=True,
        help_text="For Fremtidens kulturskole: knyttet til fylkesavdelingens utviklingsområde.",
        max_length=LONG_TEXT,
    )
    overall_goal = models.TextField("hovedmål", blank=True, max_length=LONG_TEXT)
    shared_at = models.DateTimeField("delt med veileder", null=True, blank=True)
    approved_at = models.DateTimeField("godkjent", null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="godkjent av",
    )
    created_at = models.DateTimeField("opprettet", auto_now_add=True)
    updated_at = models.DateTimeField("sist endret", auto_now=True)

    objects = DevelopmentPlanQuerySet.as_manager()

    # Not a field: what the requesting user may do with the plan, set by selectors.get_plan_for_user on the
    # plan it returns (and only there).
    access: PlanAccess

    class Meta:
        verbose_name = "utviklingsplan"
        verbose_name_plural = "utviklingsplaner"
        ordering = ["group"]
        constraints = [
            *max_length_checks(
                "developmentplan",
                needs=LONG_TEXT,
                knowledge_base=LONG_TEXT,
                opportunities=LONG_TEXT,
                focus_area=LONG_TEXT,
                overall_goal=LONG_TEXT,
            )
        ]

    def __str__(self) -> str:
        return f"Utviklingsplan for {self.group}"

    def get_absolute_url(self) -> str:
        return reverse("development_plans:plan_detail", kwargs={"pk": self.pk})


class Goal(Revised):
    """A sub-goal (delmål) for one level, with its evaluation of attainment at the end."""

    plan = models.ForeignKey(DevelopmentPlan, on_delete=models.CASCADE, related_name="goals", verbose_name="plan")
    order = models.PositiveIntegerField("rekkefølge", default=0)
    level = models.CharField("nivå", max_length=20, choices=Level.choices)
    title = models.TextField("mål", max_length=SHORT_TEXT)
    pillars = models.JSONField("søyler i rammeplanen", default=list, blank=True)
    programme_areas = models.JSONField("programområder", default=list, blank=True)
    qualities = models.JSONField("kvalitetsområder", default=list, blank=True)
    success_criteria = models.TextField("slik ser vi at vi lykkes", blank=True, max_length=LONG_TEXT)
    attainment = models.PositiveSmallIntegerField("måloppnåelse (1–6)", null=True, blank=True)
    attainment_text = models.TextField("vurdering av måloppnåelse", blank=True, max_length=LONG_TEXT)
    new_practice = models.TextField(
        "ny drift", blank=True, help_text="Hva blir fast praksis videre?", max_length=LONG_TEXT
    )

    class Meta:
        verbose_name = "mål"
        verbose_name_plural = "mål"
        ordering = ["plan", "order", "pk"]
        constraints = [
            *max_length_checks(
                "goal", title=SHORT_TEXT, success_criteria=LONG_TEXT, attainment_text=LONG_TEXT, new_practice=LONG_TEXT
            ),
            models.CheckConstraint(
                condition=Q(attainment__isnull=True) | Q(attainment__gte=1, attainment__lte=6),
                name="goal_attainment_1_to_6",
                violation_error_message="Måloppnåelsen må være fra 1 til 6.",
            ),
        ]

    def __str__(self) -> str:
        return self.title[:80]

    @staticmethod
    def _labels(choices: type[models.TextChoices], values: Iterable[str]) -> list[str]:
        return [choices(v).label for v in values if v in choices.values]

    @property
    def tag_labels(self) -> list[str]:
        """The goal's Rammeplan tags as screen words, pillars first."""
        return (
            self._labels(Pillar, self.pillars)
            + self._labels(ProgrammeArea, self.programme_areas)
            + self._labels(Quality, self.qualities)
        )


class Measure(Revised):
    """A measure (tiltak) under a goal, linked to the tasks from meeting notes that carry it forward."""

    class Status(models.TextChoices):
        PLANNED = "planned", "Planlagt"
        IN_PROGRESS = "in_progress", "Pågår"
        DONE = "done", "Gjennomført"
        DROPPED = "dropped", "Avbrutt"

    OPEN_STATUSES = (Status.PLANNED, Status.IN_PROGRESS)

    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="measures", verbose_name="mål")
    order = models.PositiveIntegerField("rekkefølge", default=0)
    title = models.TextField("tiltak", max_length=SHORT_TEXT)
    responsible_role = models.CharField("ansvarlig rolle", max_length=30, choices=Role.choices, blank=True)
    responsible_person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="ansvarlig person",
    )
    starts_on = models.DateField("start", null=True, blank=True)
    ends_on = models.DateField("slutt", null=True, blank=True)
    status = models.CharField("status", max_length=20, choices=Status.choices, default=Status.PLANNED)
    dropped_reason = models.TextField("hvorfor avbrutt", blank=True, max_length=SHORT_TEXT)
    evaluation = models.TextField("evaluering", blank=True, max_length=LONG_TEXT)
    # The tasks agreed in meeting notes that carry this measure forward between meetings.
    tasks = models.ManyToManyField(
        "meetings.Task", blank=True, related_name="measures", verbose_name="oppgaver fra møtereferatene"
    )
    # The group's own documents only (services check); one taken down is no longer shown.
    documents = models.ManyToManyField(
        "municipalities.GroupDocument", blank=True, related_name="measures", verbose_name="dokumenter"
    )

    class Meta:
        verbose_name = "tiltak"
        verbose_name_plural = "tiltak"
        ordering = ["goal", "order", "pk"]
        constraints = [
            *max_length_checks("measure", title=SHORT_TEXT, dropped_reason=SHORT_TEXT, evaluation=LONG_TEXT),
            models.CheckConstraint(
                condition=~Q(status="dropped") | ~Q(dropped_reason=""),
                name="measure_dropped_has_reason",
                violation_error_message="Skriv hvorfor tiltaket ble avbrutt.",
            ),
            models.CheckConstraint(
                condition=Q(starts_on__isnull=True) | Q(ends_on__isnull=True) | Q(ends_on__gte=F("starts_on")),
                name="measure_period_ordered",
                violation_error_message="Sluttdatoen kan ikke være før startdatoen.",
            ),
        ]

    def __str__(self) -> str:
        return self.title[:80]

    @property
    def responsible_display(self) -> str:
        person = str(self.responsible_person) if self.responsible_person_id else ""
        return ", ".join(p for p in (person, self.get_responsible_role_display()) if p)

    def is_overdue(self, today: date) -> bool:
        """Still open after its end date."""
        return self.status in self.OPEN_STATUSES and self.ends_on is not None and self.ends_on < today


class Comment(models.Model):
    plan = models.ForeignKey(DevelopmentPlan, on_delete=models.CASCADE, related_name="comments", verbose_name="plan")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="skrevet av"
    )
    text = models.TextField("kommentar", max_length=LONG_TEXT)
    created_at = models.DateTimeField("skrevet", auto_now_add=True)

    class Meta:
        verbose_name = "kommentar"
        verbose_name_plural = "kommentarer"
        ordering = ["plan", "created_at", "pk"]
        constraints = [*max_length_checks("comment", text=LONG_TEXT)]

    def __str__(self) -> str:
        return f"{self.author}: {self.text[:60]}"


class PlanVersion(models.Model):
    """A version of the plan as the owner approved it, frozen as JSON (see `services.plan_snapshot`)."""

    plan = models.ForeignKey(DevelopmentPlan, on_delete=models.CASCADE, related_name="versions", verbose_name="plan")
    number = models.PositiveIntegerField("versjon")
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="godkjent av"
    )
    approved_at = models.DateTimeField("godkjent")
    snapshot = models.JSONField("innhold")

    class Meta:
        verbose_name = "godkjent versjon"
        verbose_name_plural = "godkjente versjoner"
        ordering = ["plan", "-number"]
        constraints = [models.UniqueConstraint(fields=["plan", "number"], name="planversion_unique_number")]

    def __str__(self) -> str:
        return f"{self.plan}, versjon {self.number}"

    def get_absolute_url(self) -> str:
        return reverse("development_plans:version_detail", kwargs={"pk": self.plan_id, "number": self.number})
