from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from .forms import InviteMemberForm, MunicipalityGroupAdminForm
from .models import County, Membership, Municipality, MunicipalityGroup
from .services import membership_invite


@admin.register(County)
class CountyAdmin(admin.ModelAdmin):
    list_display = ["number", "name"]
    search_fields = ["name", "number"]


@admin.register(Municipality)
class MunicipalityAdmin(admin.ModelAdmin):
    list_display = ["number", "name", "norwegian_name", "county", "is_member"]
    list_filter = ["county", "is_member"]
    list_select_related = ["county"]
    list_editable = ["is_member"]
    search_fields = ["name", "norwegian_name", "number"]


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]
    fields = ["user", "role", "municipality"]


@admin.register(MunicipalityGroup)
class MunicipalityGroupAdmin(admin.ModelAdmin):
    form = MunicipalityGroupAdminForm
    list_display = ["__str__", "portfolio", "adviser", "status", "shortcomings_display"]
    list_filter = ["portfolio", "municipalities__county", "status", "adviser"]
    search_fields = ["name", "municipalities__name", "municipalities__norwegian_name", "memberships__user__full_name"]
    autocomplete_fields = ["municipalities"]
    inlines = [MembershipInline]
    change_form_template = "admin/municipalities/municipalitygroup/change_form.html"

    def get_queryset(self, request):
        return super().get_queryset(request).with_overview()

    @admin.display(description="Mangler")
    def shortcomings_display(self, obj):
        return " ".join(obj.shortcomings()) or "–"

    def get_urls(self):
        return [
            path(
                "<int:pk>/inviter/",
                self.admin_site.admin_view(self.invite_view),
                name="municipalities_municipalitygroup_invite",
            ),
            *super().get_urls(),
        ]

    def invite_view(self, request, pk):
        """Add a participant to the group and e-mail them an invitation."""
        group = get_object_or_404(MunicipalityGroup, pk=pk)
        if not self.has_change_permission(request, group):
            raise PermissionDenied
        form = InviteMemberForm(request.POST or None, group=group)
        if request.method == "POST" and form.is_valid():
            membership, invited = membership_invite(
                group=group, invited_by=request.user, request=request, **form.cleaned_data
            )
            if invited:
                self.message_user(request, f"{membership.user} er lagt til og har fått invitasjon på e-post.")
            else:
                self.message_user(request, f"{membership.user} er lagt til. Hen har allerede en bruker.", messages.INFO)
            return redirect(reverse("admin:municipalities_municipalitygroup_change", args=[group.pk]))
        context = {
            **self.admin_site.each_context(request),
            "title": f"Inviter deltaker til {group}",
            "form": form,
            "group": group,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/municipalities/municipalitygroup/invite.html", context)


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "group", "role", "municipality"]
    list_filter = ["role", "group__portfolio"]
    list_select_related = ["user", "group", "municipality"]
    search_fields = ["user__full_name", "user__email", "group__name"]
    autocomplete_fields = ["user", "group"]
