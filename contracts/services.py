"""Writes for contracts: generating, sending, signing, countersigning, uploading, terminating, reminding.

Every change of status goes through `_move`, which refuses what the contract's life does not allow with a
ValidationError whose message is shown to the user as it is.
"""

import io
import logging
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from typing import Any, Protocol

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader
from pypdf.errors import PyPdfError

from accounts.models import User
from accounts.services import audit_log
from core import storage
from core.background import send_soon
from core.limits import USER_AGENT
from core.mail import build_mail, site_url
from core.models import Email
from core.organisation import organisation
from core.pdf import PDF_ARCHIVE, render_pdf
from core.pdf_safety import pdf_refuse_unsafe
from municipalities.models import MunicipalityGroup
from portfolios.models import Portfolio

from .models import SLOT_LABELS, SLOT_ORGANISATION, Contract, ContractDocument, Signature
from .selectors import (
    ContractTerms,
    contract_terms,
    pending_signatories,
    programme_leaders,
    signing_state,
    slot_for_user,
)
from .texts import oslo_date

logger = logging.getLogger(__name__)

Status = Contract.Status

# The contract's life: draft → sent → signed by the municipality → countersigned → in force; terminated
# from anywhere before that ends. A contract signed outside the portal jumps to countersigned by upload.
TRANSITIONS: dict[Status, set[Status]] = {
    Status.DRAFT: {Status.SENT, Status.COUNTERSIGNED, Status.TERMINATED},
    Status.SENT: {Status.SIGNED, Status.COUNTERSIGNED, Status.TERMINATED},
    Status.SIGNED: {Status.COUNTERSIGNED, Status.TERMINATED},
    Status.COUNTERSIGNED: {Status.IN_FORCE, Status.TERMINATED},
    Status.IN_FORCE: {Status.TERMINATED},
    Status.TERMINATED: set(),
}

# Archived documents are PDF/A: the final contract, and the copy sent for signing, which the final one quotes.
PDF_VARIANT = PDF_ARCHIVE
CONTRACT_PDF_TEMPLATE = "contracts/pdf/contract.html"

# The contract e-mails: sent for signing, the one reminder, ready for the countersignature (to the programme
# leaders), and signed by all.
MAIL_TEMPLATES = {
    "sent": "contracts/email/sent",
    "reminder": "contracts/email/reminder",
    "countersign": "contracts/email/countersign",
    "completed": "contracts/email/completed",
}

# The background job that makes contracts' documents (tasks.render_due_documents), queued by name so that
# the services never import the tasks.
RENDER_TASK = "contracts.render_due"
RENDER_FIELDS = ["render_requested_at", "render_failed_at", "render_error"]

# Only these groups get contracts: an applicant is not admitted yet, and a group that ended early needs none.
CONTRACT_GROUP_STATUSES = [MunicipalityGroup.Status.ADMITTED, MunicipalityGroup.Status.ACTIVE]


def _move(contract: Contract, to: Status) -> None:
    """Sets the contract's status to `to`, or raises ValidationError if its life does not allow that."""
    if to not in TRANSITIONS[Status(contract.status)]:
        raise ValidationError(
            f"Kontrakten for {contract.municipality.name} er «{contract.get_status_display().lower()}» "
            f"og kan ikke bli «{Status(to).label.lower()}»."
        )
    contract.status = to


def _locked(contract: Contract) -> Contract:
    """The contract's row, locked until the transaction ends, with the relations the services read."""
    return (
        Contract.objects.select_for_update(of=("self",))
        .select_related("group__portfolio__programme", "municipality", "signing_document")
        .get(pk=contract.pk)
    )


