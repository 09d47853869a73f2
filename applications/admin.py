from typing import Any

from django.contrib import admin
from django.db.models import Count, QuerySet
from django.http import HttpRequest

from core.admin import SummarisedDeleteMixin

from .models import Call, CallQuestion, Criterion
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
