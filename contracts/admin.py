from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils.html import format_html

from portfolios.admin import PortfolioFilter

from .models import Contract, ContractDocument, ContractTemplate, PortfolioContracts, Signature
from .services import contracts_send_portfolio


class GroupPortfolioFilter(PortfolioFilter):
    field = "group__portfolio"


@admin.register(ContractTemplate)
class ContractTemplateAdmin(admin.ModelAdmin):
    list_display = ["programme", "title", "signatory_name", "signatories"]
    list_select_related = ["programme"]


class SignatureInline(admin.TabularInline):
    model = Signature
    extra = 0
    can_delete = False
    fields = ["slot", "full_name", "user", "place", "signed_at", "ip_address", "document_sha256"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


class DocumentInline(admin.TabularInline):
    model = ContractDocument
    extra = 0
    can_delete = False
    fields = ["kind", "sha256", "size", "created_at", "created_by"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Contract)
class ContractAdmin(admin.ModelAdmin):
    """Contracts are read here; their status changes only through the portal's actions (signing, upload,
    termination) and the send action, so that every change passes the services' checks and the log."""

    list_display = ["__str__", "group", "status", "sent_at", "countersigned_at", "page_link"]
    list_filter = [GroupPortfolioFilter, "status"]
    list_select_related = ["municipality", "group__portfolio"]
    search_fields = ["municipality__name", "group__name"]
    inlines = [SignatureInline, DocumentInline]
    readonly_fields = [
        "group",
        "municipality",
        "status",
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

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="I portalen")
    def page_link(self, obj):
        return format_html('<a href="{}">Åpne</a>', obj.get_absolute_url())


@admin.register(PortfolioContracts)
class PortfolioContractsAdmin(admin.ModelAdmin):
    """Where the programme leader generates and sends a portfolio's contracts and fetches the fee export."""

    list_display = ["name", "programme", "agreement_start", "agreement_end", "status", "links"]
    list_filter = ["programme", "status"]
    list_select_related = ["programme"]
    actions = ["generate_and_send"]
    fields = ["programme", "name", "agreement_start", "agreement_end", "status"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="Dokumenter")
    def links(self, obj):
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
    def generate_and_send(self, request, queryset):
        for portfolio in queryset.select_related("programme"):
            try:
                with transaction.atomic():
                    created, queued = contracts_send_portfolio(portfolio=portfolio, actor=request.user, request=request)
            except ValidationError as error:
                self.message_user(request, " ".join(error.messages), messages.ERROR)
                continue
            self.message_user(
                request,
                f"{portfolio}: {created} nye kontrakter; {queued} sendes til signering i bakgrunnen. "
                "Signatarene får e-post når kontrakten deres er sendt.",
                messages.SUCCESS,
            )
