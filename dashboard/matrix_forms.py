"""The status matrix's filter (GET): county, adviser and the group's status."""

from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms

from accounts.models import User
from municipalities.models import County, MunicipalityGroup
from portfolios.models import Portfolio


class MatrixFilterForm(forms.Form):
    county = forms.ModelChoiceField(
        label="Fylke",
        queryset=County.objects.order_by("name"),
        required=False,
        empty_label="Alle fylker",
        error_messages={"invalid_choice": "Velg et fylke fra listen."},
    )
    adviser = forms.ModelChoiceField(
        label="Veileder",
        queryset=User.objects.none(),
        required=False,
        empty_label="Alle veiledere",
        error_messages={"invalid_choice": "Velg en veileder fra listen."},
    )
    status = forms.ChoiceField(
        label="Status",
        required=False,
        choices=[("", "Alle statuser"), *MunicipalityGroup.Status.choices],
        error_messages={"invalid_choice": "Velg en status fra listen."},
    )
    # The sort order chosen in the column headers, kept when the filter changes.
    sort = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, portfolio: Portfolio, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        adviser = self.fields["adviser"]
        assert isinstance(adviser, forms.ModelChoiceField)
        # The advisers of the portfolio's groups: those a row can name.
        adviser.queryset = (
            User.objects.filter(advised_groups__portfolio=portfolio).distinct().order_by("full_name", "pk")
        )
        self.helper = FormHelper()
        self.helper.form_method = "get"
        self.helper.disable_csrf = True
        self.helper.add_input(Submit("submit", "Vis"))
