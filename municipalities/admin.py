from datetime import date
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core import signing
from django.db.models import Model, QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.defaultfilters import pluralize
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone

from accounts.access import AccessRefused, AuthenticatedRequest, request_user
from accounts.services import audit_log
from core.admin import LabelledListEditableMixin, PreloadedAutocompleteInline, SummarisedDeleteMixin
from core.downloads import attachment
from portfolios.admin import PortfolioFilter
from portfolios.models import Portfolio

from .forms import GroupsImportForm, InviteMemberForm, MembershipAdminForm, MunicipalityGroupAdminForm
from .imports import ROLE_SHORT_FORMS, ImportPlan, import_plan, rows_from_data, rows_to_data, template_workbook
from .models import (
    Continuation,
    County,
    GroupDocument,
    GroupDocumentVersion,
    Membership,
    Municipality,
    MunicipalityGroup,
    MunicipalityGroupQuerySet,
    Role,
)
from .services import (
    GroupsImportRefused,
    MembershipNotEnded,
    groups_continuation_set,
    groups_import,
    membership_delete_allowed,
    membership_end,
    membership_invite,
    membership_role_record,
)

# The preview's rows travel to the confirm step signed, so that the file is not uploaded twice and a changed
# payload is refused; an hour is long enough to read a preview of 400 people.
IMPORT_SALT = "municipalities.groups_import"
IMPORT_MAX_AGE = 60 * 60


class GroupPortfolioFilter(PortfolioFilter):
    field = "group__portfolio"


# Who is in a group, and in which role, decides who reads its meetings and plan and who signs its contract, so
# each change made in the admin (on the membership's own page or among the group's members) is an audit event
# on the group with who, when and from where; Django's admin history keeps no address.
MEMBERSHIP_AUDITED_FIELDS = ["user", "group", "role", "municipality", "started_on", "ended_on"]


def _audit_value(value: object) -> object:
    # A date (`ended_on`) as ISO text, so that the JSON payload holds it.
    if isinstance(value, date):
        return value.isoformat()
    return value.pk if isinstance(value, Model) else value


def _membership_changes(form: forms.ModelForm[Membership]) -> dict[str, list[object]]:
    """{field: [old, new]} of an existing membership's form, primary keys for related objects."""
    pairs = {
        name: [_audit_value(form.initial.get(name)), _audit_value(form.cleaned_data.get(name))]
        for name in MEMBERSHIP_AUDITED_FIELDS
        if name in form.changed_data
    }
    # A date field counts as changed when the typed text differs from its initial value's, even for the same day.
    return {name: pair for name, pair in pairs.items() if pair[0] != pair[1]}


def _membership_payload(membership: Membership) -> dict[str, Any]:
    return {"user_id": membership.user_id, "role": membership.role, "membership_id": membership.pk}


def _membership_log(request: HttpRequest, action: str, membership: Membership, **payload: object) -> None:
    audit_log(
        action=action,
        actor=request_user(request),
        obj=membership.group,
        request=request,
        payload={**_membership_payload(membership), **payload},
    )


@admin.register(County)
class CountyAdmin(SummarisedDeleteMixin, admin.ModelAdmin[County]):
    list_display = ["number", "name"]
    search_fields = ["name", "number"]


@admin.register(Municipality)
class MunicipalityAdmin(LabelledListEditableMixin, SummarisedDeleteMixin, admin.ModelAdmin[Municipality]):
    list_display = ["number", "name", "norwegian_name", "county", "is_member"]
    list_filter = ["county", "is_member"]
    list_select_related = ["county"]
    list_editable = ["is_member"]
    search_fields = ["name", "norwegian_name", "number"]


def _remove_or_end(request: HttpRequest, membership: Membership) -> bool:
    """What «Slett» does to a membership: one added today by mistake is deleted (True); anyone who has been
    a member is ended from today instead (membership_end), so that their signatures, notes and answers keep
    naming a former member (False)."""
    if membership_delete_allowed(membership):
        _membership_log(request, "membership.removed", membership)
        return True
    try:
        membership_end(membership=membership, ended_by=request_user(request), request=request)
    except MembershipNotEnded as refused:
        messages.error(request, f"{membership.user}: {refused}")
        return False
    messages.info(
        request,
        f"{membership.user} er ikke slettet, men er tidligere deltaker fra {membership.ended_on:%d.%m.%Y}: "
        "signaturer, referater og svar viser fortsatt hvem det var. Bare deltakelser lagt til i dag kan slettes.",
    )
    return False


