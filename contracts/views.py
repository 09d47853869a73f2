"""Contract pages: the contract with its signing, the stored PDFs, upload, termination, the verify page,
the foundation document as PDF and the fee export. Out of reach is always a 404 (AccessRefused)."""

import csv
import io
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST

from accounts.access import AccessRefused, AuthenticatedRequest, require_programme_leader
from accounts.services import audit_log, client_ip
from core import storage
from core.downloads import download_name
from core.pdf import PDF_ARCHIVE, render_pdf
from portfolios.models import PlanItem
from portfolios.selectors import get_portfolio_for_user

from .forms import PdfUploadForm, SignForm, TerminateForm, VerifyForm
from .models import SLOT_ORGANISATION, Contract, ContractDocument
from .selectors import (
    SIGNED_KINDS,
    SigningRow,
    documents_with_hash,
    fee_rows,
    get_contract_for_user,
    get_document_for_user,
    signing_state,
    slot_for_user,
)
from .services import (
    contract_confirmation_text,
    contract_sign,
    contract_terminate,
    contract_upload_signed,
    period_over_message,
)
from .texts import contract_texts


def _can_sign_now(contract: Contract, slot: str | None, state: list[SigningRow]) -> bool:
    """Whether `slot` is unsigned and it is that slot's turn."""
    if slot is None:
        return False
    row = next(r for r in state if r["slot"] == slot)
    if row["signature"] is not None:
        return False
    if slot == SLOT_ORGANISATION:
        return contract.status == Contract.Status.SIGNED
    # After the period nobody signs for the municipality (services._sign refuses it too).
    return contract.status == Contract.Status.SENT and not contract.period_over


def _detail(
    request: AuthenticatedRequest, contract: Contract, *, form: SignForm | None = None, status: int = 200
) -> HttpResponse:
    state = signing_state(contract)
    slot = slot_for_user(contract, request.user, state)
    can_sign = _can_sign_now(contract, slot, state)
    if can_sign and form is None:
        # A contract open for signing has been sent, and sending stored its document (services.contract_send).
        assert contract.signing_document is not None
        form = SignForm(user=request.user, initial={"document_sha256": contract.signing_document.sha256})
    confirmation = contract_confirmation_text(contract=contract, slot=slot) if can_sign else ""
    return render(
        request,
        "contracts/contract_detail.html",
        {
            "contract": contract,
            "group": contract.group,
            "portfolio": contract.group.portfolio,
            "state": state,
            "can_sign": can_sign,
            "my_slot": slot,
            "form": form if can_sign else None,
            "confirmation": confirmation,
            "is_leader": request.user.is_programme_leader,
            "period_over_message": period_over_message(contract)
            if contract.is_expired and contract.status == Contract.Status.SENT
            else "",
        },
        status=status,
    )


@login_required
def contract_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    contract = get_contract_for_user(request.user, pk)
    return _detail(request, contract)


