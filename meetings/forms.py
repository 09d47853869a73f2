from datetime import datetime, time
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import User
from core.limits import LONG_TEXT, NAME
from municipalities.models import GroupDocument, Membership, Role

from .models import Meeting, MeetingNote, Task
from .services import TaskRow


class MeetingScheduleForm(forms.Form):
    """Date, time and place of a meeting. Times are Norwegian wall-clock times."""

    day = forms.DateField(label="Dato", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    start = forms.TimeField(label="Fra kl.", widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    end = forms.TimeField(label="Til kl.", widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    format = forms.ChoiceField(label="Form", choices=Meeting.Format.choices)
    place = forms.CharField(label="Sted", max_length=300, required=False, help_text="Adresse og rom for fysiske møter.")
    link = forms.URLField(label="Lenke til møtet", max_length=500, required=False, assume_scheme="https")
    agenda = forms.CharField(
        label="Saksliste", widget=forms.Textarea(attrs={"rows": 5}), required=False, max_length=LONG_TEXT
    )

    def __init__(self, *args: Any, meeting: Meeting | None = None, **kwargs: Any) -> None:
        if meeting is not None and "initial" not in kwargs:
            initial: dict[str, Any] = {
                "format": meeting.format,
                "place": meeting.place,
                "link": meeting.link,
                "agenda": meeting.agenda,
            }
            if meeting.starts_at:
                starts, ends = timezone.localtime(meeting.starts_at), timezone.localtime(meeting.ends_at)
                initial |= {"day": starts.date(), "start": starts.time(), "end": ends.time()}
            elif meeting.window_start:
                initial["day"] = meeting.window_start
            kwargs["initial"] = initial
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        day, start, end = cleaned.get("day"), cleaned.get("start"), cleaned.get("end")
        if day and start and end:
            if end <= start:
                self.add_error("end", "Møtet må slutte etter at det har startet.")
            else:
                cleaned["starts_at"] = timezone.make_aware(datetime.combine(day, start))
                cleaned["ends_at"] = timezone.make_aware(datetime.combine(day, end))
        if cleaned.get("format") == Meeting.Format.PHYSICAL and not cleaned.get("place"):
            self.add_error("place", "Skriv hvor møtet holdes.")
        return cleaned


class LocalMeetingForm(MeetingScheduleForm):
    kind = forms.ChoiceField(
        label="Type møte",
        choices=[(k.value, k.label) for k in Meeting.LOCAL_KINDS],
        help_text="Kommunegruppemøte: kommunegruppen alene. Personalmøte: med lærerne i kulturskolen.",
    )
    title = forms.CharField(label="Tittel", max_length=300, required=False, help_text="Tom gir typen som tittel.")
    field_order = ["kind", "title", "day", "start", "end", "format", "place", "link", "agenda"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if not cleaned.get("title") and cleaned.get("kind"):
            cleaned["title"] = Meeting.Kind(cleaned["kind"]).label
        return cleaned


class FollowUpForm(MeetingScheduleForm):
    """A follow-up meeting with a completed group: a title, then the time and place of any meeting."""

    title = forms.CharField(label="Tittel", max_length=300, initial="Oppfølgingsmøte")
    field_order = ["title", "day", "start", "end", "format", "place", "link", "agenda"]


class CancelForm(forms.Form):
    reason = forms.CharField(label="Hvorfor avlyses møtet?", max_length=300, help_text="Deltakerne får se dette.")


class NoteForm(forms.ModelForm[MeetingNote]):
    class Meta:
        model = MeetingNote
        fields = ["summary", "agreements", "staff_note", "documents"]
        widgets = {
            **{name: forms.Textarea(attrs={"rows": 5}) for name in ["summary", "agreements", "staff_note"]},
            "documents": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The meeting's group's documents that are still shared; the instance always has its meeting.
        documents = self.fields["documents"]
        assert isinstance(documents, forms.ModelMultipleChoiceField)
        documents.queryset = GroupDocument.objects.filter(
            group=self.instance.meeting.group_id, hidden_at__isnull=True
        ).order_by("title", "pk")
        documents.help_text = "Kryss av dokumentene fra gruppens dokumenter som referatet viser til."
        documents.error_messages["invalid_choice"] = "Velg blant gruppens dokumenter."
        if not documents.queryset.exists():
            # A group that has shared nothing yet: an empty list only confuses.
            del self.fields["documents"]


class TaskForm(forms.ModelForm[Task]):
    class Meta:
        model = Task
        fields = ["text", "responsible_role", "responsible_user", "due_on"]
        widgets = {"due_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}

    def __init__(self, *args: Any, members: QuerySet[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        role = self.fields["responsible_role"]
        assert isinstance(role, forms.ChoiceField)
        role.choices = [("", "Ingen bestemt rolle"), *Role.choices]
        user = self.fields["responsible_user"]
        assert isinstance(user, forms.ModelChoiceField)
        user.queryset = members
        user.empty_label = "Ingen bestemt person"


TaskFormSet = forms.inlineformset_factory(MeetingNote, Task, form=TaskForm, extra=2, can_delete=True)
# The formset's prefix, its default (the tasks' related name), named for the view that rewrites posted rows.
TASK_PREFIX = "tasks"


def task_rows(formset: forms.BaseInlineFormSet[Task, MeetingNote, TaskForm]) -> list[TaskRow]:
    """The tasks as the adviser left them, in the form's order, for services.note_save."""
    return [
        TaskRow(
            id=form.instance.pk,
            text=form.cleaned_data["text"],
            responsible_role=form.cleaned_data["responsible_role"],
            responsible_user=form.cleaned_data["responsible_user"],
            due_on=form.cleaned_data["due_on"],
        )
        for form in formset.forms
        if form.cleaned_data and not form.cleaned_data.get("DELETE") and form.cleaned_data.get("text")
    ]


# Attendance (issue 16)


class MemberChoiceField(forms.ModelMultipleChoiceField):
    """A checkbox per person, labelled with their name and role (and their group at a gathering)."""

    def __init__(self, *args: Any, with_group: bool = False, **kwargs: Any) -> None:
        self.with_group = with_group
        super().__init__(*args, **kwargs)

    def label_from_instance(self, obj: Any) -> str:
        assert isinstance(obj, Membership)
        label = f"{obj.user.full_name} – {obj.get_role_display()}"
        if obj.ended_on is not None and obj.ended_on <= timezone.localdate():
            label += " (har sluttet)"
        return f"{label}, {obj.group.display_name}" if self.with_group else label


class AttendanceForm(forms.Form):
    members = MemberChoiceField(
        label="Hvem var med?",
        queryset=Membership.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input attendance-check"}),
    )

    def __init__(self, *args: Any, candidates: list[Membership], with_group: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["members"]
        assert isinstance(field, MemberChoiceField)
        field.queryset = Membership.objects.filter(pk__in=[m.pk for m in candidates])
        field.with_group = with_group
        # The choices in the candidates' order, from the list already loaded: no query per checkbox.
        field.choices = [(m.pk, field.label_from_instance(m)) for m in candidates]


class GuestForm(forms.Form):
    name = forms.CharField(label="Gjestens navn", max_length=NAME, required=False)
    role = forms.CharField(
        label="Rolle", max_length=NAME, required=False, help_text="F.eks. «rådgiver i kommunen» eller «lærer»."
    )

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        if cleaned.get("role") and not cleaned.get("name"):
            self.add_error("name", "Skriv gjestens navn, eller fjern rollen.")
        return cleaned


# Room for the guests of one meeting: three empty rows, and never more than twenty in all.
GuestFormSet = forms.formset_factory(GuestForm, extra=3, max_num=20, validate_max=True)
GUEST_PREFIX = "guests"


# Registration for common gatherings (issue 16)


class RegistrationSettingsForm(forms.Form):
    is_open = forms.BooleanField(label="Påmeldingen er åpen", required=False)
    deadline_day = forms.DateField(
        label="Påmeldingsfrist (dato)",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    deadline_time = forms.TimeField(
        label="Påmeldingsfrist (kl.)",
        required=False,
        initial="23:59",
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    capacity = forms.IntegerField(
        label="Antall plasser", required=False, min_value=1, max_value=10_000, help_text="Tomt: ingen grense."
    )
    participant_cost = forms.CharField(
        label="Deltakerne betaler selv",
        max_length=300,
        required=False,
        help_text="F.eks. «Reise og overnatting dekkes av kommunen».",
    )

    def __init__(self, *args: Any, meeting: Meeting | None = None, **kwargs: Any) -> None:
        if meeting is not None and "initial" not in kwargs:
            initial: dict[str, Any] = {
                "is_open": meeting.registration_open,
                "capacity": meeting.registration_capacity,
                "participant_cost": meeting.participant_cost,
            }
            if meeting.registration_deadline:
                deadline = timezone.localtime(meeting.registration_deadline)
                initial |= {"deadline_day": deadline.date(), "deadline_time": deadline.time()}
            kwargs["initial"] = initial
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        day, at = cleaned.get("deadline_day"), cleaned.get("deadline_time")
        cleaned["deadline"] = None
        if day:
            cleaned["deadline"] = timezone.make_aware(datetime.combine(day, at or time(23, 59)))
        elif at:
            self.add_error("deadline_day", "Velg datoen for fristen.")
        return cleaned


class RegistrationForm(forms.Form):
    membership = forms.ModelChoiceField(
        label="Hvem melder du på?", queryset=Membership.objects.none(), empty_label=None
    )
    needs = forms.CharField(
        label="Behov",
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="F.eks. allergier, kosthold eller tilrettelegging. Høyst 500 tegn.",
    )

    def __init__(self, *args: Any, people: list[Membership], user: User, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"membership": next((m.pk for m in people if m.user_id == user.pk), None)})
        super().__init__(*args, **kwargs)
        field = self.fields["membership"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Membership.objects.filter(pk__in=[m.pk for m in people]).select_related("user", "group")
        field.choices = [
            (m.pk, f"{m.user.full_name} – {m.get_role_display()}{' (deg selv)' if m.user_id == user.pk else ''}")
            for m in people
        ]
