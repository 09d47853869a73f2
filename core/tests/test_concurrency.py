"""core.concurrency on its own: what a refused save says, and what the hidden inputs carry. The pages that use
it are tested in meetings/tests/test_concurrency.py and development_plans/tests/test_concurrency.py."""

import json
from datetime import date, time
from types import SimpleNamespace

import pytest
from django import forms

from core.concurrency import EMPTY_TEXT, EditGuard, digest, form_values, lock_for_edit


class _Form(forms.Form):
    title = forms.CharField(label="Tittel")
    kind = forms.ChoiceField(label="Type", choices=[("a", "Fysisk møte"), ("b", "Digitalt møte")])
    tags = forms.MultipleChoiceField(label="Søyler", choices=[("l", "Læring"), ("u", "Utfoldelse")], required=False)
    day = forms.DateField(label="Dato")
    start = forms.TimeField(label="Fra kl.")
    hidden = forms.CharField(widget=forms.HiddenInput, required=False)


def _row(revision, name="Lena Ødegård"):
    person = type("Person", (), {"pk": 7, "__str__": lambda self: name})()
    return SimpleNamespace(revision=revision, revised_by_id=7, revised_by=person, revised_at=None)


OPENED = {"title": "Før", "kind": "a", "tags": ["l"], "day": date(2026, 3, 2), "start": time(10, 0), "hidden": "x"}


def test_a_post_at_the_rows_revision_passes_and_carries_on_what_it_was_opened_with():
    opened = EditGuard(None, row=_row(3), values=form_values(_Form(initial=OPENED)))
    assert (opened.form_revision, opened.is_stale) == ("3", False)
    posted = EditGuard(
        {"revision": "3", "revision_seen": opened.form_seen},
        row=_row(3),
        values=form_values(_Form(initial=OPENED)),
    )
    assert not posted.is_stale
    assert (posted.revision, posted.form_seen) == (3, opened.form_seen)


def test_a_refused_post_lists_only_the_fields_that_changed_in_the_screens_words_and_carries_the_new_revision():
    opened = EditGuard(None, row=_row(3), values=form_values(_Form(initial=OPENED)))
    now = OPENED | {"kind": "b", "tags": ["u", "l"], "day": date(2026, 3, 9), "start": time(13, 30), "title": ""}
    guard = EditGuard(
        {"revision": "3", "revision_seen": opened.form_seen}, row=_row(4), values=form_values(_Form(initial=now))
    )
    assert guard.is_stale
    assert guard.conflict is not None
    assert [(c.label, c.text) for c in guard.conflict.changes] == [
        ("Tittel", EMPTY_TEXT),
        ("Type", "Digitalt møte"),
        ("Søyler", "Utfoldelse, Læring"),
        ("Dato", "09.03.2026"),
        ("Fra kl.", "13.30"),
    ]
    assert (guard.conflict.exact, guard.conflict.revised_by_name) == (True, "Lena Ødegård")
    assert guard.form_revision == "4"
    assert json.loads(guard.form_seen)["kind"] == digest("b")


def test_a_post_without_a_revision_is_refused_and_lists_every_field_as_it_is_now():
    guard = EditGuard({"title": "Gammel side"}, row=_row(0), values=form_values(_Form(initial=OPENED)))
    assert guard.is_stale
    assert guard.conflict is not None
    assert not guard.conflict.exact
    assert [c.label for c in guard.conflict.changes] == ["Tittel", "Type", "Søyler", "Dato", "Fra kl."]


def test_a_set_of_choices_has_no_order_but_rows_keep_theirs():
    assert digest(["a", "b"]) == digest(["b", "a"])
    assert digest((("a",), ("b",))) != digest((("b",), ("a",)))
    assert digest(None) == digest("")


def test_the_lock_needs_a_transaction():
    with pytest.raises(RuntimeError, match="needs a transaction"):
        lock_for_edit(None, pk=1, revision=0)
