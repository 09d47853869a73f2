from datetime import date, timedelta
from typing import Self

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from accounts.roles import ADVISER
from core.limits import DOCUMENT_TEXT, LONG_TEXT, SHORT_TEXT, max_length_checks

from .weeks import iso_weeks, months_span, weeks_label


class Programme(models.Model):
    class GroupRule(models.TextChoices):
        # The seeds' two ways of composing a municipality group; see MunicipalityGroup.shortcomings().
        VEILEDNING = "veiledning", "Veiledningsordningen: kulturskoleeier, kulturskoleleder og ressurslærer"
        FREMTIDENS_KULTURSKOLE = (
            "fremtidens_kulturskole",
            "Fremtidens kulturskole: minst fire deltakere, kulturskoleeier og nøyaktig én koordinator",
        )

    key = models.SlugField("nøkkel", unique=True, help_text="Kort, fast navn brukt av systemet.")
    name = models.CharField("navn", max_length=100)
    long_name = models.CharField("fullt navn", max_length=300)
    group_rule = models.CharField("krav til kommunegruppen", max_length=40, choices=GroupRule.choices)
    participation_fee = models.PositiveIntegerField(
        "deltakeravgift (kr per kommune)", default=0, help_text="0 når deltakelse er gratis."
    )
    fee_instalments = models.PositiveSmallIntegerField(
        "antall fakturaer", default=1, help_text="Avgiften deles likt på så mange fakturaer."
    )
    fee_note = models.TextField("om kostnader", blank=True, max_length=SHORT_TEXT)
    contact_name = models.CharField("kontaktperson", max_length=200)
    contact_title = models.CharField("kontaktpersonens tittel", max_length=200, blank=True)
    contact_email = models.EmailField("kontaktpersonens e-post", blank=True)
    contact_phone = models.CharField("kontaktpersonens telefon", max_length=40, blank=True)
    signatory_name = models.CharField("signatar (navn)", max_length=200)
    signatory_title = models.CharField("signatarens tittel", max_length=200)

    class Meta:
        verbose_name = "program"
        verbose_name_plural = "program"
        ordering = ["name"]
        constraints = [*max_length_checks("programme", fee_note=SHORT_TEXT)]

    def __str__(self) -> str:
        return self.name


class PortfolioQuerySet(models.QuerySet["Portfolio"]):
    def visible_to(self, user: User) -> Self:
        """Portfolios a user takes part in: as programme leader (all), adviser, or current group member.

        The member's part is `municipalities.models.MembershipQuerySet.current`, spelt out in lookups since
        this app may not import that one: a membership that has not ended, of an active person, in a group
        that did not end early."""
        if user.is_programme_leader:
            return self.all()
        current_member = (
            Q(groups__memberships__user=user, groups__memberships__user__is_active=True)
            & (
                Q(groups__memberships__ended_on__isnull=True)
                | Q(groups__memberships__ended_on__gt=timezone.localdate())
            )
            & ~Q(groups__status="ended_early")
        )
        return self.filter(Q(advisers=user) | Q(groups__adviser=user) | current_member).distinct()


class PortfolioManager(models.Manager.from_queryset(PortfolioQuerySet)):  # type: ignore[misc]
    """A portfolio is printed with its programme («Veiledningsordningen: Portefølje 7, 2026–27»), so the
    default manager fetches the programme in the same query. Django builds every choice field and list
    filter over portfolios (in the admin and in forms) from the default manager, so none of them runs a
    query per portfolio. A join with a table of a few rows costs next to nothing; related access
    (`group.portfolio`) uses the base manager, so lists of other objects still name
    `portfolio__programme` in their select_related."""

    def get_queryset(self) -> PortfolioQuerySet:
        return super().get_queryset().select_related("programme")


class Portfolio(models.Model):
    class Status(models.TextChoices):
        PLANNED = "planned", "Planlagt"
        RECRUITING = "recruiting", "Opptak"
        ACTIVE = "active", "Pågår"
        COMPLETED = "completed", "Avsluttet"

    programme = models.ForeignKey(
        Programme, on_delete=models.PROTECT, related_name="portfolios", verbose_name="program"
    )
    number = models.PositiveSmallIntegerField("nummer", null=True, blank=True)
    name = models.CharField("navn", max_length=200)
    document_title = models.CharField("tittel på grunnlagsdokumentet", max_length=300, blank=True)
    plan_title = models.CharField("tittel på planen", max_length=300, blank=True)
    agreement_start = models.DateField("avtaleperiode fra")
    agreement_end = models.DateField("avtaleperiode til")
    status = models.CharField("status", max_length=20, choices=Status.choices, default=Status.PLANNED)
    advisers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="advised_portfolios",
        verbose_name="veiledere",
        limit_choices_to={"groups__name": ADVISER},
    )

    objects = PortfolioManager()

    class Meta:
        verbose_name = "portefølje"
        verbose_name_plural = "porteføljer"
        ordering = ["-agreement_start", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(agreement_end__gte=models.F("agreement_start")), name="portfolio_period_ordered"
            )
        ]

    def __str__(self) -> str:
        return f"{self.programme.name}: {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("dashboard:portfolio_detail", kwargs={"pk": self.pk})

    @property
    def period_display(self) -> str:
        return f"{self.agreement_start:%d.%m.%Y}–{self.agreement_end:%d.%m.%Y}"

    def clean(self) -> None:
        if self.agreement_start and self.agreement_end and self.agreement_end < self.agreement_start:
            raise ValidationError({"agreement_end": "Avtaleperioden kan ikke slutte før den begynner."})


