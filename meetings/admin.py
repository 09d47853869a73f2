from django.contrib import admin, messages

from .models import Meeting, MeetingNote, Reminder, Task


@admin.register(Meeting)
class MeetingAdmin(admin.ModelAdmin):
    list_display = ["title", "group", "portfolio", "kind", "status", "starts_at"]
    list_filter = ["status", "kind", "portfolio"]
    search_fields = ["title", "group__name"]
    list_select_related = ["group", "portfolio"]
    raw_id_fields = ["group", "plan_item", "created_by"]
    date_hierarchy = "starts_at"
    readonly_fields = ["uid", "sequence"]


class TaskInline(admin.TabularInline):
    model = Task
    extra = 0
    raw_id_fields = ["responsible_user", "done_by"]


@admin.register(MeetingNote)
class MeetingNoteAdmin(admin.ModelAdmin):
    list_display = ["meeting", "status", "author", "published_at"]
    list_filter = ["status"]
    list_select_related = ["meeting", "author"]
    raw_id_fields = ["meeting", "author"]
    inlines = [TaskInline]


@admin.register(Reminder)
class ReminderAdmin(admin.ModelAdmin):
    """Failed reminders are the programme leader's to look at: filter on «Feilet»."""

    list_display = ["meeting", "recipient", "kind", "due_at", "status", "attempts", "last_error"]
    list_filter = ["status", "kind"]
    list_select_related = ["meeting", "recipient"]
    search_fields = ["recipient__email", "meeting__title"]
    raw_id_fields = ["meeting", "recipient"]
    readonly_fields = ["attempts", "claimed_at", "sent_at", "last_error"]
    actions = ["send_again"]

    @admin.action(description="Send valgte påminnelser som feilet på nytt", permissions=["change"])
    def send_again(self, request, queryset):
        count = queryset.filter(status=Reminder.Status.FAILED).update(status=Reminder.Status.PENDING, attempts=0)
        self.message_user(request, f"{count} påminnelser sendes på nytt ved neste kjøring.", messages.SUCCESS)
