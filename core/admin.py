from collections.abc import Sequence
from functools import reduce
from operator import or_
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.utils import quote
from django.contrib.admin.widgets import AutocompleteSelect
from django.db import models
from django.db.models import ForeignObjectRel, QuerySet
from django.db.models.deletion import CASCADE, PROTECT, RESTRICT, get_candidate_relations_to_delete
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from django.utils.text import capfirst

from . import outbox
from .models import Email, ScheduledEmail


@admin.register(Email)
class EmailAdmin(admin.ModelAdmin[Email]):
    """Every e-mail the portal has sent or will send. The programme leader filters on «Feilet» and
    sends those again. The text is not shown: it may hold someone's personal link."""

    list_display = ["subject", "to", "status", "due_at", "sent_at", "attempts", "last_error"]
    list_filter = ["status", "created_at"]
    search_fields = ["to", "subject"]
    date_hierarchy = "created_at"
    readonly_fields = ["to", "user", "subject", "template", "status", "created_at", "due_at", "claimed_at", "sent_at"]
    readonly_fields += ["attempts", "last_error", "message_id"]
    # Every field, read-only. A copy: the stubs type `fields` (field groups) apart from `readonly_fields` (names).
    fields = [*readonly_fields]
    actions = ["send_again"]
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Email | None = None) -> bool:
        return False

    @admin.action(description="Send valgte e-poster som feilet på nytt", permissions=["change"])
    def send_again(self, request: HttpRequest, queryset: QuerySet[Email]) -> None:
        count = outbox.send_again(queryset)
        self.message_user(request, f"{count} e-poster sendes på nytt om litt.", messages.SUCCESS)


@admin.display(description="e-posten", ordering="email__status")
def email_status(row: ScheduledEmail) -> str:
    """For the admins of schedule rows (meetings' reminders, surveys' deliveries): how their e-mail fared."""
    return row.email.get_status_display() if row.email else "–"


# The objects a delete confirmation names one by one; the rest are counted.
SHOWN_ON_DELETE = 20


def _collect(
    model: type[models.Model],
    queryset: QuerySet[Any],
    path: tuple[type[models.Model], ...],
    deleted: dict[type[models.Model], list[QuerySet[Any]]],
    protected: dict[type[models.Model], list[QuerySet[Any]]],
) -> None:
    """Follows every relation that points at `queryset`'s rows, as Django's delete does, but as querysets
    (subqueries), never fetching a row: what a CASCADE would delete goes into `deleted`, what a PROTECT or
    a RESTRICT guards into `protected` (RESTRICT taken as strictly as PROTECT: the summary may then refuse
    where Django would allow, never the other way round). SET_NULL, SET_DEFAULT and DO_NOTHING delete
    nothing. A model already on the `path` is not followed again, so a relation back to it cannot loop; a
    model that cascades to itself (a tree) would so be counted one level deep, and none of the portal's does."""
    for relation in get_candidate_relations_to_delete(model._meta):
        # The reverse sides of foreign keys and one-to-one keys (the stubs type them as plain fields).
        assert isinstance(relation, ForeignObjectRel)
        field = relation.field
        related = relation.related_model
        assert isinstance(field, models.ForeignKey) and isinstance(related, type)
        on_delete = field.remote_field.on_delete
        rows = related._base_manager.filter(**{f"{field.attname}__in": queryset.values(field.target_field.attname)})
        if on_delete is CASCADE:
            deleted.setdefault(related, []).append(rows)
            if related not in path:
                _collect(related, rows, (*path, related), deleted, protected)
        elif on_delete in (PROTECT, RESTRICT):
            protected.setdefault(related, []).append(rows)


def deletion_summary(
    objs: Sequence[models.Model] | QuerySet[Any], request: HttpRequest, admin_site: admin.AdminSite
) -> tuple[list[str], dict[str, int], set[str], list[str]]:
    """What Django's `get_deleted_objects` returns for the delete confirmation, in a fixed number of queries:
    the objects to delete (the first SHOWN_ON_DELETE of them named), a count per kind of what goes with them,
    the kinds the user may not delete, and the protected kinds with their counts.

    Django's own lists every object that would go, each by its name, which costs a query or more per
    object: 10 024 queries and 114 s for a survey with 2 000 responses, past any web server's timeout. A
    count per kind is also what a person can read. Links between rows (the many-to-many tables) are not
    counted; they go with the rows."""
    if isinstance(objs, QuerySet):
        model: type[models.Model] = objs.model
        queryset: QuerySet[Any] = objs
        total = objs.count()
        shown = list(objs[:SHOWN_ON_DELETE])
    else:
        if not objs:
            return [], {}, set(), []
        model = type(objs[0])
        queryset = model._base_manager.filter(pk__in=[o.pk for o in objs])
        total, shown = len(objs), list(objs[:SHOWN_ON_DELETE])
    concrete = model._meta.concrete_model
    assert concrete is not None
    deleted: dict[type[models.Model], list[QuerySet[Any]]] = {}
    protected: dict[type[models.Model], list[QuerySet[Any]]] = {}
    _collect(concrete, queryset, (concrete,), deleted, protected)

    counts: dict[str, int] = {str(model._meta.verbose_name_plural): total}
    perms_needed: set[str] = set()
    for related, querysets in deleted.items():
        if related._meta.auto_created:
            continue
        number = reduce(or_, querysets).count()
        if not number:
            continue
        name = str(related._meta.verbose_name_plural)
        counts[name] = counts.get(name, 0) + number
        if admin_site.is_registered(related) and not admin_site.get_model_admin(related).has_delete_permission(request):
            perms_needed.add(str(related._meta.verbose_name))
    if admin_site.is_registered(model) and not admin_site.get_model_admin(model).has_delete_permission(request):
        perms_needed.add(str(model._meta.verbose_name))
    guarded = []
    for related, querysets in protected.items():
        number = reduce(or_, querysets).count()
        if number:
            guarded.append(f"{capfirst(related._meta.verbose_name_plural)}: {number}")

    def named(obj: models.Model) -> str:
        opts = obj._meta
        try:
            url = reverse(f"{admin_site.name}:{opts.app_label}_{opts.model_name}_change", args=[quote(obj.pk)])
        except NoReverseMatch:
            return f"{capfirst(opts.verbose_name)}: {obj}"
        return format_html('{}: <a href="{}">{}</a>', capfirst(opts.verbose_name), url, obj)

    to_delete = [named(obj) for obj in shown]
    if total > len(shown):
        to_delete.append(f"… og {total - len(shown)} til")
    if len(counts) > 1:
        to_delete.append("Med dem slettes det som hører til dem; antallet av hver sort står i sammendraget over.")
    return to_delete, counts, perms_needed, guarded


