from collections.abc import Iterable
from typing import Any, TypedDict

from django import forms

from core.limits import LONG_TEXT
from portfolios.models import Portfolio

from .models import Answer, Category, Page, Question, Survey

REQUIRED_MESSAGE = "Svar på dette spørsmålet før du går videre."
MATRIX_REQUIRED_MESSAGE = "Svar på alle delspørsmålene før du går videre."


def scale_choices(question: Question) -> list[tuple[str, str]]:
    choices = [(str(v), str(v)) for v in Question.SCALE_VALUES]
    if question.allow_not_applicable:
        choices.append((str(Question.NOT_APPLICABLE), "Ikke deltatt / vet ikke"))
    return choices


class Block(TypedDict):
    """One question of a page as the template draws it (PageForm.blocks)."""

    question: Question
    field: forms.BoundField | None
    rows: list[forms.BoundField]
    elaboration: forms.BoundField | None
    has_errors: bool


class PageForm(forms.Form):
    """The questions of one page. Fields are named q<question>, q<question>_i<item> for a matrix row and
    q<question>_utdyp for «Utdyp gjerne». `enforce_required` is off when the respondent saves to come
    back later: a half-answered page is kept as it is."""

    def __init__(
        self,
        *args: Any,
        page: Page,
        answers: Iterable[Answer] | None = None,
        enforce_required: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.page = page
        self.questions = list(page.questions.prefetch_related("items"))
        initial = _initial(answers or [])
        for q in self.questions:
            name = f"q{q.pk}"
            required = q.required and enforce_required
            if q.kind == Question.Kind.SCALE:
                self.fields[name] = forms.ChoiceField(
                    label=q.text,
                    choices=scale_choices(q),
                    widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
                    required=required,
                )
            elif q.kind == Question.Kind.MATRIX:
                for item in q.items.all():
                    self.fields[f"{name}_i{item.pk}"] = forms.ChoiceField(
                        label=item.label,
                        choices=scale_choices(q),
                        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
                        required=required,
                    )
            elif q.kind == Question.Kind.SINGLE:
                self.fields[name] = forms.ChoiceField(
                    label=q.text,
                    choices=[(str(i.pk), i.label) for i in q.items.all()],
                    widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
                    required=required,
                )
            elif q.kind == Question.Kind.MULTIPLE:
                self.fields[name] = forms.MultipleChoiceField(
                    label=q.text,
                    choices=[(str(i.pk), i.label) for i in q.items.all()],
                    widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
                    required=required,
                )
            else:
                self.fields[name] = forms.CharField(
                    label=q.text, widget=forms.Textarea(attrs={"rows": 4}), required=required, max_length=LONG_TEXT
                )
            if q.elaborate:
                self.fields[f"{name}_utdyp"] = forms.CharField(
                    label="Utdyp gjerne", widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=LONG_TEXT
                )
        for name, field in self.fields.items():
            field.error_messages["required"] = MATRIX_REQUIRED_MESSAGE if "_i" in name else REQUIRED_MESSAGE
            field.error_messages["invalid_choice"] = "Velg et av alternativene."
            if name in initial and not self.is_bound:
                field.initial = initial[name]

    def blocks(self) -> list[Block]:
        """What the template draws, question by question: the question and its bound fields."""
        out: list[Block] = []
        for q in self.questions:
            name = f"q{q.pk}"
            main: forms.BoundField | None
            if q.kind == Question.Kind.MATRIX:
                fields = [self[f"{name}_i{item.pk}"] for item in q.items.all()]
                main = None
            else:
                fields, main = [], self[name]
            out.append(
                {
                    "question": q,
                    "field": main,
                    "rows": fields,
                    "elaboration": self[f"{name}_utdyp"] if q.elaborate else None,
                    "has_errors": any(f.errors for f in ([main] if main else []) + fields),
                }
            )
        return out


def _initial(answers: Iterable[Answer]) -> dict[str, str | list[str]]:
    initial: dict[str, str | list[str]] = {}
    # The options ticked, per multiple choice question.
    ticked: dict[str, list[str]] = {}
    for a in answers:
        name = f"q{a.question_id}"
        q = a.question
        if a.text:
            initial[name if q.kind == Question.Kind.TEXT else f"{name}_utdyp"] = a.text
        elif q.kind == Question.Kind.SCALE:
            initial[name] = str(a.value)
        elif q.kind == Question.Kind.MATRIX:
            initial[f"{name}_i{a.item_id}"] = str(a.value)
        elif q.kind == Question.Kind.SINGLE:
            initial[name] = str(a.item_id)
        elif q.kind == Question.Kind.MULTIPLE:
            ticked.setdefault(name, []).append(str(a.item_id))
    initial.update(ticked)
    return initial


class CodingForm(forms.Form):
    # The survey's own categories, set in __init__.
    categories: forms.ModelMultipleChoiceField[Category] = forms.ModelMultipleChoiceField(
        label="Kategorier", queryset=None, required=False, widget=forms.CheckboxSelectMultiple
    )
    is_quote = forms.BooleanField(label="Bruk som sitat i rapporten", required=False)

    def __init__(self, *args: Any, survey: Survey, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["categories"]
        assert isinstance(field, forms.ModelMultipleChoiceField)
        field.queryset = survey.categories.all()


class CodingFilterForm(forms.Form):
    """The coding page's filter, from the query string: one question, one category or the uncoded ones.
    The choices are lists made once by the view, so that drawing the form asks the database nothing."""

    sporsmal = forms.TypedChoiceField(
        label="Spørsmål",
        required=False,
        coerce=int,
        empty_value=None,
        error_messages={"invalid_choice": "Velg et av spørsmålene i listen."},
    )
    kategori = forms.ChoiceField(
        label="Kategori", required=False, error_messages={"invalid_choice": "Velg en av kategoriene i listen."}
    )

    def __init__(
        self,
        *args: Any,
        questions: Iterable[Question],
        categories: Iterable[Category],
        uncoded: str,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        question_field = self.fields["sporsmal"]
        category_field = self.fields["kategori"]
        assert isinstance(question_field, forms.ChoiceField) and isinstance(category_field, forms.ChoiceField)
        question_field.choices = [("", "Alle spørsmål")] + [(str(q.pk), q.text) for q in questions]
        category_field.choices = [("", "Alle kategorier"), (uncoded, "Ikke kodet")] + [
            (str(c.pk), c.name) for c in categories
        ]

    def category(self) -> int | str | None:
        """The chosen category's id, the uncoded marker, or None (valid forms only)."""
        value = self.cleaned_data.get("kategori") or None
        return int(value) if value is not None and value.isdigit() else value


class FindingForm(forms.Form):
    finding = forms.CharField(
        label="Funn", widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=LONG_TEXT
    )


class CopySurveyForm(forms.Form):
    portfolio = forms.ModelChoiceField(label="Til portefølje", queryset=Portfolio.objects.all())