class MembershipFormSet(BaseInlineFormSet):
    """The group's members in its admin page: «Slett» deletes only a membership added today; an older one
    is ended instead (_remove_or_end)."""

    request: HttpRequest

    def delete_existing(self, obj: Membership, commit: bool = True) -> None:
        if commit and _remove_or_end(self.request, obj):
            super().delete_existing(obj, commit=commit)


class MembershipInline(PreloadedAutocompleteInline, admin.TabularInline[Membership, MunicipalityGroup]):
    model = Membership
    form = MembershipAdminForm
    formset = MembershipFormSet
    extra = 0
    autocomplete_fields = ["user", "municipality"]
    fields = ["user", "role", "municipality", "started_on", "ended_on"]

    def get_formset(self, request: HttpRequest, obj: MunicipalityGroup | None = None, **kwargs: Any) -> Any:
        # A class made for this request by the formset factory, so the request it keeps is this one's.
        formset = super().get_formset(request, obj, **kwargs)
        formset.request = request
        return formset

    def get_queryset(self, request: HttpRequest) -> QuerySet[Membership]:
        return super().get_queryset(request).select_related("user", "municipality")


def _continuation_action(choice: Continuation) -> Any:
    """An action that records `choice` for the chosen groups (groups_continuation_set): one per way to go on,
    for the groups of a portfolio that has ended; the note, if any, is written on each group's own page."""

    @admin.action(description=f"Videre arbeid: {choice.label.lower()}", permissions=["change"])
    def action(
        modeladmin: "MunicipalityGroupAdmin", request: HttpRequest, queryset: QuerySet[MunicipalityGroup]
    ) -> None:
        modeladmin.set_continuation(request, queryset, choice.value)

    action.__name__ = f"continuation_{choice.value}"
    return action


