"""A helper for tests that post an admin change form as a browser would: every field (inlines included) with
the value the page shows, so that a test only names what it changes."""

from typing import Any

from django.forms import BaseForm, BaseFormSet
from django.http import HttpResponse


def _form_values(form: BaseForm) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for bound in form:
        value = bound.value()
        if bound.field.disabled or value is None or value is False:
            continue  # a browser sends no unticked box and nothing for a disabled field
        if value is True:
            value = "on"
        data[bound.html_name] = [str(v) for v in value] if isinstance(value, list | tuple) else str(value)
    return data


def _formset_values(formset: BaseFormSet[Any]) -> dict[str, Any]:
    data = _form_values(formset.management_form)
    for form in formset.forms:
        data.update(_form_values(form))
    return data


def admin_form_data(response: HttpResponse) -> dict[str, Any]:
    """The POST data of the admin add or change page `response` (a test client's response, with its context)
    as it stands: the main form and each inline's formset, management forms included."""
    context = response.context  # type: ignore[attr-defined]  # the test client adds it
    data = _form_values(context["adminform"].form)
    for inline in context["inline_admin_formsets"]:
        data.update(_formset_values(inline.formset))
    return data
