"""Writes for contracts: generating, sending, signing, countersigning, uploading, terminating, reminding.

Every change of status goes through `_move`, which refuses what the contract's life does not allow with a
ValidationError whose message is shown to the user as it is.
"""

import io
import logging
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from pypdf import PdfReader
from pypdf.errors import PyPdfError

from accounts.services import audit_log
from core.background import send_soon
from core.mail import build_mail, site_url
from core.models import Email
from municipalities.models import MunicipalityGroup
from veiledning.pdf import render_pdf

from . import storage
from .models import SLOT_LABELS, SLOT_ORGANISATION, Contract, ContractDocument, Signature
from .selectors import contract_terms, pending_signatories, programme_leaders, signing_state, slot_for_user
from .texts import oslo_date

logger = logging.getLogger(__name__)

Status = Contract.Status

# The contract's life: draft → sent → signed by the municipality → countersigned → in force; terminated
# from anywhere before that ends. A contract signed outside the portal jumps to countersigned by upload.
TRANSITIONS = {
    Status.DRAFT: {Status.SENT, Status.COUNTERSIGNED, Status.TERMINATED},
    Status.SENT: {Status.SIGNED, Status.COUNTERSIGNED, Status.TERMINATED},
    Status.SIGNED: {Status.COUNTERSIGNED, Status.TERMINATED},
    Status.COUNTERSIGNED: {Status.IN_FORCE, Status.TERMINATED},
    Status.IN_FORCE: {Status.TERMINATED},
    Status.TERMINATED: set(),
}

# Archived documents are PDF/A: the final contract, and the copy sent for signing, which the final one quotes.
PDF_VARIANT = "pdf/a-3b"
CONTRACT_PDF_TEMPLATE = "contracts/pdf/contract.html"

# The contract e-mails: sent for signing, the one reminder, ready for the countersignature (to the programme
# leaders), and signed by all.
MAIL_TEMPLATES = {
    "sent": "contracts/email/sent",
    "reminder": "contracts/email/reminder",
    "countersign": "contracts/email/countersign",
    "completed": "contracts/email/completed",
}

# Only these groups get contracts: an applicant is not admitted yet, and a group that ended early needs none.
CONTRACT_GROUP_STATUSES = [MunicipalityGroup.Status.ADMITTED, MunicipalityGroup.Status.ACTIVE]


def _move(contract, to):
    """Sets the contract's status to `to`, or raises ValidationError if its life does not allow that."""
    if to not in TRANSITIONS[Status(contract.status)]:
        raise ValidationError(
            f"Kontrakten for {contract.municipality.name} er «{contract.get_status_display().lower()}» "
            f"og kan ikke bli «{Status(to).label.lower()}»."
        )
    contract.status = to


def _locked(contract):
    """The contract's row, locked until the transaction ends, with the relations the services read."""
    return (
        Contract.objects.select_for_update(of=("self",))
        .select_related("group__portfolio__programme", "municipality", "signing_document")
        .get(pk=contract.pk)
    )


def _queue_mail(contract, users, kind):
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


def _store(*, contract, kind, content, created_by=None):
    path = storage.write_bytes(f"contracts/{contract.pk}", content)
    return ContractDocument.objects.create(
        contract=contract,
        kind=kind,
        path=path,
        sha256=storage.sha256_hex(content),
        size=len(content),
        created_by=created_by,
    )


def contract_pdf_context(contract, *, signatures=(), signing_document=None):
    """What the contract's print template needs. With `signatures`, the signature block is filled in and a
    last page lists them with the hash of the document they signed."""
    terms = contract_terms(contract)
    portfolio = contract.group.portfolio
    by_slot = {s.slot: s for s in signatures}
    municipal = [{"label": SLOT_LABELS[slot], "signature": by_slot.get(slot)} for slot in terms["slots"]]
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


def contract_render(contract, *, signatures=(), signing_document=None):
    """The contract as PDF/A bytes; see contract_pdf_context."""
    if contract_terms(contract) is None:
        raise ValidationError(f"{contract.group.portfolio.programme} har ingen kontraktmal ennå.")
    context = contract_pdf_context(contract, signatures=signatures, signing_document=signing_document)
    return render_pdf(CONTRACT_PDF_TEMPLATE, context, pdf_variant=PDF_VARIANT)


def contracts_generate(*, portfolio, actor=None, request=None):
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


