from typing import Any

from django import forms

from .models import Portfolio

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATE_FORMATS = ["%Y-%m-%d", "%d.%m.%Y"]


class PortfolioCopyForm(forms.Form):
    """The admin's «Kopier til ny periode»: the whole years the plan moves, and what the new portfolio is
    called and runs over, filled in with portfolio_copy_suggestions for the leader to check."""

    years = forms.IntegerField(
        label="Flytt planen med (år)",
        min_value=1,
        max_value=10,
        help_text=(
            "Hele år, så ukenumre og ukedager beholdes: uke 4 blir uke 4, en fredag blir en fredag. "
            "Velg «Oppdater forslagene» for å regne navn, nummer, periode og titler på nytt for dette antallet år."
        ),
    )
    name = forms.CharField(label="Navn på den nye porteføljen", max_length=200)
    number = forms.IntegerField(label="Nummer", required=False, min_value=0)
    agreement_start = forms.DateField(label="Avtaleperiode fra", widget=DATE_INPUT, input_formats=DATE_FORMATS)
    agreement_end = forms.DateField(label="Avtaleperiode til", widget=DATE_INPUT, input_formats=DATE_FORMATS)
    document_title = forms.CharField(label="Tittel på grunnlagsdokumentet", max_length=300, required=False)
    plan_title = forms.CharField(label="Tittel på planen", max_length=300, required=False)

    def __init__(self, *args: Any, source: Portfolio, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.source = source

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("agreement_start"), cleaned.get("agreement_end")
        if start and end and end < start:
            self.add_error("agreement_end", "Avtaleperioden kan ikke slutte før den begynner.")
        siblings = Portfolio.objects.filter(programme=self.source.programme_id)
        if (name := cleaned.get("name")) and siblings.filter(name=name).exists():
            self.add_error("name", "Programmet har allerede en portefølje med dette navnet.")
        if (number := cleaned.get("number")) is not None and siblings.filter(number=number).exists():
            self.add_error("number", "Programmet har allerede en portefølje med dette nummeret.")
        return cleaned
