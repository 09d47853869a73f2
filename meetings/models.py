import uuid
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from core.limits import LONG_TEXT, NAME, max_length_checks
from core.models import Revised, ScheduledEmail
from municipalities.models import GroupDocument, Membership, MunicipalityGroup, Role
from portfolios.models import PlanItem, Portfolio
from portfolios.weeks import iso_weeks, weeks_label


class MeetingQuerySet(models.QuerySet["Meeting"]):
    def visible_to(self, user: User) -> "MeetingQuerySet":
        """Meetings a user may see: all for the programme leader; a group's meetings for its members and
        adviser; a portfolio's gatherings for everyone in one of its groups and for its advisers."""
        if user.is_programme_leader:
            return self.all()
        current = Membership.objects.current()
        in_group = Exists(current.filter(group=OuterRef("group"), user=user))
        in_portfolio = Exists(current.filter(group__portfolio=OuterRef("portfolio"), user=user))
        advises_portfolio = Exists(
            Portfolio.advisers.through.objects.filter(portfolio=OuterRef("portfolio"), user=user)
        )
        return self.filter(
            Q(group__isnull=False, group__adviser=user)
            | Q(group__isnull=False) & in_group
            | Q(group__isnull=True) & (in_portfolio | advises_portfolio)
        )

    def with_details(self) -> "MeetingQuerySet":
        return self.select_related("portfolio__programme", "group__adviser", "plan_item", "note")


