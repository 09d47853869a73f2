from typing import Any, TypeVar

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.db import models
from django.db.models import Q
from django.utils import timezone

from accounts.models import User
from meetings.models import Task
from municipalities.models import GroupDocument, Membership, MunicipalityGroup, Role

from .models import Comment, DevelopmentPlan, Goal, Level, Measure, Pillar, ProgrammeArea, Quality

_M = TypeVar("_M", bound=models.Model)


class _Form(forms.ModelForm[_M]):
    """A crispy form with one submit button; the template adds the form tag, so it can add a cancel link."""

    submit_label = "Lagre"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.add_input(Submit("submit", self.submit_label))


def _textarea(rows: int = 3) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


class PlanForm(_Form[DevelopmentPlan]):
    class Meta:
        model = DevelopmentPlan
        fields = ["needs", "knowledge_base", "opportunities", "focus_area", "overall_goal"]
        widgets = {f: _textarea(4) for f in fields}


class GoalForm(_Form[Goal]):
    level = forms.ChoiceField(
        label="Nivå",
        choices=[("", "Velg nivå"), *Level.choices],
        error_messages={"required": "Velg hvilket nivå målet gjelder."},
    )
    pillars = forms.MultipleChoiceField(
        label="Søyler i rammeplanen", choices=Pillar.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    programme_areas = forms.MultipleChoiceField(
        label="Programområder", choices=ProgrammeArea.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    qualities = forms.MultipleChoiceField(
        label="Kvalitetsområder", choices=Quality.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    attainment = forms.TypedChoiceField(
        label="Måloppnåelse (1–6)",
        choices=[("", "Ikke vurdert ennå"), *[(n, str(n)) for n in range(1, 7)]],
        coerce=int,
        empty_value=None,
        required=False,
        help_text="1 er dårligst og 6 best, som i evalueringen.",
    )

    class Meta:
        model = Goal
        fields = [
            "level",
            "title",
            "pillars",
            "programme_areas",
            "qualities",
            "success_criteria",
            "attainment",
            "attainment_text",
            "new_practice",
        ]
        widgets = {
            "title": _textarea(2),
            "success_criteria": _textarea(3),
            "attainment_text": _textarea(3),
            "new_practice": _textarea(2),
        }
        error_messages = {"title": {"required": "Skriv hva målet er."}}

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        if cleaned.get("attainment_text", "").strip() and cleaned.get("attainment") is None:
            self.add_error("attainment", "Gi en vurdering fra 1 til 6 når du skriver om måloppnåelsen.")
        return cleaned


def _task_label(task: Task) -> str:
    meeting = task.note.meeting
    when = f" {timezone.localtime(meeting.starts_at):%d.%m.%Y}" if meeting.starts_at else ""
    return f"{task.text} (fra {meeting.title.lower()}{when})"


class TaskChoiceField(forms.ModelMultipleChoiceField[Task]):
    """The meeting tasks a measure may be linked to, each named with its meeting."""

    def label_from_instance(self, obj: Task) -> str:
        return _task_label(obj)


class MeasureForm(_Form[Measure]):
    starts_on = forms.DateField(
        label="Start", required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    ends_on = forms.DateField(
        label="Slutt", required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )

    class Meta:
        model = Measure
        fields = [
            "title",
            "responsible_role",
            "responsible_person",
            "starts_on",
            "ends_on",
            "status",
            "dropped_reason",
            "evaluation",
            "tasks",
            "documents",
        ]
        widgets = {
            "title": _textarea(2),
            "dropped_reason": _textarea(2),
            "evaluation": _textarea(3),
            "tasks": forms.CheckboxSelectMultiple,
            "documents": forms.CheckboxSelectMultiple,
        }
        field_classes = {"tasks": TaskChoiceField}
        error_messages = {"title": {"required": "Skriv hva tiltaket er."}}

    def __init__(self, *args: Any, group: MunicipalityGroup, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Only the group's current members can be made responsible (and whoever already is, so that the
        # measure of someone who has left can still be saved); the role list is the group's roles.
        person = self.fields["responsible_person"]
        assert isinstance(person, forms.ModelChoiceField)
        chosen = Q(pk__in=Membership.objects.current().filter(group=group).values("user"))
        if self.instance.responsible_person_id:
            chosen |= Q(pk=self.instance.responsible_person_id)
        person.queryset = User.objects.filter(chosen).order_by("full_name")
        person.empty_label = "Ingen bestemt person"
        role = self.fields["responsible_role"]
        assert isinstance(role, forms.ChoiceField)
        role.choices = [("", "Ingen bestemt rolle"), *Role.choices]
        self.fields["dropped_reason"].help_text = "Må fylles ut når tiltaket er avbrutt."
        # The group's tasks from published meeting notes, oldest meeting first.
        tasks = self.fields["tasks"]
        assert isinstance(tasks, TaskChoiceField)
        tasks.queryset = (
            Task.objects.published()
            .filter(note__meeting__group=group)
            .select_related("note__meeting")
            .order_by("note__meeting__starts_at", "order", "pk")
        )
        tasks.help_text = "Oppgaver fra veiledningsmøtene som hører til dette tiltaket."
        if not tasks.queryset.exists():
            # Before the first published meeting note there is nothing to link; an empty list only confuses.
            del self.fields["tasks"]
        # The group's documents that are still shared (municipalities.GroupDocument).
        documents = self.fields["documents"]
        assert isinstance(documents, forms.ModelMultipleChoiceField)
        documents.queryset = GroupDocument.objects.filter(group=group, hidden_at__isnull=True).order_by("title", "pk")
        documents.help_text = "Dokumenter fra gruppens dokumenter som hører til dette tiltaket."
        documents.error_messages["invalid_choice"] = "Velg blant gruppens dokumenter."
        if not documents.queryset.exists():
            del self.fields["documents"]

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        starts_on, ends_on = cleaned.get("starts_on"), cleaned.get("ends_on")
        if starts_on and ends_on and ends_on < starts_on:
            self.add_error("ends_on", "Sluttdatoen kan ikke være før startdatoen.")
        if cleaned.get("status") == Measure.Status.DROPPED and not cleaned.get("dropped_reason", "").strip():
            self.add_error("dropped_reason", "Skriv hvorfor tiltaket ble avbrutt.")
        if cleaned.get("status") != Measure.Status.DROPPED:
            # A reason belongs only to a dropped measure; a measure taken up again keeps none.
            cleaned["dropped_reason"] = ""
        return cleaned


class CommentForm(forms.ModelForm[Comment]):
    submit_label = "Legg inn kommentar"

    class Meta:
        model = Comment
        fields = ["text"]
        widgets = {"text": _textarea(3)}
        labels = {"text": "Ny kommentar"}
        error_messages = {"text": {"required": "Skriv en kommentar før du sender."}}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.add_input(Submit("submit", self.submit_label))
