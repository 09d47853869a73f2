"""The contract forms' own wording (issue 12): the templates seed_demo writes from the transcribed forms
print, for a portfolio with the forms' own period, what the forms say, character for character; and the data
migration brings templates written by the old seed to that wording without touching edited ones."""

import importlib
import json
from datetime import date

import pytest
from django.apps import apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse

from contracts.demo import seed_contract_templates
from contracts.models import Contract, ContractTemplate
from contracts.services import contract_render, contract_send
from core import storage
from core.testing.pdf import pdf_text
from municipalities.models import Role
from municipalities.tests.factories import MembershipFactory, MunicipalityGroupFactory, municipality
from portfolios.models import Programme
from portfolios.tests.factories import FremtidensProgrammeFactory, PortfolioFactory, ProgrammeFactory

from .factories import VEILEDNING_BODY

pytestmark = pytest.mark.django_db

PROGRAMMES = json.loads((settings.BASE_DIR / "dashboard" / "demo_data" / "programmes.json").read_text("utf-8"))

# The forms' own lines, as seeds/000_70f452b7c0dcaadb.txt (Veiledningsordningen, 2023–24) and
# seeds/002_9f8cec277fb594e3.txt (Fremtidens kulturskole, 2024–2025) print them.
VEILEDNING_FORM = [
    "KONTRAKT VEILEDNINGSORDNINGEN 2023 - 2024",
    "Veiledning i kulturskoleutvikling 2023-2024",
    "har partene inngått avtale om veiledning i kulturskoleutvikling i",
    "for perioden januar 2023 - juni 2024",
    "Direktør Norsk kulturskoleråd",
    "Kulturskoleeier:",
    "Kulturskoleleder:",
]
FREMTIDENS_FORM = [
    "Kontrakt – Regionale program 2024–2025",
    "Utviklingsprogram for Fremtidens kulturskole",
    "Kulturskolen som utviklingsaktør i fremtidens kommune",
    "Fremtidens kulturskole Regionale program 2024–2025",
    "har partene inngått avtale om deltakelse for",
    "for perioden august 2024 – desember 2025",
    "Trondheim august 2024",
    "direktør, Norsk kulturskoleråd",
    "kommunedirektør:",
    "kulturskoleleder:",
]


def seeded(key):
    """The programme `key`'s template as seed_demo writes it, and a portfolio with the form's own period."""
    ProgrammeFactory()
    FremtidensProgrammeFactory()
    seed_contract_templates(PROGRAMMES)
    data = next(p for p in PROGRAMMES["programmes"] if p["key"] == key)["portfolio"]["agreement_period"]
    programme = Programme.objects.get(key=key)
    portfolio = PortfolioFactory(
        programme=programme,
        agreement_start=date.fromisoformat(data["start"]),
        agreement_end=date.fromisoformat(data["end"]),
    )
    return programme.contract_template, portfolio


def sent_pdf_text(portfolio, number, roles):
    group = MunicipalityGroupFactory(portfolio=portfolio, municipalities=[municipality(number)])
    for role in roles:
        MembershipFactory(group=group, role=role)
    contract = Contract.objects.create(group=group, municipality=municipality(number))
    contract_send(contract=contract)
    contract.refresh_from_db()
    document = contract.signing_document
    return pdf_text(storage.read_verified(document.path, document.sha256))


def lines(text):
    return [line.strip() for line in text.splitlines()]


def test_veiledningsordningens_contract_prints_the_forms_own_wording():
    _template, portfolio = seeded("veiledning")
    text = sent_pdf_text(portfolio, "1804", [Role.OWNER_POLITICAL, Role.LEADER])
    for line in VEILEDNING_FORM:
        assert line in lines(text), line
    assert "2023–2024" not in text
    assert "Bodø kommune" in lines(text)


def test_fremtidens_kulturskoles_contract_prints_the_forms_own_wording():
    _template, portfolio = seeded("fremtidens_kulturskole")
    text = sent_pdf_text(portfolio, "5006", [Role.MUNICIPAL_DIRECTOR, Role.LEADER])
    for line in FREMTIDENS_FORM:
        assert line in lines(text), line
    assert "Kommunedirektør:" not in text and "Kulturskoleleder:" not in text


def test_the_foundation_documents_contract_form_has_the_forms_wording(client):
    _template, portfolio = seeded("fremtidens_kulturskole")
    client.force_login(MembershipFactory(group=MunicipalityGroupFactory(portfolio=portfolio)).user)
    response = client.get(reverse("contracts:foundation_pdf", args=[portfolio.pk]))
    text = lines(pdf_text(b"".join(response.streaming_content)))
    for line in ("Trondheim august 2024", "kommunedirektør:", "kulturskoleleder:", "________________________ kommune"):
        assert line in text, line


