from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse

from accounts.access import AccessRefused, AuthenticatedRequest
from core.admin import PreloadedAutocompleteInline, SummarisedDeleteMixin
from portfolios.admin import PortfolioFilter

from .forms import InviteMemberForm, MunicipalityGroupAdminForm
from .models import County, Membership, Municipality, MunicipalityGroup, MunicipalityGroupQuerySet
from .services import membership_invite


class GroupPortfolioFilter(PortfolioFilter):
    field = "group__portfolio"


@admin.register(County)
class CountyAdmin(SummarisedDeleteMixin, admin.ModelAdmin[County]):
    list_display = ["number", "name"]
    search_fields = ["name", "number"]


@admin.register(Municipality)
class MunicipalityAdmin(SummarisedDeleteMixin, admin.ModelAdmin[Municipality]):
    list_display = ["number", "name", "norwegian_name", "county", "is_member"]
    list_filter = ["county", "is_member"]
    list_select_related = ["county"]
    list_editable = ["is_member"]
    search_fields = ["name", "norwegian_name", "number"]


class MembershipInline(PreloadedAutocompleteInline, admin.TabularInline[Membership, MunicipalityGroup]):
    model = Membership
    extra = 0
    autocomplete_fields = ["user", "municipality"]
    fields = ["user", "role", "municipality"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Membership]:
        return super().get_queryset(request).select_related("user", "municipality")


@admin.register(MunicipalityGroup)
class MunicipalityGroupAdmin(SummarisedDeleteMixin, admin.ModelAdmin[MunicipalityGroup]):
    delete_protected_help = (
        "En kommunegruppe med kontrakter slettes ikke. Sett status til «Fullført» eller «Avsluttet før tiden» "
        "(med årsak) i stedet."
    )
    form = MunicipalityGroupAdminForm
    list_display = ["__str__", "portfolio", "adviser", "status", "shortcomings_display"]
    list_filter = [PortfolioFilter, "municipalities__county", "status", ("adviser", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name", "municipalities__name", "municipalities__norwegian_name", "memberships__user__full_name"]
    autocomplete_fields = ["municipalities"]
    inlines = [MembershipInline]
    change_form_template = "admin/municipalities/municipalitygroup/change_form.html"

    def get_queryset(self, request: HttpRequest) -> QuerySet[MunicipalityGroup]:
        queryset = super().get_queryset(request)
        # The stubs type the admin's queryset as a plain QuerySet; it comes from the model's manager.
        assert isinstance(queryset, MunicipalityGroupQuerySet)
        return queryset.with_overview()

    @admin.display(description="Mangler")
    def shortcomings_display(self, obj: MunicipalityGroup) -> str:
        return " ".join(obj.shortcomings()) or "–"

    def get_urls(self) -> list[URLPattern]:
        return [
            path(
                "<int:pk>/inviter/",
                self.admin_site.admin_view(self.invite_view),
                name="municipalities_municipalitygroup_invite",
            ),
            *super().get_urls(),
        ]

    def invite_view(self, request: AuthenticatedRequest, pk: int) -> HttpResponse:
        """Add a participant to the group and e-mail them an invitation. Behind `admin_view`, so the
        user is logged in (and staff)."""
        # Checked before the lookup, and a 404 either way, so the answer says nothing about which groups exist.
        if not self.has_change_permission(request):
            raise AccessRefused("municipalities.municipalitygroup", pk)
        group = MunicipalityGroup.objects.filter(pk=pk).first()
        if group is None:
            raise AccessRefused("municipalities.municipalitygroup", pk)
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
class MembershipAdmin(SummarisedDeleteMixin, admin.ModelAdmin[Membership]):
    list_display = ["user", "group", "role", "municipality"]
    list_filter = ["role", GroupPortfolioFilter]
    search_fields = ["user__full_name", "user__email", "group__name"]
    autocomplete_fields = ["user", "group"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Membership]:
        # A group's name may be its municipalities' names, so those come along.
        return (
            super()
            .get_queryset(request)
            .select_related("user", "municipality", "group")
            .prefetch_related("group__municipalities")
        )
