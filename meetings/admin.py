"""Meetings in the admin are for looking things up. Changes go through the portal's pages, whose
services keep the reminders in step (a time changed here would leave them at the old time)."""

from typing import TypeVar

from django.contrib import admin
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest

from core.admin import SummarisedDeleteMixin, email_status

from .models import Meeting, MeetingNote, Reminder, Task

_ModelT = TypeVar("_ModelT", bound=models.Model)


class ReadOnlyAdmin(SummarisedDeleteMixin, admin.ModelAdmin[_ModelT]):
    def has_add_permission(self, request: HttpRequest, obj: _ModelT | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: _ModelT | None = None) -> bool:
        return False


@admin.register(Meeting)
class MeetingAdmin(ReadOnlyAdmin[Meeting]):
    list_display = ["title", "group", "portfolio", "kind", "status", "starts_at"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_filter = ["status", "kind", "portfolio"]
    search_fields = ["title", "group__name"]
    list_select_related = ["group", "portfolio__programme"]
    date_hierarchy = "starts_at"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Meeting]:
        # A group without a name of its own is called after its municipalities.
        return super().get_queryset(request).prefetch_related("group__municipalities")


class TaskInline(admin.TabularInline[Task, MeetingNote]):
    model = Task
    extra = 0
    fields = ["text", "responsible_role", "responsible_user", "due_on", "done_at"]

    def has_add_permission(self, request: HttpRequest, obj: MeetingNote | None = None) -> bool:
        return False

    # An inline is asked about its parent object, as django-stubs' InlineModelAdmin says, which itself
    # ignores the clash with BaseModelAdmin's signature (typed with the inline's own model).
    def has_change_permission(  # type: ignore[override]
        self, request: HttpRequest, obj: MeetingNote | None = None
    ) -> bool:
        return False


@admin.register(MeetingNote)
class MeetingNoteAdmin(ReadOnlyAdmin[MeetingNote]):
    list_display = ["meeting", "status", "author", "published_at"]
    list_filter = ["status"]
    list_select_related = ["meeting", "author"]
    inlines = [TaskInline]


@admin.register(Reminder)
class ReminderAdmin(ReadOnlyAdmin[Reminder]):
    """The schedule of meeting e-mails. Whether an e-mail went out, and sending a failed one again, is in
    «E-poster» (core.Email), where every e-mail of the portal is."""

    list_display = ["meeting", "recipient", "kind", "due_at", "status", email_status, "reason"]
    list_filter = ["status", "kind"]
    list_select_related = ["meeting", "recipient", "email"]
    search_fields = ["recipient__email", "meeting__title"]

    def has_change_permission(self, request: HttpRequest, obj: Reminder | None = None) -> bool:
        return False
