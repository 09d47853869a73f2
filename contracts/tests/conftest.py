import pytest

from accounts.tests.factories import ProgrammeLeaderFactory, UserFactory
from contracts.services import contract_send
from municipalities.models import Role
from municipalities.tests.factories import MembershipFactory, MunicipalityGroupFactory, municipality

from .factories import ContractFactory


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