def _queue_mail(contract: Contract, users: Iterable[User], kind: str) -> None:
    """Puts the contract e-mail `kind` (see MAIL_TEMPLATES) to each of `users` in the outbox, in the caller's
    transaction, so that an e-mail exists exactly when what it tells has been committed; `core.outbox`
    sends each once. The audit log says it was queued: whether it went out, the outbox shows."""
    emails = [
        build_mail(
            to=user.email,
            user=user,
            template=MAIL_TEMPLATES[kind],
            context={
                "contract": contract,
                "user": user,
                "link": site_url(contract.get_absolute_url()),
                # The signed PDF itself, for the «completed» e-mail: the download checks access and the hash.
                "pdf_link": site_url(reverse("contracts:signed_pdf", kwargs={"pk": contract.pk})),
                "portfolio": contract.group.portfolio,
                "days_ago": settings.CONTRACT_REMINDER_AFTER_DAYS,
            },
        )
        for user in users
        if user.email
    ]
    if not emails:
        return
    Email.objects.bulk_create(emails)
    send_soon("core.send_outbox")
    for email in emails:
        audit_log(
            action="contract.mail_queued",
            obj=contract,
            payload={"kind": kind, "to": email.to, "email_id": email.pk},
        )


def _store(
    *, contract: Contract, kind: ContractDocument.Kind, content: bytes, created_by: User | None = None
) -> ContractDocument:
    path = storage.write_bytes(f"contracts/{contract.pk}", content)
    return ContractDocument.objects.create(
        contract=contract,
        kind=kind,
        path=path,
        sha256=storage.sha256_hex(content),
        size=len(content),
        created_by=created_by,
    )


def _terms_required(contract: Contract) -> ContractTerms:
    """The contract's terms; ValidationError if it has none because its programme has no template yet."""
    terms = contract_terms(contract)
    if terms is None:
        raise ValidationError(f"{contract.group.portfolio.programme} har ingen kontraktmal ennå.")
    return terms


def contract_pdf_context(
    contract: Contract,
    *,
    signatures: Sequence[Signature] = (),
    signing_document: ContractDocument | None = None,
) -> dict[str, Any]:
    """What the contract's print template needs. With `signatures`, the signature block is filled in and a
    last page lists them with the hash of the document they signed. Raises ValidationError if the contract
    has no terms (its programme has no template yet)."""
    terms = _terms_required(contract)
    portfolio = contract.group.portfolio
    by_slot = {s.slot: s for s in signatures}
    # The form's own words for the slots; a contract sent before they were kept prints the slots' names.
    labels = terms["texts"].get("slot_labels") or [SLOT_LABELS[slot] for slot in terms["slots"]]
    municipal = [
        {"label": label, "signature": by_slot.get(slot)} for slot, label in zip(terms["slots"], labels, strict=True)
    ]
    organisation = by_slot.get(SLOT_ORGANISATION)
    return {
        "contract": contract,
        # The organisation's signatory as sent; the print template reads it like the template's fields.
        "template": terms,
        "portfolio": portfolio,
        "municipality": contract.municipality,
        "texts": terms["texts"],
        "municipal_slots": municipal,
        "organisation_signature": organisation,
        "organisation_date": oslo_date(organisation.signed_at) if organisation else "",
        "signatures": sorted(signatures, key=lambda s: s.signed_at),
        "signing_document": signing_document,
    }


def contract_render(
    contract: Contract,
    *,
    signatures: Sequence[Signature] = (),
    signing_document: ContractDocument | None = None,
) -> bytes:
    """The contract as PDF/A bytes; see contract_pdf_context."""
    context = contract_pdf_context(contract, signatures=signatures, signing_document=signing_document)
    return render_pdf(CONTRACT_PDF_TEMPLATE, context, pdf_variant=PDF_VARIANT)


def contracts_generate(*, portfolio: Portfolio, actor: User | None = None, request: HttpRequest | None = None) -> int:
    """Creates the missing draft contracts of `portfolio`: one per municipality of each admitted or active
    group. Returns the number created. Safe to run again."""
    groups = MunicipalityGroup.objects.filter(portfolio=portfolio, status__in=CONTRACT_GROUP_STATUSES)
    wanted = {(g.pk, m.pk) for g in groups.prefetch_related("municipalities") for m in g.municipalities.all()}
    existing = set(Contract.objects.filter(group__portfolio=portfolio).values_list("group_id", "municipality_id"))
    new = [Contract(group_id=g, municipality_id=m) for g, m in sorted(wanted - existing)]
    # ignore_conflicts: a second programme leader pressing the button at once creates nothing twice.
    Contract.objects.bulk_create(new, ignore_conflicts=True)
    if new:
        audit_log(
            action="contracts.generated", actor=actor, obj=portfolio, request=request, payload={"count": len(new)}
        )
    return len(new)


