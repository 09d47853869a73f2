from collections.abc import Sequence
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.widgets import AutocompleteSelect
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest

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
