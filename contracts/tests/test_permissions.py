"""The permission matrix of the contract pages (see testing/permissions.py): every contract URL
for anonymous, members of group A and B, their advisers and the programme leader."""

import io

import pytest
from django.urls import reverse
from pypdf import PdfWriter

from contracts.models import Contract, ContractDocument
from core import storage
from municipalities.models import Membership, Role
from municipalities.tests.factories import MembershipFactory, municipality
from testing.permissions import PERSONAS, check_access, matrix_ids

from .factories import ContractTemplateFactory


def _pdf(marker):
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_metadata({"/Title": marker})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _document(contract, kind):
    # Written straight to storage: the matrix tests access, and rendering in every one of its cases would
    # only make it slow.
    content = _pdf(f"{contract.pk}-{kind}")
    return ContractDocument.objects.create(
        contract=contract,
        kind=kind,
        path=storage.write_bytes(f"contracts/{contract.pk}", content),
        sha256=storage.sha256_hex(content),
        size=len(content),
    )


def _contract(group, number, status):
    contract = Contract.objects.create(group=group, municipality=municipality(number), status=status)
    contract.signing_document = _document(contract, ContractDocument.Kind.SIGNING)
    if status == Contract.Status.IN_FORCE:
        contract.final_document = _document(contract, ContractDocument.Kind.SIGNED)
    contract.save()
    return contract


@pytest.fixture
def world(world):
    """Group A gets Fauske beside Bodø: Bodø's contract waits for signatures, Fauske's is in force. Group B's
    contract (Guovdageaidnu) waits for signatures. member_a is Bodø's kulturskoleleder, member_b
    Guovdageaidnu's. The programme has a fee, so that the fee export exists."""
    group_a, group_b = world["group_a"], world["group_b"]
    programme = group_a.portfolio.programme
    ContractTemplateFactory(programme=programme)
    programme.participation_fee, programme.fee_instalments = 20000, 3
    programme.save(update_fields=["participation_fee", "fee_instalments"])
    group_a.municipalities.add(municipality("1841"))
    Membership.objects.filter(user=world["member_a"]).update(municipality=municipality("1804"))
    world["contract_a"] = _contract(group_a, "1804", Contract.Status.SENT)
    world["contract_a_in_force"] = _contract(group_a, "1841", Contract.Status.IN_FORCE)
    world["contract_b"] = _contract(group_b, "5612", Contract.Status.SENT)
    return world


# A member who has left, been deactivated or whose group ended early still reads their contracts (records);
# the deactivated one cannot log in.
MEMBERS_OF_A = [302, 200, 404, 200, 404, 200, 200, 302, 200]
CURRENT_MEMBERS_OF_A = [302, 200, 404, 200, 404, 200, 404, 302, 404]
MEMBERS_OF_B = [302, 404, 200, 404, 200, 200, 404, 302, 404]
PROGRAMME_LEADER = [302, 404, 404, 404, 404, 200, 404, 302, 404]
ANYONE_LOGGED_IN = [302, 200, 200, 200, 200, 200, 200, 302, 200]
ADMIN_FOR_PROGRAMME_LEADER = [302, 302, 302, 403, 403, 200, 302, 302, 302]

