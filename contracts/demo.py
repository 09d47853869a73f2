"""Demo contracts for seed_demo: the two programmes' contract templates from the foundation documents,
and the current portfolio's contracts at different points of their life. Safe to run again."""

import re
from collections.abc import Mapping
from datetime import date
from typing import Any

from django.contrib.auth import get_user_model

from accounts.models import User
from municipalities.models import MunicipalityGroup
from portfolios.models import Portfolio

from .models import Contract, ContractTemplate
from .services import contract_finalise, contract_send, contract_sign, contracts_generate
from .texts import month_words

_YEARS = re.compile(r"\b(20\d\d)(\s*[-–]\s*)(20\d\d)\b")


def _with_placeholders(text: str, contract_data: Mapping[str, Any], portfolio_data: Mapping[str, Any]) -> str:
    """The seed's wording with its own months and years turned into the placeholders, so that each
    portfolio prints its own, in the form's own punctuation: «2023 - 2024» stays «{startår} - {sluttår}»,
    «januar 2023 - juni 2024» «{avtalestart} - {avtaleslutt}», «Trondheim august 2024» «Trondheim
    {avtalestart}»."""
    period = portfolio_data["agreement_period"]
    for day, placeholder in ((period["start"], "{avtalestart}"), (period["end"], "{avtaleslutt}")):
        text = text.replace(month_words(date.fromisoformat(day)), placeholder)
    return _YEARS.sub(r"{startår}\2{sluttår}", text)


def _body_lines(body: str) -> str:
    # The foundation documents break the sentence over five centred lines; the template keeps those breaks.
    for marker in (
        " Veiledning i kulturskoleutvikling {startår}",
        " Fremtidens kulturskole",
        " har partene",
        " for perioden",
    ):
        body = body.replace(marker, "\n" + marker.strip(), 1)
    return body.replace(" {kommune} kommune", "\n{kommune} kommune", 1)


def seed_contract_templates(programmes_data: Mapping[str, Any]) -> None:
    """One template per programme from the transcribed contract forms (dashboard/demo_data/programmes.json)."""
    from portfolios.models import Programme

    for entry in programmes_data["programmes"]:
        portfolio_data = entry["portfolio"]
        data = portfolio_data["contract"]
        signatory = data["organisation_signatory"]
        roles = [r.lower() for r in data["municipal_signatories"]]
        ContractTemplate.objects.get_or_create(
            programme=Programme.objects.get(key=entry["key"]),
            defaults={
                "header": _with_placeholders(data["header"], data, portfolio_data),
                "title": data["title"],
                "subtitle": _with_placeholders(data["subtitle"], data, portfolio_data).replace(" – ", "\n", 1),
                "body": _body_lines(_with_placeholders(data["body"], data, portfolio_data)),
                "signatory_name": signatory["name"],
                "signatory_title": signatory["title"],
                # As the form has them: «Trondheim august 2024», «kommunedirektør», «Kulturskoleeier».
                "signatory_place": _with_placeholders(signatory.get("place_date") or "", data, portfolio_data),
                "municipal_labels": ", ".join(data["municipal_signatories"]),
                "signatories": ContractTemplate.Signatories.DIRECTOR_AND_LEADER
                if "kommunedirektør" in roles
                else ContractTemplate.Signatories.OWNER_AND_LEADER,
            },
        )


def _sign(contract: Contract, email: str, place: str) -> None:
    """Signs `contract` as the user `email`. Precondition: the contract has been sent (contract_send)."""
    user = get_user_model().objects.get(email=email)
    contract.refresh_from_db()
    document = contract.signing_document
    assert document is not None, "a sent contract has its document to sign"
    contract_sign(
        contract=contract,
        user=user,
        full_name=user.full_name,
        place=place,
        document_sha256=document.sha256,
        user_agent="seed_demo",
        notify=False,
    )


def seed_contracts(portfolio: Portfolio, leader: User) -> None:
    """The current portfolio's contracts: Bodø's signed by all and in force, Guovdageaidnu's awaiting the
    municipality's signatures, and of Fauske og Saltdal's two, Fauske's awaiting the countersignature while
    Saltdal's is still a draft. Contracts that have moved on are left as they are."""
    contracts_generate(portfolio=portfolio, actor=leader)

    def contract(group_name: str, municipality_number: str) -> Contract:
        group = MunicipalityGroup.objects.get(portfolio=portfolio, name=group_name)
        return Contract.objects.get(group=group, municipality__number=municipality_number)

    bodo = contract("Bodø", "1804")
    if bodo.status == Contract.Status.DRAFT:
        contract_send(contract=bodo, actor=leader, notify=False)
        _sign(bodo, "eier.bodo@example.org", "Bodø")
        _sign(bodo, "leder.bodo@example.org", "Bodø")
        _sign(bodo, leader.email, "Trondheim")
        # What the background job does after a countersignature, done here so that the demo is complete at once.
        contract_finalise(contract=bodo, notify=False)
    guovdageaidnu = contract("Guovdageaidnu", "5612")
    if guovdageaidnu.status == Contract.Status.DRAFT:
        contract_send(contract=guovdageaidnu, actor=leader, notify=False)
    fauske = contract("Fauske og Saltdal", "1841")
    if fauske.status == Contract.Status.DRAFT:
        contract_send(contract=fauske, actor=leader, notify=False)
        _sign(fauske, "eier.fauske@example.org", "Fauske")
        _sign(fauske, "leder.fauske@example.org", "Fauske")


def seed_demo_contracts(programmes_data: Mapping[str, Any], current_portfolio: Portfolio, leader: User) -> None:
    """Everything seed_demo needs from contracts, once the groups exist."""
    seed_contract_templates(programmes_data)
    seed_contracts(current_portfolio, leader)
