"""The error summary every form shows after a failed submit (WCAG 3.3.1, 3.3.3): «Feil:» first in the page
title, and at the top of the page a list of what is wrong with links to the fields, which takes the focus
(static/js/veiledning.js). base.html asks for both, so no view or template has to remember them."""

from dataclasses import dataclass

from django import forms, template
from django.core.exceptions import NON_FIELD_ERRORS
from django.forms.formsets import BaseFormSet
from django.template.context import Context

register = template.Library()


@dataclass(frozen=True)
class Problem:
    label: str  # the field's label; empty for an error about the form as a whole
    message: str
    anchor: str  # the id of the field's input, for the link; empty when there is nothing to link to


def _forms_in(context: Context) -> list[forms.BaseForm]:
    found: dict[int, forms.BaseForm] = {}
    for value in context.flatten().values():
        candidates = value.forms if isinstance(value, BaseFormSet) and value.is_bound else [value]
        for candidate in candidates:
            if isinstance(candidate, forms.BaseForm) and candidate.is_bound:
                found.setdefault(id(candidate), candidate)
    return list(found.values())


def _input_id(field: forms.BoundField) -> str:
    # Radio buttons and checkbox lists have no one input for the label (Django links it to none): the link
    # goes to the first choice, where a keyboard user starts choosing.
    if field.id_for_label:
        return field.id_for_label
    subwidgets = field.subwidgets
    return subwidgets[0].id_for_label if subwidgets else ""


def problems_of(form: forms.BaseForm) -> list[Problem]:
    problems = [Problem("", str(message), "") for message in form.non_field_errors()]
    for name, messages in form.errors.items():
        if name == NON_FIELD_ERRORS:
            continue
        field = form[name]
        # A hidden field's error (a stale revision, a changed document) is about the form, not a box to fix.
        label, anchor = ("", "") if field.is_hidden else (str(field.label), _input_id(field))
        problems += [Problem(label, str(message), anchor) for message in messages]
    return problems


def _problems(context: Context) -> list[Problem]:
    problems: list[Problem] = []
    for form in _forms_in(context):
        problems += problems_of(form)
    return problems


@register.simple_tag(takes_context=True)
def error_title_prefix(context: Context) -> str:
    """«Feil: » when a form on the page has errors, so that the title says so first."""
    return "Feil: " if _problems(context) else ""


@register.inclusion_tag("core/_error_summary.html", takes_context=True)
def error_summary(context: Context) -> dict[str, list[Problem]]:
    return {"problems": _problems(context)}
