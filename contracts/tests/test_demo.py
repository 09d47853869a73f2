import pytest
from django.core.management import call_command

from contracts.models import Contract, ContractTemplate
from core import storage

pytestmark = pytest.mark.django_db


def test_seed_demo_creates_the_demo_contracts_once():
    call_command("seed_demo")
    first = list(Contract.objects.order_by("pk").values_list("pk", "status"))
    call_command("seed_demo")
    assert list(Contract.objects.order_by("pk").values_list("pk", "status")) == first

    assert ContractTemplate.objects.count() == 2
    current = Contract.objects.filter(group__portfolio__status="active")
    bodo = current.get(municipality__number="1804")
    assert bodo.status == Contract.Status.IN_FORCE
    assert bodo.signatures.count() == 3
    assert storage.sha256_hex(storage.read_verified(bodo.final_document.path, bodo.final_document.sha256)) == (
        bodo.final_document.sha256
    )
    assert current.get(municipality__number="5612").status == Contract.Status.SENT
    fauske_og_saltdal = set(current.filter(group__name="Fauske og Saltdal").values_list("status", flat=True))
    assert fauske_og_saltdal == {Contract.Status.SIGNED, Contract.Status.DRAFT}
