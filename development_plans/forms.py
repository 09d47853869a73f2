from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.utils import timezone

from accounts.models import User
from meetings.models import Task
from municipalities.models import Role

from .models import Comment, DevelopmentPlan, Goal, Level, Measure, Pillar, ProgrammeArea, Quality


class _Form(forms.ModelForm):
    """A crispy form with one submit button; the template adds the form tag, so it can add a cancel link."""

    submit_label = "Lagre"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.add_input(Submit("submit", self.submit_label))


def _textarea(rows=3):
    return forms.Textarea(attrs={"rows": rows})


class PlanForm(_Form):
    class Meta:
        model = DevelopmentPlan
        fields = ["needs", "knowledge_base", "opportunities", "focus_area", "overall_goal"]
        widgets = {f: _textarea(4) for f in fields}


class GoalForm(_Form):
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

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("attainment_text", "").strip() and cleaned.get("attainment") is None:
            self.add_error("attainment", "Gi en vurdering fra 1 til 6 når du skriver om måloppnåelsen.")
        return cleaned


def _task_label(task):
    meeting = task.note.meeting
    when = f" {timezone.localtime(meeting.starts_at):%d.%m.%Y}" if meeting.starts_at else ""
    return f"{task.text} (fra {meeting.title.lower()}{when})"


class MeasureForm(_Form):
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
        ]
        widgets = {
            "title": _textarea(2),
            "dropped_reason": _textarea(2),
            "evaluation": _textarea(3),
            "tasks": forms.CheckboxSelectMultiple,
        }
        error_messages = {"title": {"required": "Skriv hva tiltaket er."}}

    def __init__(self, *args, group, **kwargs):
        super().__init__(*args, **kwargs)
        # Only the group's members can be responsible; the role list is the group's roles.
        self.fields["responsible_person"].queryset = User.objects.filter(memberships__group=group).order_by("full_name")
        self.fields["responsible_person"].empty_label = "Ingen bestemt person"
        self.fields["responsible_role"].choices = [("", "Ingen bestemt rolle"), *Role.choices]
        self.fields["dropped_reason"].help_text = "Må fylles ut når tiltaket er avbrutt."
        # The group's tasks from published meeting notes, oldest meeting first.
        self.fields["tasks"].queryset = (
            Task.objects.published()
            .filter(note__meeting__group=group)
            .select_related("note__meeting")
            .order_by("note__meeting__starts_at", "order", "pk")
        )
        self.fields["tasks"].label_from_instance = _task_label
        self.fields["tasks"].help_text = "Oppgaver fra veiledningsmøtene som hører til dette tiltaket."
        if not self.fields["tasks"].queryset.exists():
            # Before the first published meeting note there is nothing to link; an empty list only confuses.
            del self.fields["tasks"]

    def clean(self):
        cleaned = super().clean()
        starts_on, ends_on = cleaned.get("starts_on"), cleaned.get("ends_on")
        if starts_on and ends_on and ends_on < starts_on:
            self.add_error("ends_on", "Sluttdatoen kan ikke være før startdatoen.")
        if cleaned.get("status") == Measure.Status.DROPPED and not cleaned.get("dropped_reason", "").strip():
            self.add_error("dropped_reason", "Skriv hvorfor tiltaket ble avbrutt.")
        if cleaned.get("status") != Measure.Status.DROPPED:
            # A reason belongs only to a dropped measure; a measure taken up again keeps none.
            cleaned["dropped_reason"] = ""
        return cleaned


class CommentForm(forms.ModelForm):
    submit_label = "Legg inn kommentar"

    class Meta:
        model = Comment
        fields = ["text"]
        widgets = {"text": _textarea(3)}
        labels = {"text": "Ny kommentar"}
        error_messages = {"text": {"required": "Skriv en kommentar før du sender."}}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.add_input(Submit("submit", self.submit_label))