def contracts_send_portfolio(*, portfolio, actor, request=None):
    """Generates the portfolio's contracts and queues every draft for sending; the rendering and the
    e-mails run in the background, one task per contract, so that the work spreads over the workers.
    Returns (created, queued)."""
    from .tasks import contract_send_task

    if not hasattr(portfolio.programme, "contract_template"):
        raise ValidationError(f"{portfolio.programme} har ingen kontraktmal ennå. Legg den inn først.")
    with transaction.atomic():
        created = contracts_generate(portfolio=portfolio, actor=actor, request=request)
        drafts = list(
            Contract.objects.filter(group__portfolio=portfolio, status=Status.DRAFT).values_list("pk", flat=True)
        )
        for pk in drafts:
            transaction.on_commit(lambda pk=pk: contract_send_task.delay(pk, actor.pk if actor else None))
        audit_log(
            action="contracts.send_queued", actor=actor, obj=portfolio, request=request, payload={"count": len(drafts)}
        )
    return created, len(drafts)


def contract_send(*, contract, actor=None, request=None, notify=True):
    """Renders the document to be signed, stores it, marks the contract sent and e-mails the municipality's
    signatories. A contract that is no longer a draft (a second worker, a retry) is left as it is; returns
    whether this call sent it."""
    contract = Contract.objects.select_related("group__portfolio__programme", "municipality").get(pk=contract.pk)
    if contract.status != Status.DRAFT:
        return False
    # Rendered before the lock is taken: it is the slow part, and a draft does not change meanwhile in any
    # way that shows in the document.
    # The terms are frozen with the document: what is signed later is what is sent now.
    terms = contract_terms(contract)
    if terms is None:
        raise ValidationError(f"{contract.group.portfolio.programme} har ingen kontraktmal ennå.")
    contract.terms = terms
    content = contract_render(contract)
    with transaction.atomic():
        contract = _locked(contract)
        if contract.status != Status.DRAFT:
            return False
        _move(contract, Status.SENT)
        contract.terms = terms
        now = timezone.now()
        contract.signing_document = _store(
            contract=contract, kind=ContractDocument.Kind.SIGNING, content=content, created_by=actor
        )
        contract.sent_at = now
        contract.reminder_due_at = now + timedelta(days=settings.CONTRACT_REMINDER_AFTER_DAYS)
        contract.save(update_fields=["status", "terms", "signing_document", "sent_at", "reminder_due_at"])
        audit_log(action="contract.sent", actor=actor, obj=contract, request=request)
        if notify:
            recipients = [row["candidates"] for row in signing_state(contract) if row["slot"] != SLOT_ORGANISATION]
            users = {m.user_id: m.user for members in recipients for m in members}
            _queue_mail(contract, users.values(), "sent")
    return True


def _confirmation_text(*, contract, slot, full_name, place, sha256):
    return (
        f"Jeg, {full_name}, signerer kontrakten for {contract.municipality.name} kommune "
        f"({contract.group.portfolio}) som {SLOT_LABELS[slot].lower()}, i {place}. "
        f"Jeg har lest kontrakten slik den står i PDF-dokumentet med SHA-256 {sha256}."
    )


