from typing import Any

from django.contrib import admin, messages
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest

from accounts.access import request_user
from core.admin import SummarisedDeleteMixin

from .models import ApplicationPdf, Call, CallQuestion, Criterion
from .services import application_pdfs_retry
from .texts import LETTER_ADMITTED, LETTER_DECLINED, LETTER_WAITING_LIST, default_criteria


def has_replies(request: HttpRequest, call: Call | None) -> bool:
    """Whether `call` has applications sent in, or answers or criteria checks (a draft's answers too): then
    what applicants answered and were judged by must stay as it was. One query, remembered for the request,
    which asks it once per inline and row."""
    if call is None or call.pk is None:
        return False
    cache: dict[int, bool] = request.__dict__.setdefault("_call_has_replies", {})
    if call.pk not in cache:
        cache[call.pk] = (
            Call.objects.filter(pk=call.pk)
            .filter(
                Q(applications__submitted_at__isnull=False)
                | Q(questions__answers__isnull=False)
                | Q(criteria__checks__isnull=False)
            )
            .exists()
        )
    return cache[call.pk]


class RepliedLockMixin:
    """For the call's inlines: once the call has replies (`has_replies`), its rows can be neither added
    nor deleted and their texts are read-only, and the inline says why."""

    locked_fields: list[str]
    locked_help: str

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        readonly = list(super().get_readonly_fields(request, obj))  # type: ignore[misc]
        return readonly + self.locked_fields if has_replies(request, obj) else readonly

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return not has_replies(request, obj) and super().has_add_permission(request, obj)  # type: ignore[misc]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return not has_replies(request, obj) and super().has_delete_permission(request, obj)  # type: ignore[misc]

    def get_formset(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> Any:
        formset = super().get_formset(request, obj, **kwargs)  # type: ignore[misc]
        # Shown under the inline's heading by templates/admin/edit_inline/tabular.html.
        formset.locked_help = self.locked_help if has_replies(request, obj) else ""
        return formset


class CriterionInline(RepliedLockMixin, admin.TabularInline[Criterion, Call]):
    model = Criterion
    extra = 0
    fields = ["order", "text"]
    locked_fields = ["text"]
    locked_help = (
        "Utlysningen har fått søknader, og søknadene vurderes etter disse kriteriene. Kriteriene kan derfor "
        "ikke lenger endres, slettes eller legges til."
    )


class QuestionInline(RepliedLockMixin, admin.TabularInline[CallQuestion, Call]):
    model = CallQuestion
    extra = 0
    fields = ["order", "text", "help_text", "required"]
    locked_fields = ["text", "help_text", "required"]
    locked_help = (
        "Søkerne har svart på disse spørsmålene. Spørsmålene kan derfor ikke lenger endres, slettes eller "
        "legges til, så svarene beholder sin mening."
    )


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