def test_another_portfolio_prints_its_own_period_in_the_forms_punctuation():
    _template, portfolio = seeded("veiledning")
    portfolio.agreement_start, portfolio.agreement_end = date(2026, 1, 1), date(2027, 6, 20)
    portfolio.save(update_fields=["agreement_start", "agreement_end"])
    text = lines(sent_pdf_text(portfolio, "1804", [Role.OWNER_POLITICAL, Role.LEADER]))
    assert "KONTRAKT VEILEDNINGSORDNINGEN 2026 - 2027" in text
    assert "for perioden januar 2026 - juni 2027" in text


def test_the_programme_leader_may_still_word_the_template_otherwise():
    template, portfolio = seeded("fremtidens_kulturskole")
    template.signatory_place = "Oslo, {avtalestart}"
    template.municipal_labels = "Rådmann, Leder for kulturskolen"
    template.save()
    text = lines(sent_pdf_text(portfolio, "5006", [Role.MUNICIPAL_DIRECTOR, Role.LEADER]))
    assert "Oslo, august 2024" in text
    assert "Rådmann:" in text and "Leder for kulturskolen:" in text


def test_a_wrong_number_of_signatory_words_is_refused_in_norwegian():
    template = ContractTemplate(
        programme=FremtidensProgrammeFactory(), municipal_labels="kommunedirektør", signatories="director_leader"
    )
    with pytest.raises(ValidationError) as error:
        template.clean()
    assert error.value.message_dict["municipal_labels"] == [
        "Skriv 2 betegnelser skilt med komma, én for hver av kommunens signatarer; nå står det 1."
    ]


def test_the_data_migration_brings_the_old_seeds_templates_to_the_forms_wording_and_leaves_edited_ones():
    migration = importlib.import_module("contracts.migrations.0007_keep_the_forms_wording")
    veiledning = ContractTemplate.objects.create(
        programme=ProgrammeFactory(),
        header="KONTRAKT VEILEDNINGSORDNINGEN {år}",
        title="KONTRAKT",
        subtitle="Veiledning i kulturskoleutvikling {år}",
        body=migration.VEILEDNING_BODY_OLD,
        signatories="owner_leader",
    )
    fremtidens = ContractTemplate.objects.create(
        programme=FremtidensProgrammeFactory(),
        header="Kontrakt for {kommune}, skrevet av programlederen",
        title="Kontrakt",
        body="Egen tekst {avtaleperiode}",
        signatory_place="Trondheim",
        signatories="director_leader",
    )

    migration.keep_the_forms_wording(apps, None)

    veiledning.refresh_from_db()
    assert veiledning.header == "KONTRAKT VEILEDNINGSORDNINGEN {startår} - {sluttår}"
    assert veiledning.subtitle == "Veiledning i kulturskoleutvikling {startår}-{sluttår}"
    assert veiledning.body == migration.VEILEDNING_BODY_NEW == VEILEDNING_BODY
    assert veiledning.municipal_labels == "Kulturskoleeier, Kulturskoleleder"
    fremtidens.refresh_from_db()
    assert fremtidens.signatory_place == "Trondheim {avtalestart}"
    assert fremtidens.municipal_labels == "kommunedirektør, kulturskoleleder"
    # What the programme leader wrote stays as written.
    assert fremtidens.header == "Kontrakt for {kommune}, skrevet av programlederen"
    assert fremtidens.body == "Egen tekst {avtaleperiode}"


def test_the_seed_writes_what_the_data_migration_writes():
    migration = importlib.import_module("contracts.migrations.0007_keep_the_forms_wording")
    ProgrammeFactory()
    FremtidensProgrammeFactory()
    seed_contract_templates(PROGRAMMES)
    for key, fields in migration.CHANGES.items():
        template = ContractTemplate.objects.get(programme__key=key)
        for field, (_old, new) in fields.items():
            assert getattr(template, field) == new, field
        assert template.municipal_labels == migration.LABELS[key][1]


def test_a_contract_sent_before_the_forms_words_were_kept_renders_as_it_was_sent(parties):
    contract = parties["contract"]
    # Terms frozen by the earlier version: no signatory_place or slot_labels among the texts.
    for key in ("signatory_place", "slot_labels"):
        contract.terms["texts"].pop(key)
    contract.terms["signatory_place"] = "Trondheim"
    contract.save(update_fields=["terms"])
    text = lines(pdf_text(contract_render(Contract.objects.get(pk=contract.pk))))
    assert "Kulturskoleeier:" in text and "Kulturskoleleder:" in text
    assert "Trondheim" in text
