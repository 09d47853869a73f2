"""The groups' composition rule against the contracts' signatories, for both programmes (issue 16): a group
that passes its rule can sign every one of its contracts, and one that cannot sign is told what it lacks."""

import itertools
import json
from datetime import date
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError

from contracts.demo import seed_contract_templates
from contracts.models import Contract, ContractTemplate
from contracts.selectors import slot_candidates
from contracts.tests.factories import ContractTemplateFactory, FremtidensTemplateFactory
from municipalities.models import (
    RULE_SIGNATORIES,
    SIGNATORY_NOUNS,
    Membership,
    Role,
    group_shortcomings,
    group_warnings,
)
from municipalities.tests.factories import MembershipFactory, MunicipalityGroupFactory, municipality
from portfolios.models import Programme
from portfolios.tests.factories import FremtidensProgrammeFactory, PortfolioFactory, ProgrammeFactory

pytestmark = pytest.mark.django_db

PROGRAMMES = json.loads(
    (Path(__file__).resolve().parents[1] / "demo_data" / "programmes.json").read_text(encoding="utf-8")
)


@pytest.fixture
def templates():
    """Both programmes' contract templates as the demo makes them from the transcribed forms (000 and 002)."""
    ProgrammeFactory()
    FremtidensProgrammeFactory()
    seed_contract_templates(PROGRAMMES)
    return {t.programme.group_rule: t for t in ContractTemplate.objects.select_related("programme")}


def test_each_programmes_contract_form_asks_for_the_signatories_its_group_rule_checks(templates):
    assert set(templates) == set(Programme.GroupRule.values)
    for rule, template in templates.items():
        assert tuple(template.municipal_slots) == RULE_SIGNATORIES[rule]
        template.full_clean()  # the template's own check agrees


@pytest.mark.parametrize("rule", Programme.GroupRule.values)
def test_every_group_of_one_municipality_that_passes_its_rule_can_sign_and_one_that_cannot_is_told(templates, rule):
    bodo = municipality("1804")
    contract = Contract(municipality=bodo)
    contract.municipality_id = bodo.pk
    slots = templates[rule].municipal_slots
    # Every combination of up to five roles, each role at most twice: 700-odd groups.
    for size in range(1, 6):
        for roles in itertools.combinations_with_replacement(list(Role), size):
            if any(roles.count(r) > 2 for r in roles):
                continue
            lacks = group_shortcomings(rule=rule, municipalities=[bodo], members=[(r, None) for r in roles])
            members = [Membership(role=r) for r in roles]
            can_sign = all(slot_candidates(contract, s, members, single_municipality=True) for s in slots)
            if not lacks:
                assert can_sign, roles
            if not can_sign:
                assert {f"Mangler {noun}." for noun in SIGNATORY_NOUNS.values()} & set(lacks), roles


def test_in_fremtidens_kulturskole_an_administrative_owner_alone_cannot_sign_and_the_group_lacks_a_director():
    group = MunicipalityGroupFactory(portfolio=PortfolioFactory(programme=FremtidensProgrammeFactory()))
    for role in (Role.OWNER_ADMINISTRATIVE, Role.LEADER, Role.COORDINATOR, Role.OTHER):
        MembershipFactory(group=group, role=role)
    template = FremtidensTemplateFactory(programme=group.portfolio.programme)
    contract = Contract(group=group, municipality=group.municipalities.get())

    assert group.shortcomings() == ["Mangler kommunedirektør."]
    assert (
        slot_candidates(contract, template.municipal_slots[0], group.memberships.all(), single_municipality=True) == []
    )

    MembershipFactory(group=group, role=Role.MUNICIPAL_DIRECTOR)
    assert group.shortcomings() == []


def test_in_veiledningsordningen_an_administrative_owner_signs_as_kulturskoleeier():
    group = MunicipalityGroupFactory()
    for role in (Role.OWNER_ADMINISTRATIVE, Role.LEADER, Role.RESOURCE_TEACHER):
        MembershipFactory(group=group, role=role)
    template = ContractTemplateFactory(programme=group.portfolio.programme)
    contract = Contract(group=group, municipality=group.municipalities.get())
    assert group.shortcomings() == []
    assert all(
        slot_candidates(contract, slot, group.memberships.all(), single_municipality=True)
        for slot in template.municipal_slots
    )


def test_a_kulturskoleeier_invited_without_a_municipality_in_a_group_of_several_is_flagged():
    fauske, saltdal = municipality("1841"), municipality("1840")
    group = MunicipalityGroupFactory(municipalities=[fauske, saltdal])
    for place in (fauske, saltdal):
        MembershipFactory(group=group, role=Role.OWNER_POLITICAL, municipality=place)
        MembershipFactory(group=group, role=Role.LEADER, municipality=place)
    MembershipFactory(group=group, role=Role.RESOURCE_TEACHER, municipality=fauske)
    assert group.shortcomings() == []

    MembershipFactory(group=group, role=Role.OWNER_ADMINISTRATIVE, municipality=None)

    assert group.shortcomings() == ["En kulturskoleeier er ikke knyttet til noen av gruppens kommuner."]


def test_the_rule_counts_current_members_only():
    group = MunicipalityGroupFactory()
    for role in (Role.OWNER_POLITICAL, Role.RESOURCE_TEACHER):
        MembershipFactory(group=group, role=role)
    leader = MembershipFactory(group=group, role=Role.LEADER, started_on=date(2020, 1, 1))
    assert group.shortcomings() == []
    Membership.objects.filter(pk=leader.pk).update(ended_on=date(2021, 1, 1))
    group = type(group).objects.with_overview().get(pk=group.pk)
    assert group.shortcomings() == ["Mangler kulturskoleleder."]


def test_a_veiledning_group_without_its_political_owner_is_warned_but_not_incomplete():
    bodo = [municipality("1804")]
    administrative = [(Role.OWNER_ADMINISTRATIVE, None), (Role.LEADER, None), (Role.RESOURCE_TEACHER, None)]
    assert group_shortcomings(rule=Programme.GroupRule.VEILEDNING, municipalities=bodo, members=administrative) == []
    assert group_warnings(rule=Programme.GroupRule.VEILEDNING, members=administrative) == [
        "Kulturskoleeier på politisk nivå er ikke med i gruppen."
    ]
    both = [*administrative, (Role.OWNER_POLITICAL, None)]
    assert group_warnings(rule=Programme.GroupRule.VEILEDNING, members=both) == []
    # Fremtidens kulturskole's form asks for the kommunedirektør, not for the political level.
    assert group_warnings(rule=Programme.GroupRule.FREMTIDENS_KULTURSKOLE, members=administrative) == []


def test_the_group_page_shows_the_political_owner_warning(client):
    group = MunicipalityGroupFactory()
    member = MembershipFactory(group=group, role=Role.OWNER_ADMINISTRATIVE).user
    client.force_login(member)
    html = client.get(group.get_absolute_url()).content.decode()
    assert "Kulturskoleeier på politisk nivå er ikke med i gruppen." in html


def test_a_contract_template_with_other_signatories_than_its_programmes_rule_is_refused():
    template = ContractTemplate(
        programme=FremtidensProgrammeFactory(), signatories=ContractTemplate.Signatories.OWNER_AND_LEADER
    )
    with pytest.raises(ValidationError) as error:
        template.clean()
    assert error.value.message_dict["signatories"] == [
        "Programmets krav til kommunegruppen gir disse signatarene: "
        "«Kommunedirektør og kulturskoleleder (Fremtidens kulturskole)»."
    ]
