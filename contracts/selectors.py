"""Reads of contracts that views, services and the group page share."""

from collections.abc import Iterable
from typing import TypedDict

from django.contrib.auth import get_user_model
from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Prefetch, Q, QuerySet, Value
from django.db.models.expressions import Combinable
from django.utils import timezone

from accounts.access import AccessRefused
from accounts.models import User
from accounts.roles import PROGRAMME_LEADER
from core.organisation import organisation
from municipalities.models import Membership, Municipality, MunicipalityGroup
from portfolios.models import PlanItem, Portfolio

from .models import (
    SLOT_LABELS,
    SLOT_ORGANISATION,
    SLOT_ROLES,
    Contract,
    ContractDocument,
    ContractTemplate,
    Signature,
    expired_q,
)
from .texts import ContractTexts, contract_texts


class ContractTerms(TypedDict):
    """What a contract says and who signs it (see contract_terms); frozen as JSON in `Contract.terms`."""

    texts: ContractTexts
    slots: list[str]
    organisation: str
    signatory_name: str
    signatory_title: str
    signatory_place: str


class SigningRow(TypedDict):
    """One slot of a contract's signature block (see signing_state)."""

    slot: str
    label: str
    signature: Signature | None
    # The memberships that may sign the slot; none for the organisation's, which the programme leader signs.
    candidates: list[Membership]


class FeeRow(TypedDict):
    """One municipality's instalment for the finance office (see fee_rows)."""

    municipality: Municipality
    group: MunicipalityGroup
    instalment: int
    after: PlanItem | None
    instalments: int
    amount: int
    contract_status: str


def get_contract_for_user(user: User, pk: int) -> Contract:
    """The contract `pk` with what its pages show, if `user` may see it; otherwise AccessRefused (a 404)."""
    # Whether the group's own page is open to `user` as well: a former member still reads the contract, but
    # the group's page is no longer theirs (municipalities.models.MembershipQuerySet.current).
    group_page_open: Combinable = Value(True)
    if not user.is_programme_leader:
        group_page_open = Q(group__adviser=user) | Exists(
            Membership.objects.current().filter(group=OuterRef("group"), user=user)
        )
    contract = (
        Contract.objects.visible_to(user)
        .annotate(group_page_open=ExpressionWrapper(group_page_open, output_field=BooleanField()))
        .select_related(
            "group__portfolio__programme__contract_template",
            "municipality",
            "signing_document",
            "final_document",
        )
        .prefetch_related("group__municipalities")
        .filter(pk=pk)
        .first()
    )
    if contract is None:
        raise AccessRefused("contracts.contract", pk)
    return contract


def get_document_for_user(user: User, pk: int, *, final: bool) -> tuple[Contract, ContractDocument]:
    """(contract, document) for a download: the signed document (`final`) or the one sent for signing, if
    `user` may see the contract and it has that document; otherwise AccessRefused (a 404).

    One query with only what a download needs: a download is the contract's most frequent request, and
    get_contract_for_user's joins and prefetch for the contract page cost it four times as much."""
    field = "final_document" if final else "signing_document"
    contract = (
        Contract.objects.visible_to(user)
        .filter(pk=pk, **{f"{field}__isnull": False})
        .order_by()
        .select_related("municipality", "group__portfolio", field)
        .first()
    )
    if contract is None:
        raise AccessRefused("contracts.contract", pk)
    return contract, getattr(contract, field)


def contracts_of_group(group: MunicipalityGroup) -> list[Contract]:
    """The group's contracts for its page, with their signatures, in two queries."""
    return list(
        Contract.objects.filter(group=group)
        # The group and its portfolio: Contract.status_display reads the period to tell an expired contract.
        .select_related("municipality", "final_document", "group__portfolio")
        .prefetch_related(Prefetch("signatures", Signature.objects.order_by("signed_at", "pk")))
        .order_by("municipality__name", "pk")
    )


def template_of(contract: Contract) -> ContractTemplate | None:
    """The programme's contract template, or None if the programme leader has not written one yet."""
    programme = contract.group.portfolio.programme
    return getattr(programme, "contract_template", None)


def contract_terms(contract: Contract) -> ContractTerms | None:
    """The contract's wording, period and signatories: frozen on the contract when it was sent, so that
    what is signed and countersigned is what was sent; for a draft, the programme's template as it is now
    (None without a template)."""
    if contract.terms:
        return contract.terms
    template = template_of(contract)
    if template is None:
        return None
    texts = contract_texts(
        template, portfolio=contract.group.portfolio, municipality_name=contract.municipality.display_name
    )
    return {
        "texts": texts,
        "slots": template.municipal_slots,
        "organisation": organisation()["name"],
        "signatory_name": template.signatory_name,
        "signatory_title": template.signatory_title,
        # With the portfolio's period filled in, as the form words it («Trondheim august 2024»).
        "signatory_place": texts.get("signatory_place", ""),
    }


