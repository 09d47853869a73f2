from django import forms


class PortfolioCopyForm(forms.Form):
    name = forms.CharField(label="Navn på den nye porteføljen", max_length=200)
    number = forms.IntegerField(label="Nummer", required=False, min_value=0)
    shift_weeks = forms.IntegerField(
        label="Flytt alle datoer med (uker)",
        min_value=-520,
        max_value=520,
        help_text="52 uker flytter planen omtrent ett år fram og beholder ukedagene. Ukenumrene følger de nye datoene.",
    )
