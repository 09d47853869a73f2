from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest

from core.admin import SummarisedDeleteMixin

from .access import request_user
from .audit_texts import ACTION_TEXTS, action_text
from .models import AuditEvent, Invitation, User
from .selectors import event_time
from .services import invitation_send


class AddUserForm(forms.ModelForm[User]):
    """New users get no password here; they choose one through their invitation."""

    class Meta:
        model = User
        fields = ["email", "full_name", "phone"]

    def save(self, commit: bool = True) -> User:
        user = super().save(commit=False)
        user.email = user.email.lower()
        user.set_unusable_password()
        if commit:
            user.save()
        return user


# Not BaseUserAdmin[User]: the stubs bind Django's UserAdmin to AbstractUser, which this User does not extend
# (Django's own class only needs the fields named here).
@admin.register(User)
class UserAdmin(SummarisedDeleteMixin, BaseUserAdmin):
    add_form = AddUserForm
    ordering = ["full_name"]
    list_display = ["full_name", "email", "phone", "is_staff", "is_active", "last_login"]
    list_filter = ["is_staff", "is_active", "groups"]
    search_fields = ["full_name", "email", "phone"]
    fieldsets = [
        (None, {"fields": ["email", "full_name", "phone", "password"]}),
        ("Tilgang", {"fields": ["is_active", "is_staff", "is_superuser", "groups"]}),
        ("Datoer", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "full_name", "phone"]})]
    readonly_fields = ["last_login", "date_joined"]
    filter_horizontal = ["groups"]
    actions = ["send_invitation"]

    def get_readonly_fields(self, request: HttpRequest, obj: User | None = None) -> list[str]:
        # Only a superuser makes superusers; the programme leader manages everyone else.
        if request.user.is_superuser:
            return self.readonly_fields
        return [*self.readonly_fields, "is_superuser"]

    @admin.action(description="Send invitasjon (lenke for å sette passord)", permissions=["change"])
    def send_invitation(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        # Invitations are for participants who have not chosen a password yet; staff and people who
        # can already log in use «Glemt passord».
        invitable = [u for u in queryset.filter(is_staff=False, is_active=True) if not u.has_usable_password()]
        for user in invitable:
            invitation_send(user=user, invited_by=request_user(request), request=request)
        skipped = queryset.count() - len(invitable)
        self.message_user(request, f"Invitasjon sendt til {len(invitable)} bruker(e).", messages.SUCCESS)
        if skipped:
            self.message_user(
                request,
                f"{skipped} bruker(e) fikk ingen invitasjon: de er ansatte, deaktivert eller har allerede passord.",
                messages.WARNING,
            )


@admin.register(Invitation)
class InvitationAdmin(SummarisedDeleteMixin, admin.ModelAdmin[Invitation]):
    list_display = ["user", "invited_by", "created_at", "expires_at", "accepted_at"]
    list_select_related = ["user", "invited_by"]
    search_fields = ["user__full_name", "user__email"]
    readonly_fields = ["user", "invited_by", "created_at", "expires_at", "accepted_at"]
    exclude = ["token_hash"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


class ActionFilter(admin.SimpleListFilter):
    """The admin's filter by event, in words rather than codes."""

    title = "hendelse"
    parameter_name = "action"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin[Any]) -> list[tuple[str, str]]:
        return sorted(ACTION_TEXTS.items(), key=lambda item: item[1])

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return queryset.filter(action=self.value()) if self.value() else queryset


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin[AuditEvent]):
    """Read only, for staff who look something up by id; the programme leader's page with filters in words
    and the export is «Logg» in the portal (dashboard.audit_log)."""

    list_display = ["when", "what", "actor", "object_repr", "ip_address"]
    list_select_related = ["actor"]
    list_filter = [ActionFilter]
    search_fields = ["actor__full_name", "actor__email", "object_repr", "action"]
    date_hierarchy = "created_at"
    readonly_fields = ["when", "what", "action", "actor", "object_type", "object_id", "object_repr", "ip_address"]
    fields = [*readonly_fields, "payload"]
    actions = None

    @admin.display(description="tidspunkt (norsk tid)", ordering="created_at")
    def when(self, event: AuditEvent) -> str:
        return event_time(event)

    @admin.display(description="hendelse", ordering="action")
    def what(self, event: AuditEvent) -> str:
        return action_text(event.action)

    # The log is a record: nobody adds, edits or deletes it through the admin, whatever their permissions
    # (a superuser's included); AuditEvent has only the «view» permission to begin with.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: AuditEvent | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: AuditEvent | None = None) -> bool:
        return False