def municipal_slots(contract: Contract) -> list[str]:
    terms = contract_terms(contract)
    return terms["slots"] if terms else []


def slot_candidates(
    contract: Contract, slot: str, memberships: Iterable[Membership], *, single_municipality: bool
) -> list[Membership]:
    """The members who may sign `slot` for the contract's municipality. In a group of one municipality a
    member need not name it; in a group of several, each municipality's own people sign its contract."""
    roles = SLOT_ROLES[slot]
    return [
        m
        for m in memberships
        if m.role in roles
        and (m.municipality_id == contract.municipality_id or (m.municipality_id is None and single_municipality))
    ]


def signing_state(contract: Contract) -> list[SigningRow]:
    """Who has signed and who may still sign, slot by slot (see SigningRow)."""
    group = contract.group
    # Explicit order: the models' default orderings would join the group and portfolio tables to sort.
    # Current memberships only: a member who has left, or whose group ended early, reads the contract but
    # no longer signs it.
    memberships = list(group.memberships.current().select_related("user").order_by("user__full_name", "pk"))
    signatures = list(contract.signatures.select_related("user").order_by("signed_at", "pk"))
    return _signing_rows(contract, municipal_slots(contract), memberships, signatures)


def _signing_rows(
    contract: Contract, slots: list[str], memberships: list[Membership], signatures: Iterable[Signature]
) -> list[SigningRow]:
    """signing_state from what is already fetched: the contract's municipal slots, the group's current
    memberships (with their users) and the contract's signatures."""
    # len() of all(): uses the municipalities the caller prefetched (the pages show them too).
    single = len(contract.group.municipalities.all()) == 1
    by_slot = {s.slot: s for s in signatures}
    rows: list[SigningRow] = [
        {
            "slot": slot,
            "label": SLOT_LABELS[slot],
            "signature": by_slot.get(slot),
            "candidates": slot_candidates(contract, slot, memberships, single_municipality=single),
        }
        for slot in slots
    ]
    rows.append(
        {
            "slot": SLOT_ORGANISATION,
            "label": SLOT_LABELS[SLOT_ORGANISATION],
            "signature": by_slot.get(SLOT_ORGANISATION),
            "candidates": [],
        }
    )
    return rows


def slot_for_user(contract: Contract, user: User, state: list[SigningRow] | None = None) -> str | None:
    """The slot `user` may sign on `contract` now or later, or None: a municipal slot through their
    membership, or the organisation's for the programme leader."""
    state = state if state is not None else signing_state(contract)
    for row in state:
        if row["slot"] == SLOT_ORGANISATION:
            if user.is_programme_leader:
                return SLOT_ORGANISATION
        elif any(m.user_id == user.pk for m in row["candidates"]):
            return row["slot"]
    return None


def pending_signatories(contract: Contract) -> list[User]:
    """The users who may sign a municipal slot that nobody has signed yet."""
    return _pending(signing_state(contract))


def _pending(state: list[SigningRow]) -> list[User]:
    users: dict[int, User] = {}
    for row in state:
        if row["slot"] != SLOT_ORGANISATION and row["signature"] is None:
            for membership in row["candidates"]:
                users[membership.user_id] = membership.user
    return list(users.values())


def contracts_with_signatures() -> Prefetch:
    """A prefetch of groups' `contracts` with their municipalities and signatures (two queries for any
    number of groups), for `pending_among_prefetched`; the groups' `municipalities` and `memberships` (with
    users) must be prefetched too (`MunicipalityGroupQuerySet.with_overview`)."""
    return Prefetch(
        "contracts",
        Contract.objects.select_related("municipality")
        .prefetch_related(Prefetch("signatures", Signature.objects.order_by("signed_at", "pk")))
        .order_by("municipality__name", "pk"),
    )


def pending_among_prefetched(contract: Contract) -> list[User]:
    """pending_signatories without a query, from what `contracts_with_signatures` and the group's
    `with_overview` fetched. Only a contract sent for signing and not expired waits for anyone: a draft's
    slots are not fixed until it is sent (they are frozen in its terms then)."""
    if contract.status != Contract.Status.SENT or contract.is_expired:
        return []
    group = contract.group
    memberships = sorted(
        (m for m in group.memberships.all() if m.gives_access(group) and m.user.is_active),
        key=lambda m: (m.user.full_name, m.pk),
    )
    slots = contract.terms.get("slots", []) if contract.terms else []
    return _pending(_signing_rows(contract, slots, memberships, contract.signatures.all()))