class Meeting(Revised):
    """A meeting of one group (with its adviser, or the group's own local meeting), or a gathering for a
    whole portfolio (`group` empty)."""

    class Kind(models.TextChoices):
        GUIDANCE = "guidance", "Veiledningsmøte"
        GATHERING = "gathering", "Fellessamling"
        GROUP_MEETING = "group_meeting", "Kommunegruppemøte"
        STAFF_MEETING = "staff_meeting", "Personalmøte"
        # After the period (issue 16): the adviser meets a completed group again, e.g. a year later.
        FOLLOW_UP = "follow_up", "Oppfølgingsmøte"

    class Format(models.TextChoices):
        PHYSICAL = "physical", "Fysisk møte"
        DIGITAL = "digital", "Digitalt møte"
        PHONE = "phone", "Telefonmøte"

    class Status(models.TextChoices):
        PLANNED = "planned", "Foreløpig"
        CONFIRMED = "confirmed", "Bekreftet"
        HELD = "held", "Gjennomført"
        CANCELLED = "cancelled", "Avlyst"

    LOCAL_KINDS = (Kind.GROUP_MEETING, Kind.STAFF_MEETING)

    portfolio = models.ForeignKey(
        Portfolio, on_delete=models.CASCADE, related_name="meetings", verbose_name="portefølje"
    )
    group = models.ForeignKey(
        MunicipalityGroup,
        on_delete=models.CASCADE,
        related_name="meetings",
        null=True,
        blank=True,
        verbose_name="kommunegruppe",
        help_text="Tom for en fellessamling for hele porteføljen.",
    )
    plan_item = models.ForeignKey(
        PlanItem,
        on_delete=models.SET_NULL,
        related_name="meetings",
        null=True,
        blank=True,
        verbose_name="rad i planen",
    )
    title = models.CharField("tittel", max_length=300)
    kind = models.CharField("type", max_length=20, choices=Kind.choices)
    status = models.CharField("status", max_length=20, choices=Status.choices, default=Status.PLANNED)
    # A planned meeting lies somewhere in the plan's weeks; the exact time comes when it is confirmed.
    window_start = models.DateField("tidligst", null=True, blank=True)
    window_end = models.DateField("senest", null=True, blank=True)
    starts_at = models.DateTimeField("starter", null=True, blank=True)
    ends_at = models.DateTimeField("slutter", null=True, blank=True)
    format = models.CharField("form", max_length=20, choices=Format.choices, blank=True)
    place = models.CharField("sted", max_length=300, blank=True)
    link = models.URLField("lenke til møtet", max_length=500, blank=True)
    agenda = models.TextField("saksliste", blank=True, max_length=LONG_TEXT)
    cancelled_reason = models.CharField("grunn til avlysning", max_length=300, blank=True)
    # Attendance (issue 16): set when the adviser (the programme leader for a gathering) records who took
    # part, so that a meeting where nobody of a role came is told apart from one where nobody recorded.
    attendance_recorded_at = models.DateTimeField("oppmøte registrert", null=True, blank=True, editable=False)
    attendance_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )
    # Registration for a common gathering (issue 16): opened and closed by the programme leader.
    registration_open = models.BooleanField("påmeldingen er åpen", default=False)
    registration_deadline = models.DateTimeField("påmeldingsfrist", null=True, blank=True)
    registration_capacity = models.PositiveIntegerField(
        "antall plasser", null=True, blank=True, help_text="Tomt: ingen grense."
    )
    participant_cost = models.CharField(
        "deltakerne betaler selv",
        max_length=300,
        blank=True,
        help_text="F.eks. «Reise og overnatting dekkes av kommunen».",
    )
    # iCalendar: the UID never changes, SEQUENCE rises with every change participants should see.
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    sequence = models.PositiveIntegerField("versjon", default=0, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = MeetingQuerySet.as_manager()

    class Meta:
        verbose_name = "møte"
        verbose_name_plural = "møter"
        ordering = ["starts_at", "window_start", "pk"]
        constraints = [
            *max_length_checks("meeting", agenda=LONG_TEXT),
            models.CheckConstraint(
                name="meeting_gathering_has_no_group",
                condition=Q(kind="gathering", group__isnull=True) | (~Q(kind="gathering") & Q(group__isnull=False)),
            ),
            models.CheckConstraint(
                name="meeting_registration_only_for_gatherings",
                condition=Q(registration_open=False) | Q(kind="gathering"),
            ),
            models.CheckConstraint(
                name="meeting_ends_after_start",
                condition=Q(starts_at__isnull=True, ends_at__isnull=True) | Q(ends_at__gt=models.F("starts_at")),
            ),
            models.CheckConstraint(
                name="meeting_confirmed_has_time",
                condition=Q(status="planned") | Q(starts_at__isnull=False),
            ),
            # Creating a group's meetings from the plan twice must not double them.
            models.UniqueConstraint(fields=["group", "plan_item"], name="meeting_once_per_group_and_plan_row"),
            models.UniqueConstraint(
                fields=["portfolio", "plan_item"],
                condition=Q(group__isnull=True),
                name="gathering_once_per_plan_row",
            ),
        ]
        indexes = [models.Index(fields=["group", "starts_at"]), models.Index(fields=["portfolio", "starts_at"])]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("meetings:meeting_detail", kwargs={"pk": self.pk})

    @property
    def is_gathering(self) -> bool:
        return self.group_id is None

    @property
    def attendance_recorded(self) -> bool:
        return self.attendance_recorded_at is not None

    @property
    def is_local(self) -> bool:
        return self.kind in self.LOCAL_KINDS

    @property
    def has_time(self) -> bool:
        return self.starts_at is not None

    @property
    def is_past(self) -> bool:
        return self.ends_at is not None and self.ends_at < timezone.now()

    @property
    def week_display(self) -> str:
        """The plan's time for a meeting without one, as the plan writes it: «uke 6/7», «uke 40–44», «uke 2–3
        eller 4», or for a plan row that names only months, its words («juni eller august 25»).

        Reads the meeting's plan row: load it with the meeting (with_details, or select_related)."""
        if not self.window_start:
            return ""
        # The services set both ends of the window or neither; a window with no end is one day long.
        weeks = iso_weeks(self.window_start, self.window_end or self.window_start)
        item = self.plan_item if self.plan_item_id else None
        if item is not None and item.span == (self.window_start, self.window_end):
            if not item.weeks and not item.starts_on and item.when_text:
                return item.when_text[:1].lower() + item.when_text[1:]
            if item.weeks == weeks:
                return f"uke {item.weeks_display}"
        return f"uke {weeks_label(weeks)}"


class MeetingNote(Revised):
    """The adviser's note from a guidance meeting. Members see it once it is published; `staff_note`
    is for the organisation's staff alone and never shown to members. Its `revision` covers its tasks too:
    the note form edits them together."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Utkast"
        PUBLISHED = "published", "Publisert"

    meeting = models.OneToOneField(Meeting, on_delete=models.CASCADE, related_name="note", verbose_name="møte")
    summary = models.TextField("hva vi snakket om", blank=True, max_length=LONG_TEXT)
    agreements = models.TextField("hva vi ble enige om", blank=True, max_length=LONG_TEXT)
    staff_note = models.TextField(
        "internt notat",
        blank=True,
        help_text="Vises bare for veiledere og programleder, aldri for kommunen.",
        max_length=LONG_TEXT,
    )
    status = models.CharField("status", max_length=20, choices=Status.choices, default=Status.DRAFT)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="skrevet av"
    )
    published_at = models.DateTimeField("publisert", null=True, blank=True)
    updated_at = models.DateTimeField("sist endret", auto_now=True)
    # The group's own documents only (services.note_save checks); one taken down is no longer shown.
    documents = models.ManyToManyField(
        GroupDocument,
        blank=True,
        related_name="meeting_notes",
        verbose_name="dokumenter",
        help_text="Dokumenter fra gruppens dokumenter som referatet viser til.",
    )

    class Meta:
        verbose_name = "møtereferat"
        verbose_name_plural = "møtereferater"
        constraints = [*max_length_checks("meetingnote", summary=LONG_TEXT, agreements=LONG_TEXT, staff_note=LONG_TEXT)]

    def __str__(self) -> str:
        return f"Referat: {self.meeting}"

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED


class TaskQuerySet(models.QuerySet["Task"]):
    def open(self) -> "TaskQuerySet":
        return self.filter(done_at__isnull=True)

    def published(self) -> "TaskQuerySet":
        return self.filter(note__status=MeetingNote.Status.PUBLISHED)


class Task(models.Model):
    """A task agreed in a meeting, for the period until the next one."""

    note = models.ForeignKey(MeetingNote, on_delete=models.CASCADE, related_name="tasks", verbose_name="referat")
    order = models.PositiveSmallIntegerField("rekkefølge", default=0)
    text = models.CharField("oppgave", max_length=500)
    responsible_role = models.CharField("ansvarlig rolle", max_length=40, choices=Role.choices, blank=True)
    responsible_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="meeting_tasks",
        verbose_name="ansvarlig person",
    )
    due_on = models.DateField("frist", null=True, blank=True)
    done_at = models.DateTimeField("utført", null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = TaskQuerySet.as_manager()

    class Meta:
        verbose_name = "oppgave"
        verbose_name_plural = "oppgaver"
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return self.text

    @property
    def is_done(self) -> bool:
        return self.done_at is not None

    @property
    def is_overdue(self) -> bool:
        return not self.is_done and self.due_on is not None and self.due_on < timezone.localdate()

    @property
    def responsible_display(self) -> str:
        # No query for a task without a person: the descriptor returns None from the empty key alone.
        if self.responsible_user is not None:
            return self.responsible_user.full_name
        return self.get_responsible_role_display()


class Reminder(ScheduledEmail):
    """One e-mail to one person about one meeting, due at `due_at`. The rows are the schedule: when a row
    falls due, its e-mail is rendered and put in the outbox once (services.reminders_hand_over), which
    sends it, retries it and records whether it went (core.outbox)."""

    class Kind(models.TextChoices):
        BEFORE_MEETING = "before_meeting", "Påminnelse før møtet"
        NOTE_MISSING = "note_missing", "Referat mangler"
        CHANGED = "changed", "Møtet er endret"
        CANCELLED = "cancelled", "Møtet er avlyst"
        NOTE_PUBLISHED = "note_published", "Referat publisert"

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="reminders", verbose_name="møte")
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reminders", verbose_name="mottaker"
    )
    kind = models.CharField("type", max_length=20, choices=Kind.choices)
    # Before the meeting for BEFORE_MEETING, after its end for NOTE_MISSING, zero for notices.
    offset = models.DurationField("tid før/etter møtet", default=timedelta(0))
    # For notices: the meeting's SEQUENCE they announce, so a second change is a new notice.
    sequence = models.PositiveIntegerField(default=0)

    # Not a field: set by services._load_claimed on the rows the hand-over claimed, the pks of the people
    # the meeting concerns at that moment.
    participants: set[int]
    # Likewise: of the claimed rows' recipients, those who follow more than one group
    # (selectors.following_several_groups), whose calendar entries name the group.
    several_groups: set[int]

    class Meta:
        verbose_name = "påminnelse"
        verbose_name_plural = "påminnelser"
        ordering = ["due_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "recipient", "kind", "offset", "sequence"], name="reminder_once_per_recipient"
            )
        ]
        indexes = [
            # The hand-over's query: due pending rows. A partial index stays as small as the queue.
            models.Index(fields=["due_at"], condition=Q(status="pending"), name="reminder_pending_due"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.meeting} → {self.recipient}"


class Attendance(models.Model):
    """One person who took part in a meeting (oppmøte): a member by their membership, which stays when they
    leave the group, so that the record keeps their name and role; or a guest by name and role. For a
    gathering, the membership is of any group in the portfolio."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendances", verbose_name="møte")
    membership = models.ForeignKey(
        Membership,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="attendances",
        verbose_name="deltaker",
    )
    guest_name = models.CharField("gjestens navn", max_length=NAME, blank=True)
    guest_role = models.CharField("gjestens rolle", max_length=NAME, blank=True)
    recorded_at = models.DateTimeField("registrert", auto_now_add=True)

    class Meta:
        verbose_name = "oppmøte"
        verbose_name_plural = "oppmøter"
        ordering = ["meeting", "pk"]
        constraints = [
            models.CheckConstraint(
                name="attendance_member_or_guest",
                condition=Q(membership__isnull=False, guest_name="", guest_role="")
                | Q(membership__isnull=True) & ~Q(guest_name=""),
            ),
            models.UniqueConstraint(
                fields=["meeting", "membership"],
                condition=Q(membership__isnull=False),
                name="attendance_once_per_member",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.role_display})"

    @property
    def name(self) -> str:
        """Reads the membership's user: load it (select_related("membership__user"))."""
        return self.membership.user.full_name if self.membership is not None else self.guest_name

    @property
    def role_display(self) -> str:
        if self.membership is not None:
            return self.membership.get_role_display()
        return self.guest_role or "Gjest"


