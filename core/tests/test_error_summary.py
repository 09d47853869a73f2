"""The error summary's list of problems, from any bound form on the page (core.templatetags.form_errors)."""

from django import forms
from django.template import engines

from core.templatetags.form_errors import Problem, problems_of


class _Form(forms.Form):
    name = forms.CharField(label="Navn")
    choice = forms.ChoiceField(label="Valg", choices=[("a", "A"), ("b", "B")], widget=forms.RadioSelect)
    revision = forms.IntegerField(widget=forms.HiddenInput)

    def clean(self):
        raise forms.ValidationError("Noen andre har endret dette.")


def test_field_errors_link_to_their_inputs_and_hidden_ones_are_about_the_form():
    form = _Form({"name": "", "choice": "x", "revision": "y"})
    assert problems_of(form) == [
        Problem("", "Noen andre har endret dette.", ""),
        Problem("Navn", "Feltet er påkrevet.", "id_name"),
        Problem("Valg", "Velg et gyldig valg. x er ikke et av de tilgjengelige valgene.", "id_choice_0"),
        Problem("", "Oppgi et heltall.", ""),
    ]


def test_the_summary_and_the_title_see_any_bound_form_in_the_context():
    template = engines["django"].from_string("{% load form_errors %}[{% error_title_prefix %}]{% error_summary %}")
    unbound = template.render({"some_form": _Form()})
    assert unbound.strip() == "[]"
    bound = template.render({"some_form": _Form({"name": "Áile", "choice": "a", "revision": "1"})})
    assert bound.startswith("[Feil: ]")
    assert "Skjemaet har én feil" in bound
    assert "Noen andre har endret dette." in bound