def contracts_send_portfolio(
    *, portfolio: Portfolio, actor: User, request: HttpRequest | None = None
) -> tuple[int, int]:
    """Generates the portfolio's contracts and queues every draft for sending. Nothing is rendered here:
    each draft is marked (`render_requested_at`) and the background job renders, stores and sends it
    (contracts_render_due), so that the programme leader's request returns at once however many contracts
    the portfolio has. A draft already queued keeps its place; one whose render failed is queued again.
    Returns (created, queued), queued counting every draft now waiting to be sent."""
    if not hasattr(portfolio.programme, "contract_template"):
        raise ValidationError(f"{portfolio.programme} har ingen kontraktmal ennå. Legg den inn først.")
    if portfolio.agreement_end < timezone.localdate():
        raise ValidationError(
            f"Avtaleperioden for {portfolio} ({portfolio.period_display}) er over. Kontrakter som ikke kan "
            "signeres lenger, sendes ikke."
        )
    with transaction.atomic():
        created = contracts_generate(portfolio=portfolio, actor=actor, request=request)
        drafts = Contract.objects.filter(group__portfolio=portfolio, status=Status.DRAFT)
        drafts.filter(render_requested_at__isnull=True).update(render_requested_at=timezone.now())
        queued = drafts.count()
        audit_log(
            action="contracts.send_queued", actor=actor, obj=portfolio, request=request, payload={"count": queued}
        )
        if queued:
            send_soon(RENDER_TASK)
    return created, queued


def contract_send(
    *, contract: Contract, actor: User | None = None, request: HttpRequest | None = None, notify: bool = True
) -> bool:
    """Renders the document to be signed, stores it, marks the contract sent and queues the e-mails to the
    municipality's signatories, all in one transaction holding the contract's row, so that nothing is
    half-done and two callers never send one contract twice. The background job (contracts_render_due)
    calls it for each draft queued for sending; seed_demo and the tests call it directly.

    A contract that is no longer a draft is left as it is; returns whether this call sent it. A failed
    render raises and changes nothing."""
    with transaction.atomic():
        contract = _locked(contract)
        if contract.status != Status.DRAFT:
            return False
        # The terms are frozen with the document: what is signed later is what is sent now.
        contract.terms = _terms_required(contract)
        # Rendered under the row's lock: it is what the lock is for (one render per sending), and only the
        # background job and the demo data send, so no person waits for it.
        content = contract_render(contract)
        _move(contract, Status.SENT)
        now = timezone.now()
        contract.signing_document = _store(
            contract=contract, kind=ContractDocument.Kind.SIGNING, content=content, created_by=actor
        )
        contract.sent_at = now
        contract.reminder_due_at = now + timedelta(days=settings.CONTRACT_REMINDER_AFTER_DAYS)
        _render_done(contract)
        contract.save(
            update_fields=["status", "terms", "signing_document", "sent_at", "reminder_due_at", *RENDER_FIELDS]
        )
        audit_log(action="contract.sent", actor=actor, obj=contract, request=request)
        if notify:
            recipients = [row["candidates"] for row in signing_state(contract) if row["slot"] != SLOT_ORGANISATION]
            users = {m.user_id: m.user for members in recipients for m in members}
            _queue_mail(contract, users.values(), "sent")
    return True


def _render_done(contract: Contract) -> None:
    """Clears the contract's render queue and any earlier failure (saved with RENDER_FIELDS by the caller)."""
    contract.render_requested_at = None
    contract.render_failed_at = None
    contract.render_error = ""


def contracts_render_due(*, limit: int | None = None) -> int:
    """The background job: makes the documents queued on contracts (`render_requested_at`), oldest first,
    until none is left (or `limit` were tried). Returns how many were tried.

    Each contract is claimed with SELECT … FOR UPDATE SKIP LOCKED and made in a transaction of its own
    that keeps the row locked until the document is stored, the status moved and the e-mails queued: a
    second worker skips it, and a worker that dies half-way leaves it queued as it was, for the next run.
    A render that fails is logged and recorded on the contract (see _render_failed), which stays exactly
    as it was, and is not tried again until the programme leader asks (contracts_render_retry)."""
    tried = 0
    while limit is None or tried < limit:
        with transaction.atomic():
            contract = (
                Contract.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("municipality")
                .filter(render_requested_at__isnull=False)
                .order_by("render_requested_at", "pk")
                .first()
            )
            if contract is None:
                break
            tried += 1
            _render_queued(contract)
    return tried


