"""The forms of the programme leader's review (issue 15, part 2). Every one is a crispy form with Norwegian
labels and errors; the templates add the form tags, so that a page can hold several."""

from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms

from accounts.models import User
from accounts.roles import ADVISER
from core.limits import LONG_TEXT
from municipalities.models import County
from portfolios.models import Programme

from .letters import DECISIONS, PLACEHOLDERS, unknown_placeholders
from .models import Application, Call, ReviewNote

# The statuses the list filters by: an application counts once its e-mail is confirmed.
# A draft is the applicant's own until sent in, so the review never lists one.
LISTED_STATUSES = [(v, label) for v, label in Application.Status.choices if v not in ("unconfirmed", "draft")]


def _helper(submit: str | None = None, *, name: str = "submit") -> FormHelper:
    helper = FormHelper()
    helper.form_tag = False
    if submit:
        helper.add_input(Submit(name, submit))
    return helper


class ApplicationFilterForm(forms.Form):
    """The list's filter (GET): the call, the programme, the county and the status."""

    call = forms.ModelChoiceField(
        label="Utlysning",
        queryset=Call.objects.none(),
        required=False,
        empty_label="Alle utlysninger",
        error_messages={"invalid_choice": "Velg en utlysning fra listen."},
    )
    programme = forms.ModelChoiceField(
        label="Program",
        queryset=Programme.objects.order_by("name"),
        required=False,
        empty_label="Alle program",
        error_messages={"invalid_choice": "Velg et program fra listen."},
    )
    county = forms.ModelChoiceField(
        label="Fylke",
        queryset=County.objects.order_by("name"),
        required=False,
        empty_label="Alle fylker",
        error_messages={"invalid_choice": "Velg et fylke fra listen."},
    )
    status = forms.ChoiceField(
        label="Status",
        required=False,
        choices=[("", "Alle statuser"), *LISTED_STATUSES],
        error_messages={"invalid_choice": "Velg en status fra listen."},
    )
    sort = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        call = self.fields["call"]
        assert isinstance(call, forms.ModelChoiceField)
        call.queryset = Call.objects.select_related("portfolio").order_by("-opens_at", "pk")
        self.helper = FormHelper()
        self.helper.form_method = "get"
        self.helper.disable_csrf = True
        self.helper.add_input(Submit("submit", "Vis"))


class CriteriaForm(forms.Form):
    """The call's criteria as boxes: ticked is met."""

    met = forms.TypedMultipleChoiceField(
        label="Kriterier som er oppfylt",
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "Velg kriterier fra listen."},
    )

    def __init__(self, *args: Any, application: Application, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["met"]
        assert isinstance(field, forms.TypedMultipleChoiceField)
        field.choices = [(c.pk, c.text) for c in application.call.criteria.all()]
        if not self.is_bound:
            self.initial["met"] = [c.criterion_id for c in application.criterion_checks.all() if c.met]
        self.helper = _helper("Lagre vurderingen")


class NoteForm(forms.Form):
    """A note of the programme leader; where the programme asks for the county's part (Fremtidens
    kulturskole), also a record of the dialogue with the county."""

    kind = forms.ChoiceField(
        label="Type",
        widget=forms.RadioSelect,
        error_messages={"required": "Velg hva slags notat det er.", "invalid_choice": "Velg en type fra listen."},
    )
    text = forms.CharField(
        label="Notat",
        max_length=LONG_TEXT,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Skriv notatet."},
    )

    def __init__(self, *args: Any, application: Application, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        kinds = [(ReviewNote.Kind.NOTE.value, ReviewNote.Kind.NOTE.label)]
        if county_dialogue_asked(application):
            kinds.append((ReviewNote.Kind.COUNTY_DIALOGUE.value, ReviewNote.Kind.COUNTY_DIALOGUE.label))
        kind = self.fields["kind"]
        assert isinstance(kind, forms.ChoiceField)
        kind.choices = kinds
        if len(kinds) == 1:
            # Nothing to choose: a single radio button would only be in the way.
            kind.widget = forms.HiddenInput()
        self.initial.setdefault("kind", ReviewNote.Kind.NOTE.value)
        self.helper = _helper("Lagre notatet")


class CommentForm(forms.Form):
    """An adviser's comment on an application shared with them."""

    text = forms.CharField(
        label="Kommentar",
        max_length=LONG_TEXT,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Skriv kommentaren."},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = _helper("Lagre kommentaren")


class ShareForm(forms.Form):
    adviser = forms.ModelChoiceField(
        label="Veileder",
        queryset=User.objects.none(),
        empty_label="Velg veileder",
        error_messages={"required": "Velg en veileder.", "invalid_choice": "Velg en veileder fra listen."},
    )

    def __init__(self, *args: Any, application: Application, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        adviser = self.fields["adviser"]
        assert isinstance(adviser, forms.ModelChoiceField)
        # Every active adviser not yet given the application: the portfolio's advisers are a choice of the
        # leader's, not a limit, since an adviser who knows the county may not be on this portfolio.
        adviser.queryset = (
            User.objects.filter(groups__name=ADVISER, is_active=True)
            .exclude(shared_applications__application=application)
            .order_by("full_name", "pk")
        )
        self.helper = _helper("Del søknaden")


def county_dialogue_asked(application: Application) -> bool:
    """Whether the programme asks for a dialogue with the county's branch (Fremtidens kulturskole's
    «går i dialog med sin fylkesavdeling»)."""
    return application.call.portfolio.programme.group_rule == Programme.GroupRule.FREMTIDENS_KULTURSKOLE


class DecisionChoiceForm(forms.Form):
    """The decision's first step (GET): which decision the letter is for."""

    vedtak = forms.ChoiceField(
        label="Vedtak",
        widget=forms.RadioSelect,
        choices=list(DECISIONS.items()),
        error_messages={"required": "Velg et vedtak.", "invalid_choice": "Velg et vedtak fra listen."},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_method = "get"
        self.helper.disable_csrf = True
        self.helper.add_input(Submit("submit", "Skriv brevet"))


class LetterForm(forms.Form):
    """The letter of a decision, as the leader sends it."""

    letter = forms.CharField(
        label="Brevet",
        max_length=LONG_TEXT,
        widget=forms.Textarea(attrs={"rows": 14}),
        error_messages={"required": "Brevet kan ikke være tomt."},
        help_text="Sendes på e-post til søkeren og alle kontaktpersonene. Du kan bruke "
        + ", ".join(f"{{{name}}}" for name in PLACEHOLDERS)
        + ".",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = _helper()

    def clean_letter(self) -> str:
        text: str = self.cleaned_data["letter"]
        unknown = unknown_placeholders(text)
        if unknown:
            known = ", ".join(f"{{{name}}}" for name in PLACEHOLDERS)
            names = ", ".join(f"{{{name}}}" for name in unknown)
            raise forms.ValidationError(f"Ukjent felt i klammer: {names}. Feltene som kan brukes, er {known}.")
        return text
