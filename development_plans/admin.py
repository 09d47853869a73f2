"""Plans in the admin are for reading only: every change goes through the portal's services, so that the
change log (audit events) stays complete."""

from django.contrib import admin
from django.db.models import Model, QuerySet
from django.http import HttpRequest

from portfolios.admin import PortfolioFilter

from .models import Comment, DevelopmentPlan, Goal, Measure, PlanVersion


class ReadOnlyMixin:
    # `obj` is the admin's own object, or for an inline the parent's (and absent from a ModelAdmin's
    # has_add_permission).
    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


class GoalInline(ReadOnlyMixin, admin.TabularInline[Goal, DevelopmentPlan]):
    model = Goal
    fields = ["order", "level", "title", "attainment"]
    extra = 0


class PlanVersionInline(ReadOnlyMixin, admin.TabularInline[PlanVersion, DevelopmentPlan]):
    model = PlanVersion
    fields = ["number", "approved_by", "approved_at"]
    extra = 0


class PlanPortfolioFilter(PortfolioFilter):
    field = "group__portfolio"


@admin.register(DevelopmentPlan)
class DevelopmentPlanAdmin(ReadOnlyMixin, admin.ModelAdmin[DevelopmentPlan]):
    list_display = ["__str__", "status", "version", "approved_at", "updated_at"]
    list_filter = [PlanPortfolioFilter, "status"]
    list_select_related = ["group"]
    search_fields = ["group__name", "group__municipalities__name"]
    inlines = [GoalInline, PlanVersionInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[DevelopmentPlan]:
        return super().get_queryset(request).prefetch_related("group__municipalities")


@admin.register(Measure)
class MeasureAdmin(ReadOnlyMixin, admin.ModelAdmin[Measure]):
    list_display = ["__str__", "goal", "status", "starts_on", "ends_on"]
    list_filter = ["status"]
    list_select_related = ["goal"]
    search_fields = ["title"]


@admin.register(Comment)
class CommentAdmin(ReadOnlyMixin, admin.ModelAdmin[Comment]):
    list_display = ["__str__", "plan", "created_at"]
    list_select_related = ["author", "plan__group"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Comment]:
        # The plan is named after its group, and a group without a name after its municipalities.
        return super().get_queryset(request).prefetch_related("plan__group__municipalities")