def programme_leaders() -> list[User]:
    return list(get_user_model().objects.filter(groups__name=PROGRAMME_LEADER, is_active=True))


def documents_with_hash(sha256: str) -> list[ContractDocument]:
    return list(ContractDocument.objects.filter(sha256=sha256).select_related("contract__municipality"))


SIGNED_KINDS = (ContractDocument.Kind.SIGNED, ContractDocument.Kind.UPLOADED)


def fee_parts(total: int, parts: int) -> list[int]:
    """`total` split into `parts` whole kroner that add up to it exactly, the larger parts first:
    20 000 in three is 6 667 + 6 667 + 6 666."""
    parts = max(1, parts)
    base, remainder = divmod(total, parts)
    return [base + 1 if i < remainder else base for i in range(parts)]


def fee_rows(portfolio: Portfolio) -> list[FeeRow]:
    """One row per municipality and instalment for the finance office. Every admitted, active or completed
    group's municipalities are invoiced; the contract's status is given beside them, and the gathering
    each instalment follows."""
    programme = portfolio.programme
    # With their group and portfolio, which Contract.status_display reads to tell an expired contract.
    contracts = {
        (c.group_id, c.municipality_id): c
        for c in Contract.objects.filter(group__portfolio=portfolio).select_related("group__portfolio")
    }
    groups = (
        MunicipalityGroup.objects.filter(
            portfolio=portfolio,
            status__in=[
                MunicipalityGroup.Status.ADMITTED,
                MunicipalityGroup.Status.ACTIVE,
                MunicipalityGroup.Status.COMPLETED,
            ],
        )
        .prefetch_related("municipalities")
        .order_by("name", "pk")
    )
    parts = fee_parts(programme.participation_fee, programme.fee_instalments)
    # The instalments are invoiced after each physical gathering (Fremtidens kulturskole's foundation
    # document): the first after the first physical gathering of the plan, and so on.
    gatherings = list(
        portfolio.plan_items.filter(kind=PlanItem.Kind.GATHERING, format=PlanItem.Format.PHYSICAL).order_by("order")
    )
    rows: list[FeeRow] = []
    for group in groups:
        for municipality in sorted(group.municipalities.all(), key=lambda m: m.name):
            contract = contracts.get((group.pk, municipality.pk))
            for number, amount in enumerate(parts, start=1):
                rows.append(
                    {
                        "municipality": municipality,
                        "group": group,
                        "instalment": number,
                        "after": gatherings[number - 1] if number <= len(gatherings) else None,
                        "instalments": len(parts),
                        "amount": amount,
                        "contract_status": contract.status_display if contract else "Ikke opprettet",
                    }
                )
    return rows


def contracts_awaiting_signature(user: User, *, group: MunicipalityGroup | None = None) -> list[Contract]:
    """The sent contracts, within their period, of the groups `user` is a current member of (or of `group`
    alone), with a municipal slot that `user` may sign and nobody has signed yet: what slot_for_user and
    pending_signatories decide for one contract, for all of them in four queries, whatever their number."""
    current = Membership.objects.current()
    contracts = Contract.objects.filter(
        status=Contract.Status.SENT,
        group__in=current.filter(user=user).values("group"),
        group__portfolio__agreement_end__gte=timezone.localdate(),
    )
    if group is not None:
        contracts = contracts.filter(group=group)
    contracts = contracts.select_related(
        "municipality",
        # The template, which contract_terms reads for a contract whose terms were not frozen when sent.
        "group__portfolio__programme__contract_template",
    ).prefetch_related(
        "signatures",
        "group__municipalities",
        # Current memberships only, as signing_state reads them: a member who has left no longer signs.
        Prefetch("group__memberships", current.order_by("pk"), to_attr="current_memberships"),
    )
    found = []
    for contract in contracts:
        signed = {s.slot for s in contract.signatures.all()}
        single = len(contract.group.municipalities.all()) == 1
        memberships = contract.group.current_memberships  # type: ignore[attr-defined]
        if any(
            m.user_id == user.pk
            for slot in municipal_slots(contract)
            if slot not in signed
            for m in slot_candidates(contract, slot, memberships, single_municipality=single)
        ):
            found.append(contract)
    return sorted(found, key=lambda c: (c.municipality.name, c.pk))


def contracts_to_countersign() -> QuerySet[Contract]:
    """The contracts the municipality has signed, within their period, that Norsk kulturskoleråd has not
    countersigned yet (once countersigned, a contract stays «Signert av kommunen» until its document is made)."""
    return (
        Contract.objects.filter(status=Contract.Status.SIGNED)
        .exclude(expired_q())
        .exclude(signatures__slot=SLOT_ORGANISATION)
    )