@admin.register(MunicipalityGroup)
class MunicipalityGroupAdmin(SummarisedDeleteMixin, admin.ModelAdmin[MunicipalityGroup]):
    delete_protected_help = (
        "En kommunegruppe med kontrakter slettes ikke. Sett status til «Fullført» eller «Avsluttet før tiden» "
        "(med årsak) i stedet."
    )
    form = MunicipalityGroupAdminForm
    list_display = ["__str__", "portfolio", "adviser", "status", "shortcomings_display", "continuation"]
    list_filter = [
        PortfolioFilter,
        "municipalities__county",
        "status",
        ("adviser", admin.RelatedOnlyFieldListFilter),
        "continuation",
    ]

    search_fields = ["name", "municipalities__name", "municipalities__norwegian_name", "memberships__user__full_name"]
    autocomplete_fields = ["municipalities"]
    inlines = [MembershipInline]
    actions = [_continuation_action(choice) for choice in Continuation]
    change_form_template = "admin/municipalities/municipalitygroup/change_form.html"

    def save_formset(
        self, request: HttpRequest, form: forms.ModelForm[MunicipalityGroup], formset: Any, change: bool
    ) -> None:
        if not (isinstance(formset, BaseInlineFormSet) and formset.model is Membership):
            super().save_formset(request, form, formset, change)
            return
        # Read before saving: a saved form's initial values are the new ones.
        changed = [
            (f.instance, _membership_changes(f), f.initial.get("role"))
            for f in formset.initial_forms
            if f not in formset.deleted_forms and f.has_changed()
        ]
        super().save_formset(request, form, formset, change)
        actor = request_user(request)
        for membership, changes, old_role in changed:
            if changes:
                _membership_log(request, "membership.changed", membership, changes=changes)
            if "role" in changes:
                membership_role_record(membership=membership, old_role=old_role, changed_by=actor)
        for membership in formset.new_objects:
            _membership_log(request, "membership.added", membership)

    def save_model(
        self, request: HttpRequest, obj: MunicipalityGroup, form: forms.ModelForm[MunicipalityGroup], change: bool
    ) -> None:
        if {"continuation", "continuation_note"} & set(form.changed_data):
            obj.continuation_recorded_at = timezone.now()
        super().save_model(request, obj, form, change)
        if {"continuation", "continuation_note"} & set(form.changed_data):
            audit_log(
                action="group.continuation_set",
                actor=request_user(request),
                obj=obj,
                request=request,
                payload={"continuation": obj.continuation, "note": obj.continuation_note},
            )

    def set_continuation(self, request: HttpRequest, queryset: QuerySet[MunicipalityGroup], value: str) -> None:
        count = groups_continuation_set(
            groups=queryset, continuation=value, note="", recorded_by=request_user(request), request=request
        )
        skipped = queryset.count() - count
        label = Continuation(value).label.lower()
        self.message_user(request, f"{count} {pluralize(count, 'gruppe,grupper')} er registrert: «{label}».")
        if skipped:
            self.message_user(
                request,
                f"{skipped} {pluralize(skipped, 'gruppe,grupper')} er ikke fullført og ble ikke endret.",
                messages.WARNING,
            )

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
            path(
                "importer/mal.xlsx",
                self.admin_site.admin_view(self.import_template_view),
                name="municipalities_municipalitygroup_import_template",
            ),
            path(
                "importer/<int:portfolio_pk>/",
                self.admin_site.admin_view(self.import_view),
                name="municipalities_municipalitygroup_import",
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
                self.message_user(
                    request,
                    f"{membership.user} er lagt til. Hen har allerede en bruker og har fått beskjed på e-post.",
                    messages.INFO,
                )
            return redirect(reverse("admin:municipalities_municipalitygroup_change", args=[group.pk]))
        context = {
            **self.admin_site.each_context(request),
            "title": f"Inviter deltaker til {group}",
            "form": form,
            "group": group,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/municipalities/municipalitygroup/invite.html", context)

    def _refuse_import_unless_allowed(self, request: HttpRequest, pk: int | None = None) -> None:
        # An import creates groups and memberships, so it needs the permission to add both; without it the
        # pages answer 404, like the portal, and say nothing about which portfolios exist.
        if not (
            request.user.has_perm("municipalities.add_municipalitygroup")
            and request.user.has_perm("municipalities.add_membership")
        ):
            raise AccessRefused("portfolios.portfolio", pk or 0)

    def import_template_view(self, request: AuthenticatedRequest) -> HttpResponse:
        """The spreadsheet to fill in: the columns the import reads, and a sheet that explains them."""
        self._refuse_import_unless_allowed(request)
        return attachment(
            template_workbook(),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            filename="mal-import-kommunegrupper.xlsx",
        )

    def import_view(self, request: AuthenticatedRequest, portfolio_pk: int) -> HttpResponse:
        """Import groups and members into one portfolio from a spreadsheet: the upload shows a preview of
        every row (the dry run, writing nothing); its confirm button imports the previewed rows, signed into
        the page, all or nothing."""
        self._refuse_import_unless_allowed(request, portfolio_pk)
        portfolio = Portfolio.objects.select_related("programme").filter(pk=portfolio_pk).first()
        if portfolio is None:
            raise AccessRefused("portfolios.portfolio", portfolio_pk)
        form = GroupsImportForm()
        plan: ImportPlan | None = None
        payload = ""
        refused = ""
        if request.method == "POST" and "payload" in request.POST:
            try:
                data = signing.loads(request.POST["payload"], salt=IMPORT_SALT, max_age=IMPORT_MAX_AGE)
                if data.get("portfolio") != portfolio.pk or data.get("user") != request.user.pk:
                    raise signing.BadSignature("made for another portfolio or person")
            except signing.BadSignature:
                refused = (
                    "Forhåndsvisningen kunne ikke brukes: den er endret eller for gammel (over én time). "
                    "Last opp filen på nytt. Ingenting er importert."
                )
            else:
                try:
                    plan = groups_import(
                        portfolio=portfolio,
                        rows=rows_from_data(data["rows"]),
                        imported_by=request.user,
                        request=request,
                    )
                except GroupsImportRefused as error:
                    plan = error.plan
                else:
                    self.message_user(request, _imported_message(plan), messages.SUCCESS)
                    changelist = reverse("admin:municipalities_municipalitygroup_changelist")
                    return redirect(f"{changelist}?portfolio={portfolio.pk}")
        elif request.method == "POST":
            form = GroupsImportForm(request.POST, request.FILES)
            if form.is_valid():
                rows = form.cleaned_data["rows"]
                plan = import_plan(portfolio=portfolio, rows=rows)
                if not plan.errors:
                    payload = signing.dumps(
                        {"portfolio": portfolio.pk, "user": request.user.pk, "rows": rows_to_data(rows)},
                        salt=IMPORT_SALT,
                        compress=True,
                    )
        context = {
            **self.admin_site.each_context(request),
            "title": f"Importer kommunegrupper og deltakere til {portfolio}",
            "form": form,
            "portfolio": portfolio,
            "plan": plan,
            "payload": payload,
            "refused": refused,
            "roles": Role.labels,
            "short_forms": sorted(ROLE_SHORT_FORMS),
            "opts": self.model._meta,
        }
        return TemplateResponse(
            request, "admin/municipalities/municipalitygroup/import.html", context, status=400 if refused else 200
        )


def _imported_message(plan: ImportPlan) -> str:
    groups, members = len(plan.new_groups), len(plan.members)
    return (
        f"Importert: {groups} {pluralize(groups, 'ny kommunegruppe,nye kommunegrupper')} og "
        f"{members} {pluralize(members, 'deltakelse,deltakelser')}. "
        f"{len(plan.invited_people)} har fått invitasjon på e-post, {len(plan.told_people)} har fått beskjed "
        "om at de er lagt til."
    )


@admin.register(Membership)
class MembershipAdmin(SummarisedDeleteMixin, admin.ModelAdmin[Membership]):
    list_display = ["user", "group", "role", "municipality", "started_on", "ended_on"]
    list_filter = ["role", GroupPortfolioFilter]
    search_fields = ["user__full_name", "user__email", "group__name"]
    autocomplete_fields = ["user", "group"]
    form = MembershipAdminForm
    actions = ["end_today"]

    def save_model(
        self, request: HttpRequest, obj: Membership, form: forms.ModelForm[Membership], change: bool
    ) -> None:
        changes = _membership_changes(form) if change else {}
        super().save_model(request, obj, form, change)
        if not change:
            _membership_log(request, "membership.added", obj)
        elif changes:
            _membership_log(request, "membership.changed", obj, changes=changes)
            if "role" in changes:
                membership_role_record(
                    membership=obj, old_role=str(form.initial["role"]), changed_by=request_user(request)
                )

    def delete_model(self, request: HttpRequest, obj: Membership) -> None:
        if _remove_or_end(request, obj):
            super().delete_model(request, obj)

    def response_delete(self, request: HttpRequest, obj_display: str, obj_id: int) -> HttpResponse:
        # A membership ended instead of deleted (_remove_or_end) still exists: its own page, not «slettet».
        if Membership.objects.filter(pk=obj_id).exists():
            return redirect(reverse("admin:municipalities_membership_change", args=[obj_id]))
        return super().response_delete(request, obj_display, obj_id)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Membership]) -> None:
        removable = [m.pk for m in queryset.select_related("group", "user") if _remove_or_end(request, m)]
        super().delete_queryset(request, queryset.filter(pk__in=removable))

    @admin.action(description="Avslutt valgte deltakelser fra i dag", permissions=["change"])
    def end_today(self, request: HttpRequest, queryset: QuerySet[Membership]) -> None:
        ended = 0
        for membership in queryset.select_related("group", "user"):
            try:
                membership_end(membership=membership, ended_by=request_user(request), request=request)
            except MembershipNotEnded as refused:
                self.message_user(request, f"{membership.user}: {refused}", messages.ERROR)
            else:
                ended += 1
        self.message_user(request, f"{ended} {pluralize(ended, 'deltaker er,deltakere er')} nå tidligere deltakere.")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Membership]:
        # A group's name may be its municipalities' names, so those come along.
        return (
            super()
            .get_queryset(request)
            .select_related("user", "municipality", "group")
            .prefetch_related("group__municipalities")
        )


