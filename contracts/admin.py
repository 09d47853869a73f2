from typing import Any, TypedDict

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django_stubs_ext import WithAnnotations

from accounts.access import request_user
from core.admin import SummarisedDeleteMixin
from portfolios.admin import PortfolioFilter

from .models import (
    EXPIRED_LABEL,
    Contract,
    ContractDocument,
    ContractTemplate,
    PortfolioContracts,
    Signature,
    expired_q,
)
from .services import contracts_render_retry, contracts_send_portfolio


class GroupPortfolioFilter(PortfolioFilter):
    field = "group__portfolio"


# The status filter's value for the contracts whose period is over (Contract.is_expired).
EXPIRED = "expired"

# The contracts whose document the background job is making, and those whose render failed and wait for
# «Prøv igjen» (Contract.render_state).
QUEUED = Q(render_requested_at__isnull=False)
FAILED = Q(render_failed_at__isnull=False, render_requested_at__isnull=True)


class StatusFilter(admin.SimpleListFilter):
    """The statuses as the list shows them (Contract.status_display): «Utløpt» for a contract whose period is
    over, whatever its stored status, and each other status without the expired ones."""

    title = "status"
    parameter_name = "status"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin[Any]) -> list[tuple[str, str]]:
        return [*Contract.Status.choices, (EXPIRED, EXPIRED_LABEL)]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Contract]) -> QuerySet[Contract]:
        value = self.value()
        if not value:
            return queryset
        if value == EXPIRED:
            return queryset.filter(expired_q())
        return queryset.filter(status=value).exclude(expired_q())


class RenderStateFilter(admin.SimpleListFilter):
    title = "dokument"
    parameter_name = "dokument"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin[Any]) -> list[tuple[str, str]]:
        return [("queued", "Lages"), ("failed", "Feilet")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Contract]) -> QuerySet[Contract]:
        condition = {"queued": QUEUED, "failed": FAILED}.get(self.value() or "")
        return queryset.filter(condition) if condition is not None else queryset


def _retry(model_admin: admin.ModelAdmin[Any], request: HttpRequest, contracts: QuerySet[Contract]) -> None:
    count = contracts_render_retry(contracts=contracts, actor=request_user(request), request=request)
    if count:
        model_admin.message_user(
            request, f"{count} kontrakter er lagt i kø igjen og lages i bakgrunnen om litt.", messages.SUCCESS
        )
    else:
        model_admin.message_user(
            request, "Ingen av de valgte kontraktene har et dokument som feilet.", messages.WARNING
        )


@admin.register(ContractTemplate)
class ContractTemplateAdmin(SummarisedDeleteMixin, admin.ModelAdmin[ContractTemplate]):
    list_display = ["programme", "title", "signatory_name", "signatories"]
    list_select_related = ["programme"]


# Tuples, shared by `fields` and `readonly_fields`: django-stubs types the two differently, and only a tuple
# (immutable, so covariant) fits both.
SIGNATURE_FIELDS = ("slot", "full_name", "user", "place", "signed_at", "ip_address", "document_sha256")


class SignatureInline(admin.TabularInline[Signature, Contract]):
    model = Signature
    extra = 0
    can_delete = False
    fields = SIGNATURE_FIELDS
    readonly_fields = SIGNATURE_FIELDS

    def has_add_permission(self, request: HttpRequest, obj: Contract | None = None) -> bool:
        return False


DOCUMENT_FIELDS = ("kind", "sha256", "size", "created_at", "created_by")


class DocumentInline(admin.TabularInline[ContractDocument, Contract]):
    model = ContractDocument
    extra = 0
    can_delete = False
    fields = DOCUMENT_FIELDS
    readonly_fields = DOCUMENT_FIELDS

    def has_add_permission(self, request: HttpRequest, obj: Contract | None = None) -> bool:
        return False


@admin.register(Contract)
class ContractAdmin(admin.ModelAdmin[Contract]):
    """Contracts are read here; their status changes only through the portal's actions (signing, upload,
    termination) and the send action, so that every change passes the services' checks and the log."""

    list_display = ["__str__", "group", "status_column", "document_state", "sent_at", "countersigned_at", "page_link"]
    list_filter = [GroupPortfolioFilter, StatusFilter, RenderStateFilter]
    list_select_related = ["municipality", "group__portfolio"]
    search_fields = ["municipality__name", "group__name"]
    inlines = [SignatureInline, DocumentInline]
    actions = ["retry_render"]
    # The stored status is never edited here (see the class's docstring); its page shows it as the list does.
    exclude = ["status"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Contract]:
        # A group without a name of its own is called after its municipalities.
        return super().get_queryset(request).prefetch_related("group__municipalities")

    readonly_fields = [
        "group",
        "municipality",
        "status_column",  # «Utløpt» once the period is over, as everywhere else
        "render_requested_at",
        "render_failed_at",
        "render_error",
        "sent_at",
        "reminder_due_at",
        "reminded_at",
        "signed_at",
        "countersigned_at",
        "in_force_at",
        "terminated_on",
        "termination_reason",
        "signing_document",
        "final_document",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Contract | None = None) -> bool:
        return False

    @admin.display(description="status", ordering="status")
    def status_column(self, obj: Contract) -> str:
        return obj.status_display

    @admin.display(description="I portalen")
    def page_link(self, obj: Contract) -> str:
        return format_html('<a href="{}">Åpne</a>', obj.get_absolute_url())

    @admin.display(description="Dokument")
    def document_state(self, obj: Contract) -> str:
        if obj.render_state == "queued":
            return "Lages" + (" (nytt forsøk)" if obj.render_failed_at else "")
        if obj.render_state == "failed":
            failed_at = timezone.localtime(obj.render_failed_at).strftime("%d.%m.%Y kl. %H.%M")
            return format_html("<strong>Feilet</strong> {}: {}", failed_at, obj.render_error)
        return ""

    @admin.action(description="Prøv igjen", permissions=["change"])
    def retry_render(self, request: HttpRequest, queryset: QuerySet[Contract]) -> None:
        _retry(self, request, queryset)


