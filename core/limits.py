"""The longest texts people may type, and the database constraints that hold them (issue 13).

Every text field a person fills in has a limit far beyond what real use needs, so that nobody meets it while
writing, and no single text (a 2 MB comment) can make a page large for everyone who reads it. A CharField's
limit is its `max_length`, which the database holds by its column type; a TextField gets a `max_length` too,
which its forms (the portal's and the admin's) take up, and a CHECK constraint from `max_length_checks`, so
that the database refuses what no form let through. dashboard/tests/test_limits.py finds every text field of
every app and fails on one without its limit or its constraint.

Every limit is reported in the same Norwegian sentence (`TOO_LONG`), which keeps the form and what was typed."""

from django.core.validators import MaxLengthValidator
from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps
from django.db.models.functions import Length, Substr
from django.db.models.lookups import LessThanOrEqual

NAME = 200  # a person's or an organisation's name, a title
SHORT_TEXT = 2_000  # a reason, a goal's or a measure's wording, a question
LONG_TEXT = 10_000  # notes, comments, a plan's sections, an answer: about four pages
DOCUMENT_TEXT = 100_000  # a contract's wording or a foundation document's section, written by the programme leader
USER_AGENT = 1_000  # not typed, but sent by the browser; contracts.services cuts it to this

TOO_LONG = "Teksten er for lang: høyst %(limit_value)d tegn (du skrev %(show_value)d)."


def use_norwegian_max_length_message() -> None:
    """Every max_length check (a form field's and a model field's, in the portal and the admin) uses
    TOO_LONG. Django's own message comes from its translation; setting the validator's message here, once,
    reaches every field without each form naming it. Called from CoreConfig.ready."""
    MaxLengthValidator.message = TOO_LONG


def max_length_checks(prefix: str, **limits: int) -> list[models.CheckConstraint]:
    """The CHECK constraints for a model's TextFields: `prefix` names them (the model's name in lower
    case), `limits` gives each field's max_length, the same numbers as the fields'."""
    return [
        models.CheckConstraint(condition=LessThanOrEqual(Length(field), limit), name=f"{prefix}_{field}_max_length")
        for field, limit in limits.items()
    ]


def cut_to_limits(app_label: str, model_name: str, **limits: int) -> migrations.RunPython:
    """A migration step, before a model's `max_length_checks` are added: a text already longer than its new
    limit (the 2 MB comment the limits answer) is cut to it, since the constraint could not be added over it.
    No real text comes near a limit; reversing leaves the texts as they are."""

    def cut(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
        model = apps.get_model(app_label, model_name)
        for field, limit in limits.items():
            over = model._base_manager.alias(length=Length(field)).filter(length__gt=limit)
            over.update(**{field: Substr(field, 1, limit)})

    return migrations.RunPython(cut, migrations.RunPython.noop, elidable=True)
