from typing import Any

from django import forms

from core.limits import LONG_TEXT, NAME, SHORT_TEXT
from municipalities.models import Municipality, Role

from .models import PHONE, Application
from .selectors import find_municipality, is_fremtidens, municipality_lookup, municipality_obstacles
from .services import ContactRow

# The model's EmailField's length (Django's default, the longest address RFC 5321 allows through).
EMAIL = 254
# How many municipalities one application may name: a group of several is rarely more than four.
MAX_MUNICIPALITIES = 8
# Empty boxes the form shows beyond those filled in: saving gives new ones.
SPARE_MUNICIPALITIES = 1
SPARE_CONTACTS = 2


class StartForm(forms.Form):
    name = forms.CharField(label="Navnet ditt", max_length=NAME, widget=forms.TextInput(attrs={"autocomplete": "name"}))
    email = forms.EmailField(
        label="E-postadressen din",
        max_length=EMAIL,
        help_text="Vi sender deg en lenke hit. Med den bekrefter du adressen og kommer tilbake til søknaden.",
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    # The honeypot: hidden from people by the page's styles and from screen readers (aria-hidden), out of the
    # tab order, and named for nothing a browser's autofill knows (as it does «website»), so that only a
    # robot filling every field fills it. Whoever does gets the same page as a person, and nothing is made
    # or sent.
    tilleggsinfo = forms.CharField(
        label="Ikke fyll ut dette feltet",
        required=False,
        max_length=NAME,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )


class ApplicationForm(forms.Form):
    """The application's own answers and its municipalities, typed as names or numbers and resolved here, so
    that the form works without JavaScript. Saving a draft asks for nothing; sending in asks for everything
    (selectors.application_missing)."""

    needs = forms.CharField(
        label="Hvilke behov har kulturskolen og kommunen?",
        help_text="Hva ønsker dere å utvikle, og hva trenger dere hjelp til?",
        required=False,
        max_length=LONG_TEXT,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    motivation = forms.CharField(
        label="Hvorfor søker dere?",
        help_text="Motivasjonen for å delta, og hva dere vil oppnå.",
        required=False,
        max_length=LONG_TEXT,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    rammeplan = forms.ChoiceField(
        label="Er Rammeplan for kulturskolen vedtatt lokalt?",
        help_text="Også kommuner som ikke har vedtatt rammeplanen, kan søke.",
        choices=Application.Rammeplan.choices,
        required=False,
        widget=forms.RadioSelect,
    )
    mapping = forms.CharField(
        label="Forberedende kartlegging",
        help_text=(
            "Hvilke roller og ansvar har ulike aktører i kommunen for barn og unges helhetlige oppvekst? "
            "Hvilke andre samfunnsområder vil dere knytte til arbeidet?"
        ),
        required=False,
        max_length=LONG_TEXT,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    county_development_area = forms.CharField(
        label="Fylkesavdelingens utviklingsområde",
        help_text="Hvilket utviklingsområde i fylkesavdelingen vil fokusområdet deres bygge på?",
        required=False,
        max_length=SHORT_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, application: Application, **kwargs: Any) -> None:
        self.application = application
        call = application.call
        saved = application.municipality_list()
        answers = {answer.question_id: answer.text for answer in application.answers.all()}
        initial = {
            "needs": application.needs,
            "motivation": application.motivation,
            "rammeplan": application.rammeplan,
            "mapping": application.mapping,
            "county_development_area": application.county_development_area,
            **{f"municipality_{i + 1}": m.display_name for i, m in enumerate(saved)},
            **{f"question_{pk}": text for pk, text in answers.items()},
        }
        kwargs["initial"] = initial
        super().__init__(*args, **kwargs)
        self.municipality_fields = self._add_municipality_fields(len(saved))
        if not is_fremtidens(call):
            del self.fields["mapping"]
            del self.fields["county_development_area"]
        self.question_fields = []
        for question in call.questions.all():
            name = f"question_{question.pk}"
            self.fields[name] = forms.CharField(
                label=question.text,
                help_text=question.help_text,
                required=False,
                max_length=LONG_TEXT,
                widget=forms.Textarea(attrs={"rows": 3}),
            )
            self.question_fields.append(name)
        self.resolved: list[Municipality] = []

    def _add_municipality_fields(self, saved: int) -> list[str]:
        # As many boxes as were filled in (in this post, or saved), and one spare.
        posted = 0
        if self.is_bound:
            posted = sum(1 for i in range(MAX_MUNICIPALITIES) if self.data.get(f"municipality_{i + 1}", "").strip())
        count = min(MAX_MUNICIPALITIES, max(saved, posted) + SPARE_MUNICIPALITIES)
        names = []
        for i in range(count):
            name = f"municipality_{i + 1}"
            self.fields[name] = forms.CharField(
                label="Kommune" if i == 0 else f"Kommune {i + 1} (om flere søker sammen)",
                help_text="Navn eller kommunenummer, på norsk eller samisk." if i == 0 else "",
                required=False,
                max_length=100,
                widget=forms.TextInput(attrs={"list": "kommuner", "autocomplete": "off"}),
            )
            names.append(name)
        return names

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        everyone = municipality_lookup()
        chosen: list[Municipality] = []
        fields: dict[int, str] = {}
        for name in self.municipality_fields:
            text = (cleaned.get(name) or "").strip()
            if not text:
                continue
            municipality = find_municipality(text, everyone)
            if municipality is None:
                self.add_error(
                    name, f"Fant ingen kommune som heter «{text}». Skriv navnet slik det står, eller kommunenummeret."
                )
            elif municipality in chosen:
                self.add_error(name, f"{municipality.display_name} står allerede i søknaden.")
            else:
                chosen.append(municipality)
                fields[municipality.pk] = name
        obstacles = municipality_obstacles(
            call=self.application.call, municipalities=chosen, application=self.application
        )
        for pk, problem in obstacles.items():
            self.add_error(fields[pk], problem)
        self.resolved = chosen
        return cleaned

    def municipality_boxes(self) -> list[forms.BoundField]:
        return [self[name] for name in self.municipality_fields]

    def question_boxes(self) -> list[forms.BoundField]:
        return [self[name] for name in self.question_fields]

    def answers(self) -> dict[int, str]:
        return {int(name.removeprefix("question_")): self.cleaned_data.get(name, "") for name in self.question_fields}


class ContactForm(forms.Form):
    """One contact person. A row left empty is no contact; a row begun needs a name, a role and an e-mail."""

    name = forms.CharField(label="Navn", max_length=NAME, required=False)
    role = forms.ChoiceField(label="Rolle", choices=[("", "Velg rolle"), *Role.choices], required=False)
    municipality = forms.ChoiceField(label="Kommune", required=False)
    email = forms.EmailField(label="E-post", max_length=EMAIL, required=False)
    phone = forms.CharField(
        label="Telefon", max_length=PHONE, required=False, widget=forms.TextInput(attrs={"type": "tel"})
    )

    def __init__(self, *args: Any, municipalities: list[Municipality], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.municipalities = {str(m.pk): m for m in municipalities}
        if len(municipalities) > 1:
            field = self.fields["municipality"]
            assert isinstance(field, forms.ChoiceField)
            field.choices = [
                ("", "Velg kommune"),
                *((str(m.pk), m.display_name) for m in municipalities),
            ]
            self.fields["municipality"].help_text = "Hvilken av kommunene personen representerer."
        else:
            del self.fields["municipality"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not any(cleaned.get(f) for f in ("name", "role", "email", "phone", "municipality")):
            return cleaned
        if not cleaned.get("name"):
            self.add_error("name", "Skriv navnet.")
        if not cleaned.get("role"):
            self.add_error("role", "Velg rollen.")
        if not cleaned.get("email") and "email" not in self.errors:
            self.add_error("email", "Skriv e-postadressen.")
        return cleaned

    def row(self) -> ContactRow | None:
        data = self.cleaned_data
        if not data or not data.get("name"):
            return None
        return ContactRow(
            name=data["name"].strip(),
            role=data["role"],
            municipality=self.municipalities.get(data.get("municipality") or ""),
            email=data["email"].strip().lower(),
            phone=data.get("phone", "").strip(),
        )


class BaseContactFormSet(forms.BaseFormSet[ContactForm]):
    def __init__(self, *args: Any, municipalities: list[Municipality], **kwargs: Any) -> None:
        self.municipalities = municipalities
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index: int | None) -> dict[str, Any]:
        return {**super().get_form_kwargs(index), "municipalities": self.municipalities}

    def rows(self) -> list[ContactRow]:
        return [row for form in self.forms if (row := form.row()) is not None]


def contact_formset(data: Any, *, application: Application, municipalities: list[Municipality]) -> BaseContactFormSet:
    """The contacts as saved, with spare empty rows; at least as many rows as a group needs people (four
    for Fremtidens kulturskole, three for Veiledningsordningen), so that the applicant sees whom to name."""
    contacts = list(application.contacts.all())
    needed = 4 if is_fremtidens(application.call) else 3
    extra = max(SPARE_CONTACTS, needed - len(contacts))
    formset_class = forms.formset_factory(ContactForm, formset=BaseContactFormSet, extra=extra, max_num=30)
    initial = [
        {
            "name": c.name,
            "role": c.role,
            "municipality": str(c.municipality_id or ""),
            "email": c.email,
            "phone": c.phone,
        }
        for c in contacts
    ]
    # A posted formset is judged on what was posted alone: with the saved rows as its initial values, a row
    # posted unchanged would count as an untouched spare row and be dropped.
    formset = formset_class(
        data, initial=None if data is not None else initial, prefix="kontakt", municipalities=municipalities
    )  # type: ignore[call-arg]  # the stubs know BaseFormSet's arguments only
    assert isinstance(formset, BaseContactFormSet)
    return formset
