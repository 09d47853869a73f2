"""A contract whose agreement period is over (issue 12): the municipality can no longer sign it, it does not
come into force, and every place that shows its status shows «Utløpt», read from the period itself."""

import io
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfWriter

from accounts.tests.factories import ProgrammeLeaderFactory
from contracts.models import Contract, Signature
from contracts.services import (
    contract_reminders_send,
    contract_upload_signed,
    contracts_put_in_force,
    contracts_render_due,
    contracts_send_portfolio,
)
from core.models import Email
from municipalities.tests.factories import MunicipalityGroupFactory, municipality
from portfolios.tests.factories import PortfolioFactory

from .factories import FremtidensTemplateFactory, sign

pytestmark = pytest.mark.django_db

PERIOD_OVER = "Avtaleperioden for kontrakten (01.01.2026–{end}) er over, og kontrakten kan ikke signeres lenger."


def end_period(portfolio, days_ago=1):
    """The portfolio's agreement period ended `days_ago` days ago; returns the end as the pages print it."""
    portfolio.agreement_end = timezone.localdate() - timedelta(days=days_ago)
    portfolio.save(update_fields=["agreement_end"])
    return portfolio.agreement_end.strftime("%d.%m.%Y")


def test_the_municipality_cannot_sign_once_the_period_is_over(parties):
    contract = parties["contract"]
    end = end_period(contract.group.portfolio)

    with pytest.raises(ValidationError) as error:
        sign(contract, parties["owner"])

    assert PERIOD_OVER.format(end=end) in error.value.messages[0]
    assert not Signature.objects.exists()
    assert Contract.objects.get().status == Contract.Status.SENT


def test_the_sign_page_tells_the_signatory_why_and_the_programme_leader_can_still_act(client, parties):
    contract = parties["contract"]
    end = end_period(contract.group.portfolio)
    client.force_login(parties["leader"])

    page = client.get(contract.get_absolute_url()).content.decode()
    assert PERIOD_OVER.format(end=end) in page
    assert 'id="sign-heading"' not in page  # no signing form

    response = client.post(
        reverse("contracts:sign", args=[contract.pk]),
        {
            "full_name": "Sárá Marja Hætta",
            "place": "Guovdageaidnu",
            "confirm": "on",
            "document_sha256": contract.signing_document.sha256,
        },
        follow=True,
    )
    assert PERIOD_OVER.format(end=end) in response.content.decode()
    assert not Signature.objects.exists()

    client.force_login(parties["programme_leader"])
    page = client.get(contract.get_absolute_url()).content.decode()
    assert reverse("contracts:upload", args=[contract.pk]) in page
    assert reverse("contracts:terminate", args=[contract.pk]) in page


def test_a_contract_signed_in_time_but_completed_after_its_period_does_not_come_into_force(parties):
    contract = parties["contract"]
    sign(contract, parties["owner"])
    sign(contract, parties["leader"])
    end_period(contract.group.portfolio)
    # The programme leader may still countersign what the municipality signed in time.
    sign(contract, parties["programme_leader"], "Trondheim")
    contracts_render_due()

    contract.refresh_from_db()
    assert contract.status == Contract.Status.COUNTERSIGNED
    assert contract.in_force_at is None
    assert contract.status_display == "Utløpt"
    assert contracts_put_in_force() == 0


def test_an_upload_after_the_period_is_kept_and_shown_as_expired(parties):
    contract = parties["contract"]
    end_period(contract.group.portfolio)
    contract = contract_upload_signed(contract=contract, content=_pdf(), actor=parties["programme_leader"])
    assert contract.status == Contract.Status.COUNTERSIGNED
    assert contract.status_display == "Utløpt"


def test_no_reminder_asks_anyone_to_sign_a_contract_whose_period_is_over(parties):
    contract = parties["contract"]
    end_period(contract.group.portfolio)
    assert contract_reminders_send(now=timezone.now() + timedelta(days=8)) == 0
    assert not Email.objects.filter(template="contracts/email/reminder").exists()


def test_contracts_are_not_sent_for_a_portfolio_whose_period_is_over():
    portfolio = PortfolioFactory(programme=FremtidensTemplateFactory().programme)
    MunicipalityGroupFactory(portfolio=portfolio, municipalities=[municipality("5006")])
    end_period(portfolio)
    with pytest.raises(ValidationError, match="Kontrakter som ikke kan signeres lenger, sendes ikke"):
        contracts_send_portfolio(portfolio=portfolio, actor=ProgrammeLeaderFactory())
    assert not Contract.objects.exists()


def test_a_contract_in_force_shows_as_expired_everywhere_once_its_period_is_over(client, signed_contract):
    contract = signed_contract["contract"]
    assert contract.status == Contract.Status.IN_FORCE
    portfolio = contract.group.portfolio
    portfolio.programme.participation_fee = 20000
    portfolio.programme.save(update_fields=["participation_fee"])
    end = end_period(portfolio)
    client.force_login(signed_contract["programme_leader"])

    # The contract's own page and the group's page.
    page = client.get(contract.get_absolute_url()).content.decode()
    assert f"Utløpt (avtaleperioden endte {end})" in page
    assert "I kraft" not in page
    page = client.get(contract.group.get_absolute_url()).content.decode()
    assert "<td>Utløpt</td>" in page
    assert "I kraft" not in page

    # The admin's list, and its status filter.
    changelist = reverse("admin:contracts_contract_changelist")
    page = client.get(changelist).content.decode()
    assert '<td class="field-status_column">Utløpt</td>' in page
    expired = client.get(changelist, {"status": "expired"})
    assert list(expired.context["cl"].result_list) == [contract]
    assert "?status=expired" in expired.content.decode()
    assert list(client.get(changelist, {"status": "in_force"}).context["cl"].result_list) == []
    change = client.get(reverse("admin:contracts_contract_change", args=[contract.pk])).content.decode()
    assert '<div class="readonly">Utløpt</div>' in change
    assert '<div class="readonly">I kraft</div>' not in change

    # The fee export.
    response = client.get(reverse("contracts:fee_export", args=[portfolio.pk]))
    rows = [line.split(";") for line in response.content.decode("utf-8-sig").strip().splitlines()[1:]]
    assert {row[7] for row in rows} == {"Utløpt"}

    # The stored status is left as it was: expiry is read from the period, so no job has to run.
    contract.refresh_from_db()
    assert contract.status == Contract.Status.IN_FORCE


def test_the_day_the_period_ends_the_contract_is_still_in_force(signed_contract):
    contract = signed_contract["contract"]
    end_period(contract.group.portfolio, days_ago=0)
    contract = Contract.objects.select_related("group__portfolio").get()
    assert contract.status_display == "I kraft"


def _pdf():
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