class _DocumentMaker(Protocol):
    def __call__(self, *, contract: Contract) -> bool: ...


def _render_queued(contract: Contract) -> None:
    """Makes the document `contract` waits for. Precondition: its row is locked by the caller's transaction."""
    # A draft waits for the document to sign; a contract the municipality has signed, for the signed one.
    makers: dict[str, tuple[_DocumentMaker, str]] = {
        Status.DRAFT: (contract_send, "signing"),
        Status.SIGNED: (contract_finalise, "signed"),
    }
    maker = makers.get(contract.status)
    made = False
    if maker is not None:
        make, what = maker
        try:
            # A savepoint: a failure undoes whatever the render had begun (a document row, a status).
            with transaction.atomic():
                made = make(contract=contract)
        # PdfRenderError (core.pdf), and any other failure: a template error, a static file missing from the
        # manifest, the storage. A render failure is rarely transient, so it waits for a person, not a retry.
        except Exception as error:
            _render_failed(contract, what, error)
            return
    if not made:
        # Nothing left to make: terminated, or countersigned by an upload, since it was queued.
        Contract.objects.filter(pk=contract.pk).update(render_requested_at=None)


def contracts_render_retry(*, contracts: QuerySet[Contract], actor: User, request: HttpRequest | None = None) -> int:
    """«Prøv igjen»: queues again the documents of `contracts` (a queryset) whose render failed. Only
    failed ones move; the error stays shown until a render succeeds. Returns how many were queued."""
    with transaction.atomic():
        # By primary key: the admin's queryset may carry joins or DISTINCT, which FOR UPDATE does not take.
        failed = list(
            Contract.objects.select_for_update(of=("self",))
            .filter(pk__in=contracts.values("pk"))
            .filter(render_failed_at__isnull=False, render_requested_at__isnull=True)
            .filter(status__in=[Status.DRAFT, Status.SIGNED])
            .select_related("municipality")
        )
        now = timezone.now()
        for contract in failed:
            contract.render_requested_at = now
            contract.save(update_fields=["render_requested_at"])
            audit_log(action="contract.render_retried", actor=actor, obj=contract, request=request)
        if failed:
            send_soon(RENDER_TASK)
    return len(failed)


RENDER_FAILED_MESSAGES: dict[str, str] = {
    "signing": "Kontrakten til signering kunne ikke lages, og den er ikke sendt.",
    "signed": "Den signerte kontrakten kunne ikke lages. Signaturene er registrert.",
}


def _render_failed(contract: Contract, what: str, error: Exception) -> None:
    logger.exception("Contract %s: the %s document could not be made; waiting for «Prøv igjen».", contract.pk, what)
    detail = " ".join(error.messages) if isinstance(error, ValidationError) else str(error) or type(error).__name__
    message = f"{RENDER_FAILED_MESSAGES[what]} Feil: {detail}"[:2000]
    # An update, not a save: the contract object may carry what the failed render had begun to change.
    Contract.objects.filter(pk=contract.pk).update(
        render_requested_at=None, render_failed_at=timezone.now(), render_error=message
    )
    audit_log(action="contract.render_failed", obj=contract, payload={"document": what, "error": message})


def period_over_message(contract: Contract) -> str:
    """What a signatory is told when the contract's agreement period is over."""
    portfolio = contract.group.portfolio
    return (
        f"Avtaleperioden for kontrakten ({portfolio.period_display}) er over, og kontrakten kan ikke signeres "
        f"lenger. Ta kontakt med {organisation()['name']} hvis kommunen fortsatt skal delta."
    )


def _confirmation_text(*, contract: Contract, slot: str, full_name: str, place: str, sha256: str) -> str:
    return (
        f"Jeg, {full_name}, signerer kontrakten for {contract.municipality.display_name} kommune "
        f"({contract.group.portfolio}) som {SLOT_LABELS[slot].lower()}, i {place}. "
        f"Jeg har lest kontrakten slik den står i PDF-dokumentet med SHA-256 {sha256}."
    )


