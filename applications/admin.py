from typing import Any

from django.contrib import admin, messages
from django.db.models import Count, QuerySet
from django.http import HttpRequest

from accounts.access import request_user
from core.admin import SummarisedDeleteMixin

from .models import ApplicationPdf, Call, CallQuestion, Criterion
from .services import application_pdfs_retry
from .texts import LETTER_ADMITTED, LETTER_DECLINED, LETTER_WAITING_LIST, default_criteria


class CriterionInline(admin.TabularInline[Criterion, Call]):
    model = Criterion
    extra = 0
    fields = ["order", "text"]


class QuestionInline(admin.TabularInline[CallQuestion, Call]):
    model = CallQuestion
    extra = 0
    fields = ["order", "text", "help_text", "required"]


@admin.register(Call)
class CallAdmin(SummarisedDeleteMixin, admin.ModelAdmin[Call]):
    list_display = ["title", "portfolio", "opens_at", "closes_at", "application_count"]
    list_filter = ["portfolio__programme"]
    list_select_related = ["portfolio__programme"]
    search_fields = ["title", "portfolio__name"]
    inlines = [CriterionInline, QuestionInline]
    delete_protected_help = "En utlysning som har fått søknader kan ikke slettes."
    fieldsets = [
        (None, {"fields": ["portfolio", "title", ("opens_at", "closes_at"), "intro"]}),
        (
            "Brev ved avgjørelse",
            {
                "fields": ["letter_admitted", "letter_waiting_list", "letter_declined"],
                "description": "Teksten i e-posten søkeren får når søknaden er avgjort.",
            },
        ),
        ("Personvern", {"fields": ["retention_days"]}),
    ]

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        # A new call starts from the standard letters, which the leader edits.
        return {
            "letter_admitted": LETTER_ADMITTED,
            "letter_waiting_list": LETTER_WAITING_LIST,
            "letter_declined": LETTER_DECLINED,
            **super().get_changeform_initial_data(request),
        }

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        call = form.instance
        if not change and not call.criteria.exists():
            # Added without criteria of its own: the programme's, from its foundation document.
            Criterion.objects.bulk_create(
                Criterion(call=call, order=order, text=text)
                for order, text in enumerate(default_criteria(call.portfolio.programme.group_rule))
            )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Call]:
        # The count in one query with the list, however many calls there are.
        return super().get_queryset(request).annotate(application_total=Count("applications"))

    @admin.display(description="søknader", ordering="application_total")
    def application_count(self, obj: Call) -> int:
        return getattr(obj, "application_total", 0)


class PdfFailedFilter(admin.SimpleListFilter):
    title = "PDF"
    parameter_name = "pdf"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("failed", "Feilet"), ("queued", "I kø"), ("made", "Laget")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[ApplicationPdf]) -> QuerySet[ApplicationPdf]:
        if self.value() == "failed":
            return queryset.filter(failed_at__isnull=False, requested_at__isnull=True)
        if self.value() == "queued":
            return queryset.filter(requested_at__isnull=False)
        if self.value() == "made":
            return queryset.exclude(path="")
        return queryset


@admin.register(ApplicationPdf)
class ApplicationPdfAdmin(admin.ModelAdmin[ApplicationPdf]):
    """The PDFs of the applications sent in, for «Prøv igjen» when one could not be made; read only."""

    list_display = ["application", "call", "made_at", "requested_at", "failed_at"]
    list_filter = [PdfFailedFilter]
    list_select_related = ["application__call"]
    fields = readonly_fields = ("application", "made_at", "requested_at", "failed_at", "error")
    actions = ["retry"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[ApplicationPdf]:
        # An application is called after its municipalities.
        return super().get_queryset(request).prefetch_related("application__municipalities")

    @admin.display(description="utlysning")
    def call(self, pdf: ApplicationPdf) -> str:
        return pdf.application.call.title

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: ApplicationPdf | None = None) -> bool:
        return False

    @admin.action(description="Prøv igjen", permissions=["change"])
    def retry(self, request: HttpRequest, queryset: QuerySet[ApplicationPdf]) -> None:
        count = application_pdfs_retry(pdfs=queryset, actor=request_user(request), request=request)
        if count:
            self.message_user(request, f"{count} PDF-er lages på nytt i bakgrunnen om litt.", messages.SUCCESS)
        else:
            self.message_user(request, "Ingen av de valgte PDF-ene feilet.", messages.WARNING)