class SummarisedDeleteMixin:
    """For ModelAdmins: the delete confirmation (and «Slett valgte») counts what goes with the objects
    instead of naming every one (see `deletion_summary`), in a fixed number of queries however much hangs on
    them. `delete_protected_help`, if set, is added below the protected objects: what to do instead."""

    admin_site: admin.AdminSite
    delete_protected_help = ""

    def get_deleted_objects(
        self, objs: Sequence[models.Model] | QuerySet[Any], request: HttpRequest
    ) -> tuple[list[str], dict[str, int], set[str], list[str]]:
        to_delete, counts, perms_needed, protected = deletion_summary(objs, request, self.admin_site)
        if protected and self.delete_protected_help:
            protected.append(self.delete_protected_help)
        return to_delete, counts, perms_needed, protected


class PreloadedAutocompleteSelect(AutocompleteSelect):
    """The admin's autocomplete widget, which asks the database for the label of its selected value: once
    per row of an inline, so a group's page ran a query per member and field. Given `known` ({value:
    label}, from the row's object already loaded with it) it asks nothing for a value it knows."""

    known: dict[str, str]

    def optgroups(
        self, name: str, value: Sequence[str], attr: dict[str, Any] | None = None
    ) -> list[tuple[str | None, list[dict[str, Any]], int | None]]:
        known = getattr(self, "known", {})
        selected = [str(v) for v in value if str(v) not in self.choices.field.empty_values]
        if not selected or any(v not in known for v in selected):
            return super().optgroups(name, value, attr)
        options = [] if self.is_required else [self.create_option(name, "", "", False, 0)]
        options += [self.create_option(name, v, known[v], True, len(options) + i) for i, v in enumerate(selected)]
        return [(None, options, 0)]


class PreloadedAutocompleteInline(admin.options.InlineModelAdmin[Any, Any]):
    """For inlines whose autocomplete fields' objects come with the rows (`get_queryset` selects them):
    each row's widget is told its object's label, so rendering the rows asks no query per row."""

    def formfield_for_foreignkey(
        self, db_field: models.ForeignKey[Any, Any], request: HttpRequest, **kwargs: Any
    ) -> Any:
        if db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = PreloadedAutocompleteSelect(db_field, self.admin_site, using=kwargs.get("using"))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_formset(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> Any:
        formset = super().get_formset(request, obj, **kwargs)
        fields = list(self.get_autocomplete_fields(request))

        class Preloaded(formset):  # type: ignore[misc, valid-type]
            def __init__(self, *args: Any, **kwargs: Any) -> None:
                super().__init__(*args, **kwargs)
                for form in self.forms:
                    for name in fields:
                        related = getattr(form.instance, name, None) if form.instance.pk else None
                        widget = getattr(form.fields.get(name), "widget", None)
                        inner = getattr(widget, "widget", widget)
                        if related is not None and isinstance(inner, PreloadedAutocompleteSelect):
                            field = form.fields[name]
                            inner.known = {str(related.pk): field.label_from_instance(related)}

        return Preloaded


class LabelledListEditableMixin:
    """For ModelAdmins with `list_editable`: each field in the list is named by its column and its row
    («Medlem: Bodø»), which the column heading alone does for the eye only (WCAG 1.3.1, 4.1.2)."""

    def get_changelist_formset(self, request: HttpRequest, **kwargs: Any) -> Any:
        formset = super().get_changelist_formset(request, **kwargs)  # type: ignore[misc]

        class Labelled(formset):  # type: ignore[misc, valid-type]
            def _construct_form(self, i: int, **kwargs: Any) -> Any:
                form = super()._construct_form(i, **kwargs)
                for field in form.fields.values():
                    if not field.widget.is_hidden:
                        field.widget.attrs["aria-label"] = f"{capfirst(field.label)}: {form.instance}"
                return form

        return Labelled