class GroupDocumentVersionInline(admin.TabularInline[GroupDocumentVersion, GroupDocument]):
    model = GroupDocumentVersion
    extra = 0
    fields = ("number", "file_type", "original_name", "size", "sha256", "uploaded_by", "uploaded_at")
    readonly_fields = fields
    ordering = ["-number"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[GroupDocumentVersion]:
        return super().get_queryset(request).select_related("uploaded_by")


@admin.register(GroupDocument)
class GroupDocumentAdmin(admin.ModelAdmin[GroupDocument]):
    """The groups' documents, to read: they are shared and taken down in the portal, where the files are
    served (after the access check); a document taken down stays listed here with who took it down."""

    list_display = ["title", "group", "created_by", "created_at", "hidden_at"]
    list_filter = [("hidden_at", admin.EmptyFieldListFilter)]
    list_select_related = ["group", "created_by"]
    search_fields = ["title", "group__name"]
    fields = ("group", "title", "created_by", "created_at", "hidden_at", "hidden_by")
    readonly_fields = fields
    inlines = [GroupDocumentVersionInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[GroupDocument]:
        # A group without a name of its own is called after its municipalities.
        return super().get_queryset(request).prefetch_related("group__municipalities")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: GroupDocument | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: GroupDocument | None = None) -> bool:
        return False
