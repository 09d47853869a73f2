import pytest

from accounts.tests.factories import ProgrammeLeaderFactory, UserFactory
from contracts.services import contract_send, contracts_render_due
from municipalities.models import Role
from municipalities.tests.factories import MembershipFactory, MunicipalityGroupFactory, municipality

from .factories import ContractFactory, sign


@pytest.fixture
def parties(django_capture_on_commit_callbacks):
    """A sent contract for Guovdageaidnu with its kulturskoleeier, kulturskoleleder and the programme leader."""
    group = MunicipalityGroupFactory(municipalities=[municipality("5612")])
    owner = MembershipFactory(
        group=group,
        user=UserFactory(full_name="Ánte Mikkel Gaup"),
        role=Role.OWNER_POLITICAL,
        municipality=municipality("5612"),
    ).user
    leader = MembershipFactory(
        group=group, user=UserFactory(full_name="Sárá Marja Hætta"), role=Role.LEADER, municipality=None
    ).user
    teacher = MembershipFactory(group=group, role=Role.RESOURCE_TEACHER).user
    contract = ContractFactory(group=group)
    with django_capture_on_commit_callbacks(execute=True):
        contract_send(contract=contract)
    contract.refresh_from_db()
    return {
        "contract": contract,
        "owner": owner,
        "leader": leader,
        "teacher": teacher,
        "programme_leader": ProgrammeLeaderFactory(full_name="Åste Selnæs Domaas"),
    }


@pytest.fixture
def signed_contract(parties, django_capture_on_commit_callbacks):
    """`parties` with the contract signed by all three and its signed document made: in force."""
    with django_capture_on_commit_callbacks(execute=True):
        sign(parties["contract"], parties["owner"], "Guovdageaidnu")
        sign(parties["contract"], parties["leader"], "Guovdageaidnu")
        sign(parties["contract"], parties["programme_leader"], "Trondheim")
        # The signed document is made by the background job, as the worker (or cron) runs it.
        assert contracts_render_due() == 1
    parties["contract"].refresh_from_db()
    return parties
