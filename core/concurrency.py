"""Optimistic concurrency for the forms that two people can have open on one row at once (the adviser in two
tabs, the kulturskoleleder and the coordinator on the same goal): a save over a change made since the form
was opened is refused, saying what changed, instead of silently overwriting it.

How the pieces fit:

- The row carries an integer `revision` (the abstract model `core.models.Revised`), with who saved it last
  and when. A service that changes what an edit form shows calls `lock_for_edit` with the revision the form
  was opened at, and `mark_revised` when something does change.
- `lock_for_edit` reads the row with SELECT … FOR UPDATE and compares revisions. The lock is held until the
  transaction ends, so of N simultaneous saves from forms opened at revision 7, one gets the row first,
  writes revision 8 and commits; each of the others waits for the lock, then reads revision 8 and is refused
  (`StaleEdit`). This is the compare-and-set of a conditional `UPDATE … WHERE revision = 7`, with the row
  read first so that the service can see whether anything changes at all: «Lagre» on an unchanged form
  leaves the revision alone, and the person's other tab is not refused over nothing.
- The view keeps an `EditGuard` beside the form. It carries the revision and a digest of every value the
  form showed when it was opened (two hidden inputs, rendered with the message by
  templates/core/_edit_conflict.html). When a save is refused, the guard compares those digests with the row
  as it is now and lists the fields the other person changed, with the values they saved, and who and when.
  The page is shown again with the person's own input, and the guard now carries the new revision: saving
  again, after merging, deliberately keeps what is in the form.
"""

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any, TypeVar, cast

from django import forms
from django.db import models, transaction
from django.db.models import QuerySet
from django.utils import timezone

from .models import Revised

# The fields `mark_revised` sets, for save(update_fields=…).
REVISION_FIELDS = ["revision", "revised_by", "revised_at"]

# The names of the hidden inputs an edit form carries (templates/core/_edit_conflict.html).
REVISION_INPUT = "revision"
SEEN_INPUT = "revision_seen"

EMPTY_TEXT = "(tomt)"

_R = TypeVar("_R", bound=Revised)


class StaleEdit(Exception):
    """The row was changed after the form was opened: its revision is no longer the form's."""


def lock_for_edit(queryset: QuerySet[_R], *, pk: int, revision: int | None) -> _R:
    """Row `pk` of `queryset`, locked until the end of the transaction, if its revision is still `revision`
    (the one the form was opened at); else StaleEdit. `revision` None checks nothing, for writes that do not
    come from a form (the demo, scripts); they still lock, and still mark the row revised.

    Precondition: inside transaction.atomic, which a StaleEdit leaving it rolls back."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("lock_for_edit needs a transaction: the lock would end with the statement.")
    row = queryset.select_for_update().get(pk=pk)
    if revision is not None and row.revision != revision:
        raise StaleEdit(f"{row._meta.label} {pk}: revision {row.revision}, the form's {revision}")
    return row


def mark_revised(row: Revised, *, user: Any) -> list[str]:
    """Records a change of `row` by `user`; returns the fields to add to save(update_fields=…).
    Precondition: `row` came from `lock_for_edit` in this transaction."""
    row.revision += 1
    row.revised_by = user
    row.revised_at = timezone.now()
    return list(REVISION_FIELDS)


# What the form showed


def _canonical(value: object) -> object:
    """`value` as JSON, the same whichever way a form holds it (an instance or its key, a date or its text)."""
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, list | tuple | set | frozenset | QuerySet):
        items = [_canonical(item) for item in value]
        # A set of choices (the Rammeplan's tags, linked tasks) has no order; rows given as a tuple (a note's
        # tasks) keep theirs.
        return items if isinstance(value, tuple) else sorted(items, key=str)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if value is None:
        return ""
    return value


def digest(value: object) -> str:
    """A short fingerprint of a value a form showed; equal values give equal digests."""
    text = json.dumps(_canonical(value), sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _choice_labels(field: forms.ChoiceField) -> dict[str, str]:
    labels: dict[str, str] = {}
    choices = cast(Iterable[tuple[Any, Any]], field.choices)
    for key, label in choices:
        if isinstance(label, list | tuple):  # an optgroup
            labels.update({str(k): str(v) for k, v in label})
        else:
            labels[str(key)] = str(label)
    return labels


def _as_text(value: object, field: forms.Field | None) -> str:
    """`value` as the screen writes it: choices by their labels, people and rows by their names, dates
    dd.mm.åååå and times 10.00. Precondition: the field's queryset (for a choice of rows) is still valid."""
    if value in (None, "", [], ()):
        return EMPTY_TEXT
    if isinstance(field, forms.ModelChoiceField) and field.queryset is not None:
        queryset = field.queryset
        if isinstance(field, forms.ModelMultipleChoiceField):
            items = list(value) if isinstance(value, list | tuple | QuerySet) else [value]
            if items and not isinstance(items[0], models.Model):
                items = list(queryset.filter(pk__in=items))
            return ", ".join(field.label_from_instance(item) for item in items) or EMPTY_TEXT
        item = value if isinstance(value, models.Model) else queryset.filter(pk=value).first()
        return field.label_from_instance(item) if item is not None else EMPTY_TEXT
    if isinstance(field, forms.MultipleChoiceField) and isinstance(value, list | tuple):
        labels = _choice_labels(field)
        return ", ".join(labels.get(str(item), str(item)) for item in value)
    if isinstance(field, forms.ChoiceField):
        return _choice_labels(field).get(str(value), str(value))
    if isinstance(value, datetime):
        return f"{timezone.localtime(value):%d.%m.%Y kl. %H.%M}"
    if isinstance(value, date):
        return f"{value:%d.%m.%Y}"
    if isinstance(value, time):
        return f"{value:%H.%M}"
    if isinstance(value, bool):
        return "Ja" if value else "Nei"
    return str(value)