def contract_confirmation_text(*, contract: Contract, slot: str | None, full_name: str = "", place: str = "") -> str:
    """The text a signatory in `slot` confirms, as the signing page shows it before they type name and place."""
    sha = contract.signing_document.sha256 if contract.signing_document else ""
    return _confirmation_text(
        contract=contract,
        slot=slot or SLOT_ORGANISATION,
        full_name=full_name or "[navn]",
        place=place or "[sted]",
        sha256=sha,
    )


def contract_sign(
    *,
    contract: Contract,
    user: User,
    full_name: str,
    place: str,
    document_sha256: str,
    ip: str | None = None,
    user_agent: str = "",
    request: HttpRequest | None = None,
    notify: bool = True,
) -> Signature:
    """Records `user`'s signature on `contract`. The municipality's signatories sign while it is sent; the
    programme leader countersigns once the municipality has signed, and the final PDF is then queued for
    the background job (contract_finalise), never rendered here. `document_sha256` is the hash of the PDF
    the signer was shown; it must be the stored one. `notify=False` (the demo data) sends no e-mails.

    Raises ValidationError (shown as it is) when the user may not sign now.
    """
    try:
        return _sign(
            contract=contract,
            user=user,
            full_name=full_name,
            place=place,
            document_sha256=document_sha256,
            ip=ip,
            user_agent=user_agent,
            request=request,
            notify=notify,
        )
    except storage.DocumentTampered:
        # Logged outside the signing transaction, which has rolled back, so that the event is kept.
        audit_log(action="contract.document_tampered", actor=user, obj=contract, request=request)
        raise ValidationError(
            "Dokumentet til signering er endret etter at det ble lagret. Kontakt Norsk kulturskoleråd."
        ) from None


def _sign(
    *,
    contract: Contract,
    user: User,
    full_name: str,
    place: str,
    document_sha256: str,
    ip: str | None,
    user_agent: str,
    request: HttpRequest | None,
    notify: bool,
) -> Signature:
    with transaction.atomic():
        contract = _locked(contract)
        state = signing_state(contract)
        slot = slot_for_user(contract, user, state)
        if slot is None:
            raise ValidationError("Du er ikke blant dem som skal signere denne kontrakten.")
        row = next(r for r in state if r["slot"] == slot)
        if row["signature"] is not None:
            raise ValidationError(
                f"Kontrakten er allerede signert som {row['label'].lower()} av {row['signature'].full_name}."
            )
        if slot == SLOT_ORGANISATION and contract.status != Status.SIGNED:
            raise ValidationError("Kontrakten kan kontrasigneres først når kommunen har signert.")
        if slot != SLOT_ORGANISATION and contract.status != Status.SENT:
            raise ValidationError(f"Kontrakten er «{contract.get_status_display().lower()}» og kan ikke signeres nå.")
        if slot != SLOT_ORGANISATION and contract.period_over:
            # A signature after the period would put into force an agreement about work that is over. The
            # programme leader can still upload a copy signed in time on paper, or terminate the contract.
            raise ValidationError(period_over_message(contract))
        document = contract.signing_document
        if document is None or document_sha256 != document.sha256:
            raise ValidationError(
                "Kontrakten du så, er ikke den som ligger til signering. Åpne PDF-en på nytt og signer den."
            )
        # Raises DocumentTampered, handled below once the transaction has rolled back.
        storage.read_verified(document.path, document.sha256)
        membership = next((m for m in row["candidates"] if m.user_id == user.pk), None)
        signature = Signature.objects.create(
            contract=contract,
            slot=slot,
            user=user,
            member_role=membership.role if membership else "programme_leader",
            full_name=full_name,
            place=place,
            signed_at=timezone.now(),
            ip_address=ip,
            user_agent=user_agent[:USER_AGENT],
            confirmed_text=_confirmation_text(
                contract=contract, slot=slot, full_name=full_name, place=place, sha256=document.sha256
            ),
            document_sha256=document.sha256,
        )
        audit_log(
            action="contract.signed",
            actor=user,
            obj=contract,
            request=request,
            payload={"slot": slot, "document_sha256": document.sha256},
        )
        if slot == SLOT_ORGANISATION:
            # The signed document is made in the background (contract_finalise), never in the request: the
            # contract stays «Signert av kommunen», with every signature, until it is stored.
            contract.render_requested_at = signature.signed_at
            contract.save(update_fields=["render_requested_at"])
            send_soon(RENDER_TASK)
        elif all(r["signature"] is not None or r["slot"] in (slot, SLOT_ORGANISATION) for r in state):
            _move(contract, Status.SIGNED)
            contract.signed_at = signature.signed_at
            contract.reminder_due_at = None
            contract.save(update_fields=["status", "signed_at", "reminder_due_at"])
            audit_log(action="contract.signed_by_municipality", actor=user, obj=contract, request=request)
            if notify:
                _queue_mail(contract, programme_leaders(), "countersign")
    return signature


