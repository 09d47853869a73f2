from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.admin import SummarisedDeleteMixin

from .access import AccessRefused, request_user
from .audit_texts import ACTION_TEXTS, action_text
from .models import AuditEvent, Invitation, User
from .selectors import event_time
from .services import (
    audit_log,
    invitation_send,
    password_reset_link_send,
    second_factor_reset,
    user_changes_log,
    user_snapshot,
)

# django-otp's own admin pages show and edit the devices, their keys (as a QR code) and the backup codes, with
# which anyone allowed there could pass another person's second factor. Devices are made by their owner at
# login and removed only by «Nullstill tofaktorpålogging» below.
for _model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)


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


class ChangeUserForm(forms.ModelForm[User]):
    """The change form holds no password field at all: staff never see a person's password (not even its
    hash) and never set it. Someone who has lost theirs gets a link to choose a new one («Send lenke for nytt
    passord») or, if they never chose one, an invitation."""

    class Meta:
        model = User
        fields = ["email", "full_name", "phone", "is_active", "is_staff", "is_superuser", "groups"]

    def clean_email(self) -> str:
        return self.cleaned_data["email"].lower()


# Not BaseUserAdmin[User]: the stubs bind Django's UserAdmin to AbstractUser, which this User does not extend
# (Django's own class only needs the fields named here).
@admin.register(User)
class UserAdmin(SummarisedDeleteMixin, BaseUserAdmin):
    add_form = AddUserForm
    form = ChangeUserForm
    ordering = ["full_name"]
    list_display = ["full_name", "email", "phone", "is_staff", "is_active", "last_login"]
    list_filter = ["is_staff", "is_active", "groups"]
    search_fields = ["full_name", "email", "phone"]
    fieldsets = [
        (None, {"fields": ["email", "full_name", "phone"]}),
        ("Tilgang", {"fields": ["is_active", "is_staff", "is_superuser", "groups", "second_factor"]}),
        ("Datoer", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "full_name", "phone"]})]
    readonly_fields = ["last_login", "date_joined", "second_factor"]
    filter_horizontal = ["groups"]
    actions = ["send_invitation", "send_password_reset", "reset_second_factor"]

    @admin.display(description="tofaktorpålogging")
    def second_factor(self, obj: User) -> str:
        device = TOTPDevice.objects.filter(user=obj, confirmed=True).first()
        if device is not None:
            set_up = timezone.localtime(device.created_at).strftime("%d.%m.%Y") if device.created_at else ""
            return f"Autentiseringsapp satt opp {set_up}".strip()
        if obj.needs_second_factor:
            return "Ikke satt opp ennå: settes opp ved neste innlogging"
        return "Ikke i bruk (bare ansatte logger inn med engangskode)"

    def get_readonly_fields(self, request: HttpRequest, obj: User | None = None) -> list[str]:
        if request.user.is_superuser:
            return self.readonly_fields
        # Only a superuser makes superusers; the programme leader manages everyone else. Nor does the
        # programme leader move the address of someone who has chosen a password: whoever holds the address
        # holds the account (through «Glemt passord»), so that would be a way to log in as them. An invited
        # person's address (a typo) stays correctable until they have chosen their password.
        fields = [*self.readonly_fields, "is_superuser"]
        if obj is not None and obj.has_usable_password():
            fields.append("email")
        return fields

    def user_change_password(self, request: HttpRequest, id: str, form_url: str = "") -> HttpResponse:
        """Django's page for setting another person's password is gone, for superusers too: with it the
        programme leader could log in as a member and sign in their name. A 404 like any page out of reach,
        and in the audit log (the middleware records AccessRefused)."""
        raise AccessRefused("accounts.user", id)

    def save_model(self, request: HttpRequest, obj: User, form: forms.ModelForm[User], change: bool) -> None:
        # The groups are saved after the user (save_related), so the comparison is made there.
        form.audit_before = user_snapshot(User.objects.get(pk=obj.pk)) if change else None  # type: ignore[attr-defined]
        super().save_model(request, obj, form, change)
        if not change:
            audit_log(action="user.created", actor=request_user(request), obj=obj, request=request)

    def save_related(self, request: HttpRequest, form: forms.ModelForm[User], formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        before = getattr(form, "audit_before", None)
        if before is not None:
            user_changes_log(user=form.instance, before=before, actor=request_user(request), request=request)

    def delete_model(self, request: HttpRequest, obj: User) -> None:
        audit_log(action="user.deleted", actor=request_user(request), obj=obj, request=request)
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        for user in queryset:
            audit_log(action="user.deleted", actor=request_user(request), obj=user, request=request)
        super().delete_queryset(request, queryset)

    @admin.action(description="Nullstill tofaktorpålogging (mistet telefon)", permissions=["change"])
    def reset_second_factor(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        # The person sets up a new app at their next login, with their own password; only a superuser resets
        # a superuser's.
        actor = request_user(request)
        users = [u for u in queryset if actor.is_superuser or not u.is_superuser]
        for user in users:
            second_factor_reset(user=user, reset_by=actor, request=request)
        self.message_user(
            request,
            f"Tofaktorpålogging nullstilt for {len(users)} bruker(e). "
            "De setter opp en ny app neste gang de logger inn.",
            messages.SUCCESS,
        )
        if skipped := queryset.count() - len(users):
            self.message_user(request, f"{skipped} superbruker(e) ble ikke nullstilt.", messages.WARNING)

    @admin.action(description="Send lenke for nytt passord", permissions=["change"])
    def send_password_reset(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        # For people who have lost their password: the link goes to their own address, and they choose the
        # new one themselves. Someone who never chose one gets an invitation instead.
        chosen = [u for u in queryset.filter(is_active=True) if u.has_usable_password()]
        for user in chosen:
            password_reset_link_send(user=user, sent_by=request_user(request), request=request)
        self.message_user(request, f"Lenke for nytt passord sendt til {len(chosen)} bruker(e).", messages.SUCCESS)
        skipped = queryset.count() - len(chosen)
        if skipped:
            self.message_user(
                request,
                f"{skipped} bruker(e) fikk ingen lenke: de er deaktivert eller har ikke valgt passord ennå "
                "(send dem en invitasjon).",
                messages.WARNING,
            )

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
