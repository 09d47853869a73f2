from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db.models import ForeignKey, QuerySet
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString

from accounts.access import request_user
from core.admin import SummarisedDeleteMixin, email_status
from municipalities.models import Role

from .forms import CopySurveyForm
from .models import Category, Delivery, Invitation, Item, Page, Question, Survey
from .services import SurveyError, invitations_create, reminder_round_start, survey_copy


class SurveyAdminForm(forms.ModelForm[Survey]):
    roles = forms.MultipleChoiceField(
        label="Roller som spørres", choices=Role.choices, widget=forms.CheckboxSelectMultiple, required=False
    )

    class Meta:
        model = Survey
        fields = ["portfolio", "title", "introduction", "opens_at", "closes_at", "anonymous", "roles"]


class CategoryInline(admin.TabularInline[Category, Survey]):
    model = Category
    extra = 0
    fields = ["order", "name", "description", "finding"]


class PageInline(admin.TabularInline[Page, Survey]):
    model = Page
    extra = 0
    fields = ["order", "title", "introduction"]


class QuestionInline(admin.StackedInline[Question, Survey]):
    """The questions on the survey's page; a matrix's items and a choice question's options are edited
    on the question's own page (the link «Endre»), since the admin cannot nest inlines."""

    model = Question
    extra = 0
    show_change_link = True
    fields = [
        ("page", "order", "category"),
        ("key", "kind", "required"),
        "text",
        "help_text",
        ("low_label", "high_label"),
        ("allow_not_applicable", "elaborate"),
    ]

    def formfield_for_foreignkey(
        self, db_field: ForeignKey[Any, Any], request: HttpRequest, **kwargs: Any
    ) -> forms.ModelChoiceField[Any] | None:
        # Only the survey's own pages and categories; the survey being edited is in the URL.
        match = request.resolver_match
        survey_id = match.kwargs.get("object_id") if match else None
        if db_field.name in ("page", "category"):
            model = Page if db_field.name == "page" else Category
            kwargs["queryset"] = model.objects.filter(survey_id=survey_id) if survey_id else model.objects.none()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Survey)
class SurveyAdmin(SummarisedDeleteMixin, admin.ModelAdmin[Survey]):
    form = SurveyAdminForm
    list_display = ["title", "portfolio", "opens_at", "closes_at", "anonymous", "links"]
    list_filter = ["portfolio__programme", "anonymous"]
    list_select_related = ["portfolio__programme"]
    search_fields = ["title", "portfolio__name"]
    inlines = [CategoryInline, PageInline, QuestionInline]
    actions = ["copy_to_portfolio", "send_invitations", "start_reminder_round"]

    @admin.display(description="Resultater")
    def links(self, obj: Survey) -> SafeString:
        return format_html('<a href="{}">Resultater og rapport</a>', reverse("surveys:results", kwargs={"pk": obj.pk}))

    @admin.action(description="Kopier til en annen portefølje", permissions=["add"])
    def copy_to_portfolio(self, request: HttpRequest, queryset: QuerySet[Survey]) -> HttpResponseBase | None:
        if queryset.count() != 1:
            self.message_user(request, "Velg nøyaktig én undersøkelse å kopiere.", messages.WARNING)
            return None
        source = queryset.select_related("portfolio__programme").get()
        form = CopySurveyForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            copy = survey_copy(
                survey=source,
                portfolio=form.cleaned_data["portfolio"],
                copied_by=request_user(request),
                request=request,
            )
            self.message_user(
                request, f"Undersøkelsen er kopiert til {copy.portfolio}. Sett nye datoer.", messages.SUCCESS
            )
            return redirect("admin:surveys_survey_change", copy.pk)
        context = {
            **self.admin_site.each_context(request),
            "title": f"Kopier «{source.title}» til en annen portefølje",
            "form": form,
            "source": source,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/surveys/copy_survey.html", context)

    @admin.action(description="Send invitasjoner til deltakerne med de valgte rollene", permissions=["change"])
    def send_invitations(self, request: HttpRequest, queryset: QuerySet[Survey]) -> None:
        for survey in queryset.select_related("portfolio__programme"):
            count = invitations_create(survey=survey, user=request_user(request), request=request)
            self.message_user(request, f"{survey.title} ({survey.portfolio}): {count} nye invitasjoner sendes.")

    @admin.action(description="Start en påminnelsesrunde til dem som ikke har svart", permissions=["change"])
    def start_reminder_round(self, request: HttpRequest, queryset: QuerySet[Survey]) -> None:
        for survey in queryset.select_related("portfolio__programme"):
            try:
                count = reminder_round_start(survey=survey, user=request_user(request), request=request)
            except SurveyError as error:
                self.message_user(request, f"{survey.title}: {error}", messages.WARNING)
                continue
            self.message_user(request, f"{survey.title} ({survey.portfolio}): {count} påminnelser sendes.")


class ItemInline(admin.TabularInline[Item, Question]):
    model = Item
    extra = 0
    fields = ["order", "label"]


@admin.register(Question)
class QuestionAdmin(SummarisedDeleteMixin, admin.ModelAdmin[Question]):
    list_display = ["text", "key", "kind", "survey", "page", "order", "required"]
    list_filter = ["kind", "survey__portfolio"]
    # A survey is named with its portfolio, and a portfolio with its programme.
    list_select_related = ["survey__portfolio__programme", "page"]
    search_fields = ["text", "key"]
    raw_id_fields = ["survey", "page", "category", "copied_from"]
    inlines = [ItemInline]


@admin.register(Invitation)
class InvitationAdmin(SummarisedDeleteMixin, admin.ModelAdmin[Invitation]):
    """Read only: invitations are made by the survey's action, and the links are never shown here."""

    list_display = ["user", "group", "role", "level", "survey", "created_at"]
    list_filter = ["level", "survey__portfolio"]
    list_select_related = ["user", "group", "survey__portfolio__programme"]
    search_fields = ["user__email", "user__full_name"]
    # A tuple, which both options accept as it is (a list of str is not a list of field groups).
    readonly_fields = ("survey", "user", "group", "role", "level", "created_at")
    fields = readonly_fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[Invitation]:
        # A group without a name of its own is called after its municipalities.
        return super().get_queryset(request).prefetch_related("group__municipalities")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Invitation | None = None) -> bool:
        return False


@admin.register(Delivery)
class DeliveryAdmin(SummarisedDeleteMixin, admin.ModelAdmin[Delivery]):
    """The survey e-mails of each round. Whether an e-mail went out, and sending a failed one again, is in
    «E-poster» (core.Email), where every e-mail of the portal is."""

    list_display = ["invitation", "mailing", "status", email_status, "reason"]
    list_filter = ["status", "mailing__kind"]
    list_select_related = ["invitation__user", "invitation__survey", "mailing", "email"]
    readonly_fields = ["mailing", "invitation", "status", "due_at", "email", "reason"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Delivery | None = None) -> bool:
        return False