@login_required
@require_POST
def contract_sign_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    contract = get_contract_for_user(request.user, pk)
    # Only the contract's own signatories reach the signing; for everyone else it does not exist.
    if slot_for_user(contract, request.user) is None:
        raise AccessRefused("contracts.contract", pk)
    form = SignForm(request.POST, user=request.user)
    if form.is_valid():
        try:
            contract_sign(
                contract=contract,
                user=request.user,
                full_name=form.cleaned_data["full_name"],
                place=form.cleaned_data["place"],
                document_sha256=form.cleaned_data["document_sha256"],
                ip=client_ip(request),
                user_agent=request.META.get("HTTP_USER_AGENT", ""),
                request=request,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Takk! Signaturen din er registrert.")
            return redirect(contract)
    contract = get_contract_for_user(request.user, pk)
    if not _can_sign_now(contract, slot_for_user(contract, request.user), signing_state(contract)):
        # Signing is no longer open (someone else signed first, or the contract changed): say so plainly.
        for message in form.non_field_errors() or ["Kontrakten kan ikke signeres nå."]:
            # str(): an ErrorList yields its messages as strings, though django-stubs allows ValidationErrors.
            messages.error(request, str(message))
        return redirect(contract)
    return _detail(request, contract, form=form)


def _serve(
    request: AuthenticatedRequest,
    contract: Contract,
    document: ContractDocument,
    filename: str,
    *,
    as_attachment: bool,
) -> HttpResponseBase:
    """The stored bytes, after checking them against their SHA-256; never rendered again."""
    try:
        content = storage.read_verified(document.path, document.sha256)
    except storage.DocumentTampered:
        audit_log(
            action="contract.document_tampered",
            obj=contract,
            request=request,
            payload={"document_id": document.pk, "kind": document.kind},
        )
        return render(request, "contracts/document_refused.html", {"contract": contract}, status=409)
    audit_log(action="contract.downloaded", obj=contract, request=request, payload={"kind": document.kind})
    return FileResponse(
        io.BytesIO(content), content_type="application/pdf", as_attachment=as_attachment, filename=filename
    )


@login_required
def signing_pdf(request: AuthenticatedRequest, pk: int) -> HttpResponseBase:
    """The document the signatories read and sign, as stored when the contract was sent."""
    contract, document = get_document_for_user(request.user, pk, final=False)
    # The year, as for the signed copy: a municipality may take part in more than one portfolio.
    year = contract.group.portfolio.agreement_start.year
    name = download_name("kontrakt", contract.municipality.name, year, "til-signering", extension="pdf")
    return _serve(request, contract, document, name, as_attachment=False)


@login_required
def signed_pdf(request: AuthenticatedRequest, pk: int) -> HttpResponseBase:
    """The signed contract, as stored when the last signature came in or the signed copy was uploaded."""
    contract, document = get_document_for_user(request.user, pk, final=True)
    portfolio = contract.group.portfolio
    name = download_name(
        "kontrakt", contract.municipality.name, portfolio.agreement_start.year, "signert", extension="pdf"
    )
    return _serve(request, contract, document, name, as_attachment=True)


@login_required
def contract_upload(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """The programme leader stores a contract signed outside the portal."""
    require_programme_leader(request.user, "contracts.contract", pk)
    contract = get_contract_for_user(request.user, pk)
    form = PdfUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            contract_upload_signed(
                contract=contract, content=form.cleaned_data["file"], actor=request.user, request=request
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Den signerte kontrakten er lagret.")
            return redirect(contract)
    return render(request, "contracts/contract_upload.html", {"contract": contract, "form": form})


@login_required
def contract_terminate_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """The programme leader ends a contract, with a date and a reason."""
    require_programme_leader(request.user, "contracts.contract", pk)
    contract = get_contract_for_user(request.user, pk)
    form = TerminateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            contract_terminate(
                contract=contract,
                terminated_on=form.cleaned_data["terminated_on"],
                reason=form.cleaned_data["reason"],
                actor=request.user,
                request=request,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Kontrakten er avsluttet.")
            return redirect(contract)
    return render(request, "contracts/contract_terminate.html", {"contract": contract, "form": form})


@login_required
def verify(request: AuthenticatedRequest) -> HttpResponse:
    """Anyone logged in may check whether a PDF is an unaltered contract on record. Which contract it is,
    is told only to those who may see that contract."""
    form = VerifyForm(request.POST or None, request.FILES or None)
    result: dict[str, Any] | None = None
    if request.method == "POST" and form.is_valid():
        sha = storage.sha256_hex(form.cleaned_data["file"])
        documents = documents_with_hash(sha)
        visible = set(
            Contract.objects.visible_to(request.user)
            .filter(pk__in=[d.contract_id for d in documents])
            .values_list("pk", flat=True)
        )
        signed = [d for d in documents if d.kind in SIGNED_KINDS]
        # A copy sent for signing is on record too, but it is not a signed contract, and must not pass for one.
        shown = signed or documents
        result = {
            "sha256": sha,
            "found": bool(signed),
            "signing_copy_only": bool(documents) and not signed,
            "documents": [d for d in shown if d.contract_id in visible],
        }
        audit_log(
            action="contract.verified",
            request=request,
            payload={"sha256": sha, "found": bool(signed), "signing_copy_only": result["signing_copy_only"]},
        )
    return render(request, "contracts/verify.html", {"form": form, "result": result})


@login_required
def foundation_pdf(request: AuthenticatedRequest, pk: int) -> FileResponse:
    """The portfolio's foundation document as PDF: sections, the plan with weeks, and the contract form."""
    portfolio = get_portfolio_for_user(request.user, pk)
    template = getattr(portfolio.programme, "contract_template", None)
    texts = contract_texts(template, portfolio=portfolio) if template else None
    context = {
        "portfolio": portfolio,
        "programme": portfolio.programme,
        "sections": portfolio.sections.all(),
        "plan_items": portfolio.plan_items.all(),
        "template": template,
        "texts": texts,
        "municipal_slots": [{"label": label} for label in texts.get("slot_labels", [])] if texts else [],
    }
    # The municipality files the foundation document with its contract, so it is PDF/A as well.
    content = render_pdf("contracts/pdf/foundation_document.html", context, pdf_variant=PDF_ARCHIVE)
    name = download_name("grunnlagsdokument", portfolio.programme.name, portfolio.name, extension="pdf")
    return FileResponse(io.BytesIO(content), content_type="application/pdf", as_attachment=False, filename=name)


def _gathering_label(item: PlanItem | None) -> str:
    if item is None:
        return ""
    when = item.starts_on.strftime("%d.%m.%Y") if item.starts_on else item.when_text
    return f"{item.title} ({when})" if when else item.title


@login_required
def fee_export(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Fee rows for the finance office as CSV (semicolons and a BOM, so that Excel opens it in Norwegian)."""
    require_programme_leader(request.user, "portfolios.portfolio", pk)
    portfolio = get_portfolio_for_user(request.user, pk)
    if not portfolio.programme.participation_fee:
        raise AccessRefused("portfolios.portfolio", pk)
    rows = fee_rows(portfolio)
    name = download_name("deltakeravgift", portfolio.programme.name, portfolio.name, extension="csv")
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    disposition = content_disposition_header(as_attachment=True, filename=name)
    # Django returns None only for an inline response without a file name; an attachment always has one.
    assert disposition is not None
    response["Content-Disposition"] = disposition
    response.write("\ufeff")
    writer = csv.writer(response, delimiter=";")
    writer.writerow(
        [
            "Kommunenummer",
            "Kommune",
            "Kommunegruppe",
            "Faktura",
            "Av",
            "Beløp (kr)",
            "Faktureres etter",
            "Kontraktstatus",
        ]
    )
    for row in rows:
        writer.writerow(
            [
                row["municipality"].number,
                row["municipality"].name,
                row["group"].display_name,
                row["instalment"],
                row["instalments"],
                row["amount"],
                _gathering_label(row["after"]),
                row["contract_status"],
            ]
        )
    audit_log(
        action="contracts.fee_export",
        obj=portfolio,
        request=request,
        payload={"rows": len(rows), "at": timezone.now().isoformat()},
    )
    return response