# Written in a foundation section where the document names its agreement period, so that the
# portfolio's own period is printed there and the two can never disagree.
PERIOD_PLACEHOLDER = "{avtaleperiode}"
# Written where the document refers the reader to its plan. The originals said «Se side 6»; the portal's
# document has other pages, so the reference is to the section, with the page the PDF's layout gives it.
PLAN_PLACEHOLDER = "{plan}"


class FoundationSection(models.Model):
    """One section of the portfolio's foundation document (grunnlagsdokument)."""

    portfolio = models.ForeignKey(
        Portfolio, on_delete=models.CASCADE, related_name="sections", verbose_name="portefølje"
    )
    order = models.PositiveSmallIntegerField("rekkefølge", default=0)
    heading = models.CharField("overskrift", max_length=200)
    text = models.TextField(
        "tekst",
        blank=True,
        help_text=(
            "Avsnitt skilles med en tom linje. Linjer som begynner med «- » blir punkter. "
            "«{avtaleperiode}» byttes ut med porteføljens avtaleperiode, og «{plan}» med en henvisning til "
            "«Plan for gjennomføring» (i PDF-en med sidetallet)."
        ),
        max_length=DOCUMENT_TEXT,
    )

    class Meta:
        verbose_name = "avsnitt i grunnlagsdokumentet"
        verbose_name_plural = "avsnitt i grunnlagsdokumentet"
        ordering = ["portfolio", "order", "pk"]
        constraints = [*max_length_checks("foundationsection", text=DOCUMENT_TEXT)]

    def __str__(self) -> str:
        return self.heading


class PlanItem(models.Model):
    """A row of the portfolio's «Plan for gjennomføring»."""

    class Kind(models.TextChoices):
        MEETING = "meeting", "Møte med veileder"
        GATHERING = "gathering", "Felles samling"
        PERIOD = "period", "Arbeid i kommunen"

    class Format(models.TextChoices):
        PHYSICAL = "physical", "Fysisk"
        DIGITAL = "digital", "Digitalt"
        PHONE_OR_ONLINE = "phone_or_online", "Telefonmøte/nettmøte"

    class Audience(models.TextChoices):
        ALL = "all", "Alle deltakere"
        COORDINATORS = "coordinators", "Koordinatorene"

    portfolio = models.ForeignKey(
        Portfolio, on_delete=models.CASCADE, related_name="plan_items", verbose_name="portefølje"
    )
    order = models.PositiveSmallIntegerField("rekkefølge", default=0)
    number = models.CharField("møtenummer", max_length=10, blank=True)
    title = models.CharField("hva", max_length=300)
    kind = models.CharField("type", max_length=20, choices=Kind.choices)
    audience = models.CharField("for", max_length=20, choices=Audience.choices, default=Audience.ALL)
    format = models.CharField("form", max_length=20, choices=Format.choices, blank=True)
    when_text = models.CharField("når (dokumentets ordlyd)", max_length=200, blank=True)
    starts_on = models.DateField("fra dato", null=True, blank=True)
    ends_on = models.DateField("til dato", null=True, blank=True)
    week_from = models.DateField(
        "fra uke", null=True, blank=True, help_text="Velg en dag i den første uka; planen viser ukenummeret."
    )
    week_to = models.DateField("til uke", null=True, blank=True, help_text="Velg en dag i den siste uka.")
    weeks_text = models.CharField(
        "uke (planens ordlyd)",
        max_length=40,
        blank=True,
        help_text="Bare der planen skriver ukene annerledes enn fra og til gir, f.eks. «2–3 eller 4».",
    )
    notes = models.TextField("stikkord", blank=True, help_text="Ett stikkord per linje.", max_length=LONG_TEXT)

    class Meta:
        verbose_name = "rad i planen"
        verbose_name_plural = "plan for gjennomføring"
        ordering = ["portfolio", "order", "pk"]
        constraints = [*max_length_checks("planitem", notes=LONG_TEXT)]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        errors = {}
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            errors["ends_on"] = "Sluttdatoen kan ikke være før startdatoen."
        if self.week_to and not self.week_from:
            errors["week_from"] = "Oppgi første uke når siste uke er oppgitt."
        if self.week_from and self.week_to and self.week_to < self.week_from:
            errors["week_to"] = "Siste uke kan ikke være før første uke."
        if errors:
            raise ValidationError(errors)

    @property
    def weeks(self) -> list[int]:
        """The ISO week numbers the row covers, in order."""
        if not self.week_from:
            return []
        return iso_weeks(self.week_from, self.week_to or self.week_from)

    @property
    def weeks_display(self) -> str:
        """Weeks as the plan writes them: «6», «6/7», «40–44», or its own wording («2–3 eller 4»)."""
        return self.weeks_text or weeks_label(self.weeks)

    @property
    def span(self) -> tuple[date, date] | None:
        """When the row lies in time: its dates, else its weeks (Monday to Sunday), else the months its «Når»
        names («Juni eller august 25»: 01.06.–31.08.2025). None for a row that says nothing of time."""
        if self.starts_on:
            return self.starts_on, self.ends_on or self.starts_on
        if self.week_from:
            last = self.week_to or self.week_from
            return self.week_from - timedelta(days=self.week_from.weekday()), last + timedelta(days=6 - last.weekday())
        return months_span(self.when_text)

    @property
    def note_lines(self) -> list[str]:
        return [line.strip() for line in self.notes.splitlines() if line.strip()]
