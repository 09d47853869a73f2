from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from .models import AuditEvent, Invitation, User
from .services import invitation_send


class AddUserForm(forms.ModelForm):
    """New users get no password here; they choose one through their invitation."""

    class Meta:
        model = User
        fields = ["email", "full_name", "phone"]

    def save(self, commit=True):
        user = super().save(commit=False)
        user.email = user.email.lower()
        user.set_unusable_password()
        if commit:
            user.save()
        return user


@admin.register(User)
class UserAdmin(BaseUserAdmin):
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

    @admin.action(description="Send invitasjon (lenke for å sette passord)")
    def send_invitation(self, request, queryset):
        for user in queryset:
            invitation_send(user=user, invited_by=request.user, request=request)
        self.message_user(request, f"Invitasjon sendt til {queryset.count()} bruker(e).", messages.SUCCESS)


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["user", "invited_by", "created_at", "expires_at", "accepted_at"]
    list_select_related = ["user", "invited_by"]
    search_fields = ["user__full_name", "user__email"]
    readonly_fields = ["user", "invited_by", "created_at", "expires_at", "accepted_at"]
    exclude = ["token_hash"]

    def has_add_permission(self, request):
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["created_at", "action", "actor", "object_repr", "ip_address"]
    list_select_related = ["actor"]
    list_filter = ["action"]
    search_fields = ["actor__full_name", "actor__email", "object_repr", "action"]
    date_hierarchy = "created_at"

    # The log is a record: nobody edits or deletes it through the admin.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
