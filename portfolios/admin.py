from typing import Any

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse

from accounts.access import request_user
from core.admin import SummarisedDeleteMixin

from .forms import PortfolioCopyForm
from .models import FoundationSection, PlanItem, Portfolio, Programme
from .services import portfolio_copy, portfolio_copy_suggestions


class PortfolioFilter(admin.SimpleListFilter):
    """Filter by portfolio, listing portfolios with their programme in one query."""

    title = "portefølje"
    parameter_name = "portfolio"
    field = "portfolio"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin[Any]) -> list[tuple[str, str]]:
        return [(str(p.pk), str(p)) for p in Portfolio.objects.select_related("programme")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return queryset.filter(**{self.field: self.value()}) if self.value() else queryset


@admin.register(Programme)
class ProgrammeAdmin(SummarisedDeleteMixin, admin.ModelAdmin[Programme]):
    list_display = ["name", "long_name", "participation_fee", "fee_instalments", "contact_name"]
    search_fields = ["name", "long_name"]
    prepopulated_fields = {"key": ["name"]}


class FoundationSectionInline(admin.StackedInline[FoundationSection, Portfolio]):
    model = FoundationSection
    extra = 0
    fields = ["order", "heading", "text"]


class PlanItemInline(admin.TabularInline[PlanItem, Portfolio]):
    model = PlanItem
    extra = 0
    fields = [
        "order",
        "number",
        "title",
        "kind",
        "audience",
        "format",
        "when_text",
        "starts_on",
        "ends_on",
        "week_from",
        "week_to",
        "weeks_text",
        "notes",
    ]


@admin.register(Portfolio)
class PortfolioAdmin(SummarisedDeleteMixin, admin.ModelAdmin[Portfolio]):
    delete_protected_help = (
        "En portefølje med kommunegrupper eller en spørreundersøkelse slettes ikke. Sett status til «Avsluttet» "
        "i stedet: da ligger den samlet med de andre avsluttede i «Porteføljer», og det den har, er tatt vare på."
    )
    list_display = ["name", "programme", "agreement_start", "agreement_end", "status"]
    list_filter = ["programme", "status"]
    list_select_related = ["programme"]
    search_fields = ["name", "programme__name"]
    filter_horizontal = ["advisers"]
    inlines = [FoundationSectionInline, PlanItemInline]
    actions = ["copy_to_new_period"]

    @admin.action(description="Kopier til ny periode (med grunnlagsdokument og plan)", permissions=["add"])
    def copy_to_new_period(self, request: HttpRequest, queryset: QuerySet[Portfolio]) -> HttpResponse | None:
        """An intermediate page: the new period, number and titles, suggested for the leader to change; then
        the copy, and a message for each thing the leader must still check."""
        if queryset.count() != 1:
            self.message_user(request, "Velg nøyaktig én portefølje å kopiere.", messages.WARNING)
            return None
        source = queryset.select_related("programme").get()
        form = PortfolioCopyForm(request.POST, source=source)
        if "apply" not in request.POST:
            # First the suggestions for one year on; «Oppdater forslagene» makes them anew for the years given
            # (a wrong number of years is shown as the error it is, with what was typed).
            try:
                years = PortfolioCopyForm.base_fields["years"].clean(request.POST.get("years") or "1")
            except ValidationError:
                form.is_valid()
            else:
                suggestions = portfolio_copy_suggestions(portfolio=source, years=years)
                form = PortfolioCopyForm(initial=suggestions, source=source)
        if "apply" in request.POST and form.is_valid():
            result = portfolio_copy(
                portfolio=source, **form.cleaned_data, copied_by=request_user(request), request=request
            )
            copy = result.portfolio
            self.message_user(
                request,
                f"«{copy.name}» er opprettet ({copy.period_display}) med {copy.plan_items.count()} rader i planen, "
                "flyttet slik at ukenumre og ukedager er de samme.",
                messages.SUCCESS,
            )
            if result.to_check:
                self.message_user(request, "Kontroller dette før porteføljen tas i bruk:", messages.WARNING)
            for sentence in result.to_check:
                self.message_user(request, sentence, messages.WARNING)
            return redirect("admin:portfolios_portfolio_change", copy.pk)
        context = {
            **self.admin_site.each_context(request),
            "title": f"Kopier «{source.name}» til ny periode",
            "form": form,
            "source": source,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/portfolios/copy_portfolio.html", context)
