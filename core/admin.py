from django.contrib import admin, messages
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