def contract_confirmation_text(*, contract, slot, full_name="", place=""):
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
    *, contract, user, full_name, place, document_sha256, ip=None, user_agent="", request=None, notify=True
):
    """Records `user`'s signature on `contract`. The municipality's signatories sign while it is sent; the
    programme leader countersigns once the municipality has signed, and then the final PDF is rendered and
    stored. `document_sha256` is the hash of the PDF the signer was shown; it must be the stored one.
    `notify=False` (the demo data) sends no e-mails.

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


def _sign(*, contract, user, full_name, place, document_sha256, ip, user_agent, request, notify):
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
            user_agent=user_agent[:1000],
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
            _finalise(contract, user=user, request=request, notify=notify)
        elif all(r["signature"] is not None or r["slot"] in (slot, SLOT_ORGANISATION) for r in state):
            _move(contract, Status.SIGNED)
            contract.signed_at = signature.signed_at
            contract.reminder_due_at = None
            contract.save(update_fields=["status", "signed_at", "reminder_due_at"])
            audit_log(action="contract.signed_by_municipality", actor=user, obj=contract, request=request)
            if notify:
                _queue_mail(contract, programme_leaders(), "countersign")
    return signature


def _save_countersigned(contract, document):
    """Records `document` as the contract's signed one; the contract (already moved to countersigned) comes
    into force at once if its period has begun."""
    now = timezone.now()
    contract.final_document = document
    contract.countersigned_at = now
    contract.reminder_due_at = None
    fields = ["status", "final_document", "countersigned_at", "reminder_due_at"]
    in_force = contract.group.portfolio.agreement_start <= timezone.localdate(now)
    if in_force:
        _move(contract, Status.IN_FORCE)
        contract.in_force_at = now
        fields.append("in_force_at")
    contract.save(update_fields=fields)
    if in_force:
        audit_log(action="contract.in_force", obj=contract)


def _finalise(contract, *, user, request, notify):
    """Renders the final PDF once, with every signature, and stores it; the contract is countersigned, and
    in force at once if its period has begun."""
    signatures = list(contract.signatures.all())
    content = contract_render(contract, signatures=signatures, signing_document=contract.signing_document)
    _move(contract, Status.COUNTERSIGNED)
    document = _store(contract=contract, kind=ContractDocument.Kind.SIGNED, content=content, created_by=user)
    _save_countersigned(contract, document)
    audit_log(
        action="contract.countersigned",
        actor=user,
        obj=contract,
        request=request,
        payload={"sha256": contract.final_document.sha256},
    )
    if notify:
        municipal = {s.user_id: s.user for s in signatures if s.slot != SLOT_ORGANISATION}
        _queue_mail(contract, municipal.values(), "completed")


def pdf_check_upload(content):
    """Raises ValidationError unless `content` is a PDF that can be read, within the size limit."""
    limit = settings.CONTRACT_UPLOAD_MAX_BYTES
    if len(content) > limit:
        raise ValidationError(f"Filen er for stor. Den kan være på høyst {limit // (1024 * 1024)} MB.")
    if not content.startswith(b"%PDF-"):
        raise ValidationError("Filen er ikke en PDF. Last opp kontrakten som PDF.")
    try:
        reader = PdfReader(io.BytesIO(content))
        if len(reader.pages) < 1:
            raise ValidationError("PDF-en har ingen sider.")
    except (PyPdfError, ValueError, KeyError, TypeError, OSError):
        raise ValidationError("PDF-en kan ikke leses. Den kan være skadet; prøv å lagre den på nytt.") from None


def contract_upload_signed(*, contract, content, actor, request=None):
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
                "sha256": contract.final_document.sha256,
                "size": len(content),
                "portal_signatures_replaced": sorted(contract.signatures.values_list("slot", flat=True)),
            },
        )
    return contract


def contract_terminate(*, contract, terminated_on, reason, actor, request=None):
    """Ends the contract on `terminated_on` for `reason` (the foundation document allows immediate effect)."""
    if not reason.strip():
        raise ValidationError("Oppgi hvorfor kontrakten avsluttes.")
    with transaction.atomic():
        contract = _locked(contract)
        _move(contract, Status.TERMINATED)
        contract.terminated_on = terminated_on
        contract.termination_reason = reason.strip()
        contract.reminder_due_at = None
        contract.save(update_fields=["status", "terminated_on", "termination_reason", "reminder_due_at"])
        audit_log(
            action="contract.terminated",
            actor=actor,
            obj=contract,
            request=request,
            payload={"terminated_on": terminated_on.isoformat(), "reason": contract.termination_reason},
        )
    return contract


def contracts_put_in_force(*, today=None):
    """Countersigned contracts whose agreement period has begun come into force. Returns how many."""
    today = today or timezone.localdate()
    now = timezone.now()
    due = Contract.objects.filter(status=Status.COUNTERSIGNED, group__portfolio__agreement_start__lte=today)
    count = 0
    for contract in due.select_related("municipality"):
        # Conditional: a contract terminated meanwhile stays terminated.
        if Contract.objects.filter(pk=contract.pk, status=Status.COUNTERSIGNED).update(
            status=Status.IN_FORCE, in_force_at=now
        ):
            audit_log(action="contract.in_force", obj=contract)
            count += 1
    return count


def contract_reminders_send(*, now=None, batch=200):
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
            .order_by("reminder_due_at")[:batch]
        )
        for contract in due:
            contract.reminder_due_at = None
            contract.reminded_at = now
            contract.save(update_fields=["reminder_due_at", "reminded_at"])
            _queue_mail(contract, pending_signatories(contract), "reminder")
    return len(due)