@dataclass(frozen=True)
class Shown:
    """One value an edit form shows: its label, the value, and the form field that puts it in words (or
    `text`, a function that does, for what is not one field, such as a note's list of tasks)."""

    label: str
    value: object
    field: forms.Field | None = None
    text: Callable[[], str] | None = None

    @property
    def digest(self) -> str:
        return digest(self.value)

    def as_text(self) -> str:
        return self.text() if self.text is not None else _as_text(self.value, self.field)


def form_values(form: forms.BaseForm) -> dict[str, Shown]:
    """What `form` shows before anything is typed: each field's initial value (for a ModelForm, the
    instance's), by field name. Reads nothing the form has not read already: names are looked up only when
    a conflict is put in words."""
    return {
        name: Shown(label=str(field.label or name), value=form.get_initial_for_field(field, name), field=field)
        for name, field in form.fields.items()
        if not isinstance(field.widget, forms.HiddenInput)
    }


# The guard


@dataclass(frozen=True)
class Change:
    """A field the other person changed, with the value they saved, as the screen writes it."""

    label: str
    text: str


@dataclass(frozen=True)
class Conflict:
    """Why a save was refused: the fields changed since the form was opened (`exact`: as far as the form
    could tell; False for a form that carried no digests, which then lists every field as it is now), and
    who saved last and when, where the row knows."""

    changes: list[Change]
    exact: bool
    revised_by_id: int | None
    revised_by_name: str
    revised_at: datetime | None


class EditGuard:
    """The version an edit form carries, and the conflict when its save is refused.

    `data` is the request's POST, or None for a form just opened. `row` is the row as this request read it
    (None for one that does not exist yet, such as a meeting note before its first save, whose revision
    counts as 0), and `values` what the form shows of it (`form_values`). A POST whose revision is not the
    row's is refused at once (`conflict` is set); a service that finds the row changed since (StaleEdit, a
    save that came in between) is answered with `refuse`, given the row read again."""

    def __init__(self, data: Mapping[str, Any] | None, *, row: Revised | None, values: Mapping[str, Shown]) -> None:
        self.conflict: Conflict | None = None
        self._set_row(row, values)
        self.revision: int | None = self._row_revision
        self.seen: dict[str, str] | None = self._row_seen()
        if data is not None:
            self.revision = _parse_revision(data.get(REVISION_INPUT))
            self.seen = _parse_seen(data.get(SEEN_INPUT))
            if self.revision != self._row_revision:
                self._refuse()

    def _set_row(self, row: Revised | None, values: Mapping[str, Shown]) -> None:
        self._row = row
        self._row_revision = row.revision if row is not None else 0
        self._values = dict(values)

    def _row_seen(self) -> dict[str, str]:
        return {name: shown.digest for name, shown in self._values.items()}

    def _refuse(self) -> None:
        seen = self.seen
        changes = [
            Change(label=shown.label, text=shown.as_text())
            for name, shown in self._values.items()
            if seen is None or seen.get(name) != shown.digest
        ]
        row = self._row
        by = row.revised_by if row is not None and row.revised_by_id else None
        self.conflict = Conflict(
            changes=changes,
            exact=seen is not None,
            revised_by_id=by.pk if by is not None else None,
            revised_by_name=str(by) if by is not None else "",
            revised_at=row.revised_at if row is not None else None,
        )

    def refuse(self, row: Revised | None, values: Mapping[str, Shown]) -> None:
        """The save was refused (StaleEdit): `row` as it is now, read again, and what the form shows of it."""
        self._set_row(row, values)
        self._refuse()

    @property
    def is_stale(self) -> bool:
        return self.conflict is not None

    # What the hidden inputs carry. After a refusal: the row as it is now, so that saving again stores what
    # the person merged in the form. Otherwise (a first view, or a form shown again with a typing error):
    # what the form was opened at, so that a change made meanwhile is still found.

    @property
    def form_revision(self) -> str:
        revision = self._row_revision if self.conflict is not None else self.revision
        return "" if revision is None else str(revision)

    @property
    def form_seen(self) -> str:
        seen = self._row_seen() if self.conflict is not None else self.seen
        return json.dumps(seen or {}, sort_keys=True, separators=(",", ":"))


def _parse_revision(raw: object) -> int | None:
    try:
        revision = int(str(raw))
    except ValueError:
        return None
    return revision if revision >= 0 else None


def _parse_seen(raw: object) -> dict[str, str] | None:
    try:
        seen = json.loads(str(raw))
    except ValueError:
        return None
    if not isinstance(seen, dict) or not all(isinstance(v, str) for v in seen.values()):
        return None
    return {str(k): v for k, v in seen.items()}


def save_unless_stale(
    guard: EditGuard,
    form: forms.BaseForm,
    save: Callable[[int | None], object],
    reread: Callable[[], tuple[Revised, Mapping[str, Shown]]],
) -> bool:
    """The POST of an edit form: `save(revision)` unless the form is stale or has errors; a save that finds
    the row changed since this request read it (StaleEdit) refuses the form with the row as `reread` gives
    it now, with what the form shows of it. True when saved."""
    if not form.is_bound or guard.is_stale or not form.is_valid():
        return False
    try:
        save(guard.revision)
    except StaleEdit:
        guard.refuse(*reread())
        return False
    return True