class Registration(models.Model):
    """A person's registration (påmelding) for a common gathering: a current member of a group in the
    gathering's portfolio, registered by themselves or by someone of their own group."""

    meeting = models.ForeignKey(
        Meeting, on_delete=models.CASCADE, related_name="registrations", verbose_name="fellessamling"
    )
    membership = models.ForeignKey(
        Membership, on_delete=models.CASCADE, related_name="registrations", verbose_name="deltaker"
    )
    needs = models.CharField(
        "behov",
        max_length=500,
        blank=True,
        help_text="F.eks. allergier, kosthold eller tilrettelegging.",
    )
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name="meldt på av"
    )
    created_at = models.DateTimeField("meldt på", auto_now_add=True)

    class Meta:
        verbose_name = "påmelding"
        verbose_name_plural = "påmeldinger"
        ordering = ["meeting", "created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "membership"], name="registration_once_per_member"),
        ]

    def __str__(self) -> str:
        return f"{self.membership} → {self.meeting}"


class CalendarFeed(models.Model):
    """A person's secret calendar address. Only the SHA-256 of the token is stored; the address is
    shown once, when it is made, and renewing it makes the old one stop working."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "kalenderabonnement"
        verbose_name_plural = "kalenderabonnementer"

    def __str__(self) -> str:
        return f"Kalender for {self.user}"