def _save_countersigned(
    contract: Contract, document: ContractDocument, *, countersigned_at: datetime | None = None
) -> None:
    """Records `document` as the contract's signed one; the contract (already moved to countersigned) comes
    into force at once if its period has begun. A render still queued or failed is no longer wanted."""
    now = timezone.now()
    contract.final_document = document
    contract.countersigned_at = countersigned_at or now
    contract.reminder_due_at = None
    _render_done(contract)
    fields = ["status", "final_document", "countersigned_at", "reminder_due_at", *RENDER_FIELDS]
    portfolio = contract.group.portfolio
    # Within the period only: a contract completed after its period has ended (an upload of a copy signed in
    # time) stays countersigned, and every page shows it as expired.
    in_force = portfolio.agreement_start <= timezone.localdate(now) <= portfolio.agreement_end
    if in_force:
        _move(contract, Status.IN_FORCE)
        contract.in_force_at = now
        fields.append("in_force_at")
    contract.save(update_fields=fields)
    if in_force:
        audit_log(action="contract.in_force", obj=contract)


def contract_finalise(*, contract: Contract, notify: bool = True) -> bool:
    """Renders the final PDF/A once, with every signature, stores it, and moves the contract to
    countersigned (and in force if its period has begun), queueing the «completed» e-mails to the
    municipality's signatories; in one transaction holding the contract's row. The background job calls
    it once Norsk kulturskoleråd has countersigned (contract_sign queues it); seed_demo calls it directly.

    A contract that is not waiting for its signed document is left alone; returns whether this call
    finished it. A failed render raises and changes nothing: the signatures and the status stay."""
    with transaction.atomic():
        contract = _locked(contract)
        signatures = list(contract.signatures.select_related("user"))
        organisation = next((s for s in signatures if s.slot == SLOT_ORGANISATION), None)
        if contract.status != Status.SIGNED or organisation is None:
            return False
        content = contract_render(contract, signatures=signatures, signing_document=contract.signing_document)
        _move(contract, Status.COUNTERSIGNED)
        document = _store(
            contract=contract, kind=ContractDocument.Kind.SIGNED, content=content, created_by=organisation.user
        )
        _save_countersigned(contract, document, countersigned_at=organisation.signed_at)
        audit_log(
            action="contract.countersigned",
            actor=organisation.user,
            obj=contract,
            payload={"sha256": document.sha256},
        )
        if notify:
            municipal = {s.user_id: s.user for s in signatures if s.slot != SLOT_ORGANISATION}
            _queue_mail(contract, municipal.values(), "completed")
    return True


def pdf_check_upload(content: bytes) -> None:
    """Raises ValidationError unless `content` is a PDF that can be read, within the size limit."""
    limit = settings.CONTRACT_UPLOAD_MAX_BYTES
    if len(content) > limit:
        raise ValidationError(f"Filen er for stor. Den kan være på høyst {limit // (1024 * 1024)} MB.")
    if not content.startswith(b"%PDF-"):
        raise ValidationError("Filen er ikke en PDF. Last opp kontrakten som PDF.")
    # Before pypdf reads anything: it would inflate a compression bomb in full.
    pdf_refuse_unsafe(content)
    try:
        reader = PdfReader(io.BytesIO(content))
        if len(reader.pages) < 1:
            raise ValidationError("PDF-en har ingen sider.")
    except (PyPdfError, ValueError, KeyError, TypeError, OSError):
        raise ValidationError("PDF-en kan ikke leses. Den kan være skadet; prøv å lagre den på nytt.") from None


