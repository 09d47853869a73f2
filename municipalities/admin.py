from django.contrib import admin, messages
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from accounts.access import AccessRefused
from portfolios.admin import PortfolioFilter

from .forms import InviteMemberForm, MunicipalityGroupAdminForm
from .models import County, Membership, Municipality, MunicipalityGroup
from .services import membership_invite


class GroupPortfolioFilter(PortfolioFilter):
    field = "group__portfolio"


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
    autocomplete_fields = ["user", "municipality"]
    fields = ["user", "role", "municipality"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user", "municipality")


@admin.register(MunicipalityGroup)
class MunicipalityGroupAdmin(admin.ModelAdmin):
    form = MunicipalityGroupAdminForm
    list_display = ["__str__", "portfolio", "adviser", "status", "shortcomings_display"]
    list_filter = [PortfolioFilter, "municipalities__county", "status", ("adviser", admin.RelatedOnlyFieldListFilter)]
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
        # Checked before the lookup, and a 404 either way, so the answer says nothing about which groups exist.
        if not self.has_change_permission(request):
            raise AccessRefused("municipalities.municipalitygroup", pk)
        group = get_object_or_404(MunicipalityGroup, pk=pk)
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
    list_filter = ["role", GroupPortfolioFilter]
    search_fields = ["user__full_name", "user__email", "group__name"]
    autocomplete_fields = ["user", "group"]

    def get_queryset(self, request):
        # A group's name may be its municipalities' names, so those come along.
        return (
            super()
            .get_queryset(request)
            .select_related("user", "municipality", "group")
            .prefetch_related("group__municipalities")
        )