# url name, kwargs built from the world, expected status per persona (in PERSONAS order).
MATRIX = [
    ("contracts:detail", {"pk": "contract_a.pk"}, MEMBERS_OF_A),
    ("contracts:detail", {"pk": "contract_a_in_force.pk"}, MEMBERS_OF_A),
    ("contracts:detail", {"pk": "contract_b.pk"}, MEMBERS_OF_B),
    ("contracts:signing_pdf", {"pk": "contract_a.pk"}, MEMBERS_OF_A),
    ("contracts:signing_pdf", {"pk": "contract_b.pk"}, MEMBERS_OF_B),
    ("contracts:signed_pdf", {"pk": "contract_a_in_force.pk"}, MEMBERS_OF_A),
    # Not signed yet: nothing to download for anyone.
    ("contracts:signed_pdf", {"pk": "contract_a.pk"}, [302, 404, 404, 404, 404, 404, 404, 302, 404]),
    ("contracts:upload", {"pk": "contract_a.pk"}, PROGRAMME_LEADER),
    ("contracts:upload", {"pk": "contract_b.pk"}, PROGRAMME_LEADER),
    ("contracts:terminate", {"pk": "contract_a.pk"}, PROGRAMME_LEADER),
    ("contracts:verify", {}, ANYONE_LOGGED_IN),
    ("contracts:foundation_pdf", {"pk": "group_a.portfolio.pk"}, CURRENT_MEMBERS_OF_A),
    ("contracts:foundation_pdf", {"pk": "group_b.portfolio.pk"}, MEMBERS_OF_B),
    ("contracts:fee_export", {"pk": "group_a.portfolio.pk"}, PROGRAMME_LEADER),
    ("admin:contracts_contract_changelist", {}, ADMIN_FOR_PROGRAMME_LEADER),
    ("admin:contracts_contract_change", {"object_id": "contract_a.pk"}, ADMIN_FOR_PROGRAMME_LEADER),
    ("admin:contracts_contracttemplate_changelist", {}, ADMIN_FOR_PROGRAMME_LEADER),
    ("admin:contracts_portfoliocontracts_changelist", {}, ADMIN_FOR_PROGRAMME_LEADER),
]

# POSTs with an empty form: whoever may act gets the form back with its errors (200) or, where acting is not
# open to them now, a redirect to the contract with a message (302); everyone else gets 404. The signing
# is reached only by the contract's own signatories: member_a signs Bodø's as kulturskoleleder, the
# programme leader countersigns (later, hence the redirect), and advisers never sign.
POST_MATRIX = [
    # Reading stays, signing does not: a former member is no signatory.
    ("contracts:sign", {"pk": "contract_a.pk"}, [302, 200, 404, 404, 404, 302, 404, 302, 404]),
    ("contracts:sign", {"pk": "contract_b.pk"}, [302, 404, 200, 404, 404, 302, 404, 302, 404]),
    ("contracts:sign", {"pk": "contract_a_in_force.pk"}, [302, 404, 404, 404, 404, 302, 404, 302, 404]),
    ("contracts:upload", {"pk": "contract_a.pk"}, PROGRAMME_LEADER),
    ("contracts:terminate", {"pk": "contract_a.pk"}, PROGRAMME_LEADER),
    ("contracts:verify", {}, ANYONE_LOGGED_IN),
]


@pytest.mark.parametrize(("url_name", "kwargs", "expected"), MATRIX, ids=matrix_ids(MATRIX))
@pytest.mark.parametrize("persona", PERSONAS)
def test_permission_matrix(client, world, url_name, kwargs, expected, persona):
    check_access(client, world, url_name, kwargs, expected, persona)


@pytest.mark.parametrize(("url_name", "kwargs", "expected"), POST_MATRIX, ids=matrix_ids(POST_MATRIX))
@pytest.mark.parametrize("persona", PERSONAS)
def test_permission_matrix_post(client, world, url_name, kwargs, expected, persona):
    check_access(client, world, url_name, kwargs, expected, persona, method="post")


@pytest.mark.parametrize("role", [Role.RESOURCE_TEACHER, Role.COORDINATOR, Role.OTHER])
def test_members_without_a_signing_role_cannot_reach_the_signing(client, world, role):
    member = MembershipFactory(group=world["group_a"], role=role, municipality=municipality("1804")).user
    client.force_login(member)
    assert client.get(world["contract_a"].get_absolute_url()).status_code == 200
    response = client.post(reverse("contracts:sign", args=[world["contract_a"].pk]), {})
    assert response.status_code == 404


def test_the_contract_page_offers_the_signing_only_to_a_signatory(client, world):
    client.force_login(world["member_a"])
    assert "Signer kontrakten" in client.get(world["contract_a"].get_absolute_url()).content.decode()
    client.force_login(world["adviser_a"])
    assert "Signer kontrakten" not in client.get(world["contract_a"].get_absolute_url()).content.decode()


def test_another_groups_contract_is_the_same_404_as_a_missing_one(client, world):
    client.force_login(world["member_a"])
    hidden = client.get(world["contract_b"].get_absolute_url())
    missing = client.get(reverse("contracts:detail", args=[999999]))
    assert hidden.status_code == missing.status_code == 404