class RenderCounts(TypedDict):
    """The counts PortfolioContractsAdmin.get_queryset annotates on each portfolio. (Annotations that name
    it are quoted: WithAnnotations with a TypedDict cannot be subscripted at run time on Python 3.11.)"""

    queued_count: int
    failed_count: int


PORTFOLIO_FIELDS = ("programme", "name", "agreement_start", "agreement_end", "status")


@admin.register(PortfolioContracts)
class PortfolioContractsAdmin(admin.ModelAdmin[PortfolioContracts]):
    """Where the programme leader generates and sends a portfolio's contracts and fetches the fee export."""

    list_display = ["name", "programme", "agreement_start", "agreement_end", "status", "queued", "failed", "links"]
    list_filter = ["programme", "status"]
    list_select_related = ["programme"]
    actions = ["generate_and_send", "retry_render"]
    fields = PORTFOLIO_FIELDS
    readonly_fields = PORTFOLIO_FIELDS

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: PortfolioContracts | None = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[PortfolioContracts]:
        # The counts of the contracts' documents in the making or failed, in the list's own query.
        contracts = "groups__contracts"
        return (
            super()
            .get_queryset(request)
            .annotate(
                queued_count=Count(contracts, filter=Q(groups__contracts__render_requested_at__isnull=False)),
                failed_count=Count(
                    contracts,
                    filter=Q(
                        groups__contracts__render_failed_at__isnull=False,
                        groups__contracts__render_requested_at__isnull=True,
                    ),
                ),
            )
        )

    def _contracts_link(self, obj: PortfolioContracts, count: int, state: str) -> str:
        if not count:
            return "–"
        url = reverse("admin:contracts_contract_changelist") + f"?portfolio={obj.pk}&dokument={state}"
        return format_html('<a href="{}">{}</a>', url, count)

    @admin.display(description="Lages")
    def queued(self, obj: "WithAnnotations[PortfolioContracts, RenderCounts]") -> str:
        return self._contracts_link(obj, obj.queued_count, "queued")

    @admin.display(description="Feilet")
    def failed(self, obj: "WithAnnotations[PortfolioContracts, RenderCounts]") -> str:
        return self._contracts_link(obj, obj.failed_count, "failed")

    @admin.display(description="Dokumenter")
    def links(self, obj: PortfolioContracts) -> str:
        foundation = reverse("contracts:foundation_pdf", args=[obj.pk])
        contracts = reverse("admin:contracts_contract_changelist") + f"?portfolio={obj.pk}"
        html = format_html(
            '<a href="{}">Kontraktene</a> · <a href="{}">Grunnlagsdokument (PDF)</a>', contracts, foundation
        )
        if obj.programme.participation_fee:
            fees = reverse("contracts:fee_export", args=[obj.pk])
            html += format_html(' · <a href="{}">Deltakeravgift (CSV)</a>', fees)
        return html

    @admin.action(description="Lag kontrakter og send dem til signering", permissions=["change"])
    def generate_and_send(self, request: HttpRequest, queryset: QuerySet[PortfolioContracts]) -> None:
        for portfolio in queryset.select_related("programme"):
            try:
                with transaction.atomic():
                    created, queued = contracts_send_portfolio(
                        portfolio=portfolio, actor=request_user(request), request=request
                    )
            except ValidationError as error:
                self.message_user(request, " ".join(error.messages), messages.ERROR)
                continue
            self.message_user(
                request,
                f"{portfolio}: {created} nye kontrakter; {queued} sendes til signering i bakgrunnen. "
                "Signatarene får e-post når kontrakten deres er sendt. Kolonnene «Lages» og «Feilet» viser hvordan "
                "det går.",
                messages.SUCCESS,
            )

    @admin.action(description="Prøv igjen (kontrakter som feilet)", permissions=["change"])
    def retry_render(self, request: HttpRequest, queryset: QuerySet[PortfolioContracts]) -> None:
        portfolios = list(queryset.values_list("pk", flat=True))
        _retry(self, request, Contract.objects.filter(group__portfolio__in=portfolios))