def contract_upload_signed(
    *, contract: Contract, content: bytes, actor: User, request: HttpRequest | None = None
) -> Contract:
    """Stores a contract signed outside the portal as the contract's signed document; the contract is then
    countersigned, and in force if its period has begun. Signatures already given in the portal are kept
    and named in the audit event; the uploaded copy is the contract from then on."""
    pdf_check_upload(content)
    with transaction.atomic():
        contract = _locked(contract)
        _move(contract, Status.COUNTERSIGNED)
        document = _store(contract=contract, kind=ContractDocument.Kind.UPLOADED, content=content, created_by=actor)
        _save_countersigned(contract, document)
        audit_log(
            action="contract.uploaded",
            actor=actor,
            obj=contract,
            request=request,
            # Signatures given in the portal before the paper copy came stay on record, and the log says the
            # paper copy took their place.
            payload={
                "sha256": document.sha256,
                "size": len(content),
                "portal_signatures_replaced": sorted(contract.signatures.values_list("slot", flat=True)),
            },
        )
    return contract


def contract_terminate(
    *, contract: Contract, terminated_on: date, reason: str, actor: User, request: HttpRequest | None = None
) -> Contract:
    """Ends the contract on `terminated_on` for `reason` (the foundation document allows immediate effect)."""
    if not reason.strip():
        raise ValidationError("Oppgi hvorfor kontrakten avsluttes.")
    with transaction.atomic():
        contract = _locked(contract)
        _move(contract, Status.TERMINATED)
        contract.terminated_on = terminated_on
        contract.termination_reason = reason.strip()
        contract.reminder_due_at = None
        # A document still queued or failed is no longer wanted.
        _render_done(contract)
        contract.save(
            update_fields=["status", "terminated_on", "termination_reason", "reminder_due_at", *RENDER_FIELDS]
        )
        audit_log(
            action="contract.terminated",
            actor=actor,
            obj=contract,
            request=request,
            payload={"terminated_on": terminated_on.isoformat(), "reason": contract.termination_reason},
        )
    return contract


def contracts_put_in_force(*, today: date | None = None) -> int:
    """Countersigned contracts whose agreement period has begun, and has not ended, come into force.
    Returns how many. (Whether a contract has expired is read from its period, never set here.)"""
    today = today or timezone.localdate()
    now = timezone.now()
    due = Contract.objects.filter(
        status=Status.COUNTERSIGNED,
        group__portfolio__agreement_start__lte=today,
        group__portfolio__agreement_end__gte=today,
    )
    count = 0
    for contract in due.select_related("municipality"):
        # Conditional: a contract terminated meanwhile stays terminated.
        if Contract.objects.filter(pk=contract.pk, status=Status.COUNTERSIGNED).update(
            status=Status.IN_FORCE, in_force_at=now
        ):
            audit_log(action="contract.in_force", obj=contract)
            count += 1
    return count


def contract_reminders_send(*, now: datetime | None = None, batch: int = 200) -> int:
    """Sends the one reminder due on each contract still waiting for the municipality's signatures.

    Each due contract is claimed by clearing its due time inside a transaction that holds its row with
    SKIP LOCKED: a second worker running at once skips it, and a re-run finds nothing due, so no contract
    is ever reminded twice. The e-mails go in the outbox in the claim's own transaction. Returns how many
    were claimed.
    """
    now = now or timezone.now()
    with transaction.atomic():
        due = list(
            Contract.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("group__portfolio__programme", "municipality")
            .filter(status=Status.SENT, reminder_due_at__lte=now, reminded_at__isnull=True)
            # Nobody is asked to sign what can no longer be signed (contract_sign refuses it).
            .filter(group__portfolio__agreement_end__gte=timezone.localdate(now))
            .order_by("reminder_due_at")[:batch]
        )
        for contract in due:
            contract.reminder_due_at = None
            contract.reminded_at = now
            contract.save(update_fields=["reminder_due_at", "reminded_at"])
            _queue_mail(contract, pending_signatories(contract), "reminder")
    return len(due)
