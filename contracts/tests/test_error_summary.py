"""A failed signing says what is wrong at the top of the page, links to each field, and keeps what was typed."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_a_failed_signing_has_an_error_summary_with_links_to_the_fields(client, parties):
    contract = parties["contract"]
    client.force_login(parties["owner"])
    response = client.post(
        reverse("contracts:sign", args=[contract.pk]),
        {"full_name": "Ánte Gaup", "place": "", "document_sha256": contract.signing_document.sha256},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "<title>Feil: " in html
    assert html.index('id="feiloppsummering"') < html.index('name="full_name"')
    assert "Skjemaet har 3 feil" in html
    name_error = "Fullt navn: Skriv navnet ditt slik det står i profilen din: Ánte Mikkel Gaup."
    assert f'<a class="alert-link" href="#id_full_name">{name_error}</a>' in html
    assert '<a class="alert-link" href="#id_place">Sted: Skriv stedet du signerer.</a>' in html
    assert '<a class="alert-link" href="#id_confirm">Jeg har lest kontrakten og signerer den: Kryss av for' in html
    # What was typed is still there.
    assert 'value="Ánte Gaup"' in html


def test_the_contract_page_before_a_submit_has_no_error_summary(client, parties):
    client.force_login(parties["owner"])
    html = client.get(parties["contract"].get_absolute_url()).content.decode()
    assert 'id="feiloppsummering"' not in html
    assert "<title>Feil" not in html
