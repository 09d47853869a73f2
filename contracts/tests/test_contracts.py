"""Contracts: generating, sending, signing, the stored PDFs, uploads, the verify page, the foundation
document as PDF and the fee export."""

import io
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader, PdfWriter

from accounts.models import AuditEvent
from accounts.tests.factories import ProgrammeLeaderFactory
from contracts.models import SLOT_LEADER, SLOT_ORGANISATION, SLOT_OWNER, Contract, ContractDocument, Signature
from contracts.selectors import fee_parts
from contracts.services import (
    contract_reminders_send,
    contract_send,
    contract_terminate,
    contract_upload_signed,
    contracts_generate,
    contracts_put_in_force,
    contracts_render_due,
)
from core import storage
from core.models import Email
from core.pdf_safety import pdf_refuse_unsafe
from core.testing.mail import deliver_outbox
from core.testing.pdf import assert_printed_with_the_print_stylesheet, pdf_fonts
from core.testing.pdfs import compression_bomb_pdf, javascript_in_object_stream_pdf, open_action_javascript_pdf
from municipalities.models import MunicipalityGroup, Role
from municipalities.tests.factories import MembershipFactory, MunicipalityGroupFactory, municipality
from portfolios.tests.factories import FoundationSectionFactory, PlanItemFactory, PortfolioFactory

from .factories import (
    ContractFactory,
    ContractTemplateFactory,
    FremtidensTemplateFactory,
    sign,
    signatories,
)

pytestmark = pytest.mark.django_db


def pdf_text(content):
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def blank_pdf():
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def stored(document):
    return storage.read_verified(document.path, document.sha256)


def replace_stored(name, content):
    """Changes a stored file behind the portal's back, as someone with access to the storage could. The
    storage never overwrites, so the file is deleted and written again under its name."""
    private = storage.private_storage()
    private.delete(name)
    assert private.save(name, ContentFile(content)) == name


# Generating and sending


def test_it_generates_one_contract_per_municipality_of_each_admitted_or_active_group():
    portfolio = PortfolioFactory()
    MunicipalityGroupFactory(
        portfolio=portfolio, municipalities=[municipality("1804"), municipality("1841"), municipality("1840")]
    )
    MunicipalityGroupFactory(
        portfolio=portfolio, municipalities=[municipality("5612")], status=MunicipalityGroup.Status.APPLIED
    )

    assert contracts_generate(portfolio=portfolio) == 3
    assert contracts_generate(portfolio=portfolio) == 0
    assert sorted(Contract.objects.values_list("municipality__number", flat=True)) == ["1804", "1840", "1841"]
    assert set(Contract.objects.values_list("status", flat=True)) == {"draft"}


def test_sending_stores_the_pdf_to_sign_and_emails_the_municipalitys_signatories(parties):
    contract = parties["contract"]
    assert contract.status == Contract.Status.SENT
    document = contract.signing_document
    assert document.kind == ContractDocument.Kind.SIGNING
    assert storage.sha256_hex(stored(document)) == document.sha256
    # The e-mails are outbox rows, sent by the outbox's own worker, never by the sending itself.
    assert mail.outbox == []
    assert Email.objects.filter(template="contracts/email/sent").count() == 2
    sent = deliver_outbox()
    assert sorted(m.to[0] for m in sent) == sorted([parties["owner"].email, parties["leader"].email])
    assert "Kontrakt til signering: Guovdageaidnu (Kautokeino) kommune" in sent[0].subject
    assert contract.get_absolute_url() in sent[0].body
    assert AuditEvent.objects.filter(action="contract.mail_queued", payload__kind="sent").count() == 2
    assert contract.reminder_due_at == contract.sent_at + timedelta(days=7)


def test_sending_twice_sends_once(parties):
    assert contract_send(contract=parties["contract"]) is False
    assert ContractDocument.objects.count() == 1


def test_the_pdf_reads_back_the_seed_wording_with_the_municipalitys_name(parties):
    content = stored(parties["contract"].signing_document)
    assert_printed_with_the_print_stylesheet(content)
    text = pdf_text(content)

    assert "KONTRAKT VEILEDNINGSORDNINGEN 2026 - 2027" in text
    assert "Med utgangspunkt i Grunnlagsdokumentet" in text
    assert "har partene inngått avtale om veiledning i kulturskoleutvikling i" in text
    assert "Guovdageaidnu (Kautokeino) kommune" in text
    # The period printed is the portfolio's own.
    assert "for perioden januar 2026 - juni 2027" in text
    assert "Morten Christiansen" in text and "Direktør Norsk kulturskoleråd" in text
    assert "Kulturskoleeier:" in text and "Kulturskoleleder:" in text


@pytest.mark.parametrize("number", ["5610", "1804"])
def test_sami_and_norwegian_letters_read_back(number, django_capture_on_commit_callbacks):
    contract = ContractFactory(group=MunicipalityGroupFactory(municipalities=[municipality(number)]))
    contract_send(contract=contract)
    contract.refresh_from_db()
    assert f"{municipality(number).display_name} kommune" in pdf_text(stored(contract.signing_document))


def test_fremtidens_kulturskole_is_signed_by_the_kommunedirektor_and_the_leader():
    template = FremtidensTemplateFactory()
    group = MunicipalityGroupFactory(
        portfolio=PortfolioFactory(programme=template.programme), municipalities=[municipality("5006")]
    )
    director = MembershipFactory(group=group, role=Role.MUNICIPAL_DIRECTOR).user
    owner = MembershipFactory(group=group, role=Role.OWNER_POLITICAL).user
    contract = Contract.objects.create(group=group, municipality=municipality("5006"))
    contract_send(contract=contract)

    text = pdf_text(stored(Contract.objects.get().signing_document))
    assert "har partene inngått avtale om deltakelse for" in text
    assert "Steinkjer kommune" in text
    assert "kommunedirektør:" in text and "Trondheim januar 2026" in text
    with pytest.raises(ValidationError, match="ikke blant dem som skal signere"):
        sign(contract, owner)
    assert sign(contract, director).slot == "director"


# Signing


def test_the_full_signing_puts_the_contract_in_force_with_the_final_pdf_stored(signed_contract):
    contract = signed_contract["contract"]
    assert contract.status == Contract.Status.IN_FORCE
    final = contract.final_document
    content = stored(final)
    assert storage.sha256_hex(content) == final.sha256
    assert final.kind == ContractDocument.Kind.SIGNED
    # On the local storage: kept in the private folder, never where static or media files are served from,
    # readable by the portal's user alone, and with no URL.
    private = storage.private_storage()
    path = Path(private.path(final.path))
    assert path.is_relative_to(Path(settings.PRIVATE_STORAGE_ROOT).resolve())
    assert not path.is_relative_to(Path(settings.STATIC_ROOT).resolve())
    assert oct(path.stat().st_mode & 0o777) == oct(0o600)
    assert oct(path.parent.stat().st_mode & 0o777) == oct(0o700)
    with pytest.raises(ValueError, match="no URL"):
        private.url(final.path)

    reader = PdfReader(io.BytesIO(content))
    # PDF/A: WeasyPrint writes the PDF/A identification into the XMP metadata.
    assert b"pdfaid:part" in content or "pdfaid" in str(reader.xmp_metadata.stream.get_data())
    text = pdf_text(content)
    assert "Guovdageaidnu (Kautokeino) kommune" in text
    assert "Ánte Mikkel Gaup" in text and "Sárá Marja Hætta" in text and "Åste Selnæs Domaas" in text
    assert "Guovdageaidnu, " + timezone.localdate().strftime("%d.%m.%Y") in text
    last_page = reader.pages[-1].extract_text()
    assert "Signaturer" in last_page
    assert contract.signing_document.sha256 in last_page.replace("\n", "")
    assert_printed_with_the_print_stylesheet(content)
    # contract-print.css sets the hashes in a monospaced font.
    assert "DejaVu-Sans-Mono" in pdf_fonts(content)


def test_a_signature_records_who_when_where_and_what_they_saw(signed_contract):
    signature = Signature.objects.get(slot=SLOT_OWNER)
    contract = signed_contract["contract"]
    assert signature.user == signed_contract["owner"]
    assert signature.member_role == Role.OWNER_POLITICAL
    assert signature.ip_address == "10.1.2.3"
    assert signature.user_agent == "pytest-browser/1.0"
    assert signature.signed_at.utcoffset() == timedelta(0)
    assert signature.document_sha256 == contract.signing_document.sha256
    assert contract.signing_document.sha256 in signature.confirmed_text
    confirmed = "Jeg, Ánte Mikkel Gaup, signerer kontrakten for Guovdageaidnu (Kautokeino) kommune"
    assert confirmed in signature.confirmed_text
    assert AuditEvent.objects.filter(action="contract.signed").count() == 3


def test_the_municipality_signed_notifies_the_programme_leader(parties, django_capture_on_commit_callbacks):
    deliver_outbox()  # the e-mails of the sending
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        sign(parties["contract"], parties["owner"])
        assert Contract.objects.get().status == Contract.Status.SENT
        sign(parties["contract"], parties["leader"])
    assert Contract.objects.get().status == Contract.Status.SIGNED
    sent = deliver_outbox()
    assert [m.to for m in sent] == [[parties["programme_leader"].email]]
    assert "Klar til kontrasignering" in sent[0].subject


def test_the_programme_leader_cannot_countersign_before_the_municipality(parties):
    sign(parties["contract"], parties["owner"])
    with pytest.raises(ValidationError, match="kontrasigneres først når kommunen har signert"):
        sign(parties["contract"], parties["programme_leader"])


def test_a_signature_on_another_document_than_the_stored_one_is_refused(parties):
    with pytest.raises(ValidationError, match="ikke den som ligger til signering"):
        sign(parties["contract"], parties["owner"], document_sha256="0" * 64)
    assert not Signature.objects.exists()


def test_a_tampered_document_to_sign_is_refused_and_logged(parties):
    document = parties["contract"].signing_document
    replace_stored(document.path, b"%PDF-1.7 changed")
    with pytest.raises(ValidationError, match="endret etter at det ble lagret"):
        sign(parties["contract"], parties["owner"])
    assert AuditEvent.objects.filter(action="contract.document_tampered").exists()


def test_one_slot_is_signed_once(parties):
    second_owner = MembershipFactory(
        group=parties["contract"].group, role=Role.OWNER_ADMINISTRATIVE, municipality=municipality("5612")
    ).user
    sign(parties["contract"], parties["owner"])
    with pytest.raises(ValidationError, match="allerede signert som kulturskoleeier av Ánte Mikkel Gaup"):
        sign(parties["contract"], second_owner)


def test_only_the_required_roles_sign(parties):
    with pytest.raises(ValidationError, match="ikke blant dem som skal signere"):
        sign(parties["contract"], parties["teacher"])


def test_in_a_group_of_several_municipalities_each_signs_its_own_contract():
    group = MunicipalityGroupFactory(municipalities=[municipality("1841"), municipality("1840")])
    owner_fauske, _ = signatories(group, "1841")
    fauske = ContractFactory(group=group, municipality=municipality("1841"))
    saltdal = ContractFactory(group=group, municipality=municipality("1840"))
    contract_send(contract=fauske)
    contract_send(contract=saltdal)
    sign(fauske, owner_fauske, "Fauske")
    with pytest.raises(ValidationError, match="ikke blant dem som skal signere"):
        sign(saltdal, owner_fauske, "Fauske")


# Transitions


def test_a_countersigned_contract_waits_for_its_period_before_it_is_in_force(parties):
    portfolio = parties["contract"].group.portfolio
    portfolio.agreement_start = timezone.localdate() + timedelta(days=30)
    portfolio.save(update_fields=["agreement_start"])
    for person in ("owner", "leader", "programme_leader"):
        sign(parties["contract"], parties[person])
    contracts_render_due()
    assert Contract.objects.get().status == Contract.Status.COUNTERSIGNED

    assert contracts_put_in_force(today=portfolio.agreement_start - timedelta(days=1)) == 0
    assert contracts_put_in_force(today=portfolio.agreement_start) == 1
    assert Contract.objects.get().status == Contract.Status.IN_FORCE
    assert AuditEvent.objects.filter(action="contract.in_force", object_id=str(parties["contract"].pk)).count() == 1


def test_a_terminated_contract_cannot_be_sent_or_signed(parties):
    contract = contract_terminate(
        contract=parties["contract"], terminated_on=date(2026, 3, 1), reason="Kommunen trakk seg.", actor=None
    )
    assert (contract.status, contract.terminated_on) == (Contract.Status.TERMINATED, date(2026, 3, 1))
    with pytest.raises(ValidationError, match="er «avsluttet» og kan ikke signeres nå"):
        sign(contract, parties["owner"])
    with pytest.raises(ValidationError, match="er «avsluttet» og kan ikke bli «avsluttet»"):
        contract_terminate(contract=contract, terminated_on=date(2026, 3, 2), reason="Igjen.", actor=None)
    with pytest.raises(ValidationError, match="Oppgi hvorfor"):
        contract_terminate(contract=contract, terminated_on=date(2026, 3, 2), reason=" ", actor=None)


def test_a_contract_in_force_cannot_take_an_upload(signed_contract):
    with pytest.raises(ValidationError, match="er «i kraft» og kan ikke bli «kontrasignert»"):
        contract_upload_signed(contract=signed_contract["contract"], content=blank_pdf(), actor=None)


# Reminders


def test_the_reminder_goes_once_a_week_after_sending_and_only_to_those_who_have_not_signed(
    parties, django_capture_on_commit_callbacks
):
    sign(parties["contract"], parties["owner"])
    deliver_outbox()
    mail.outbox.clear()
    sent_at = parties["contract"].sent_at
    with django_capture_on_commit_callbacks(execute=True):
        assert contract_reminders_send(now=sent_at + timedelta(days=6)) == 0
        assert contract_reminders_send(now=sent_at + timedelta(days=7, minutes=1)) == 1
        assert contract_reminders_send(now=sent_at + timedelta(days=14)) == 0
    sent = deliver_outbox()
    assert [m.to for m in sent] == [[parties["leader"].email]]
    assert "Påminnelse" in sent[0].subject
    assert Contract.objects.get().reminded_at is not None


def test_without_redis_the_command_sends_the_reminder_once(parties, django_capture_on_commit_callbacks):
    Contract.objects.filter(pk=parties["contract"].pk).update(reminder_due_at=timezone.now() - timedelta(minutes=1))
    deliver_outbox()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_due_reminders")
        call_command("send_due_reminders")
    assert sorted(m.to[0] for m in mail.outbox) == sorted([parties["owner"].email, parties["leader"].email])
    assert all("Påminnelse" in m.subject for m in mail.outbox)


def test_the_scheduled_task_is_in_the_beat_schedule(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["contracts-reminders"]
    assert entry["task"] == "contracts.tasks.contract_reminders_task"


# Downloads and uploads through the pages


def test_the_municipality_downloads_the_stored_pdf_without_a_new_render(client, signed_contract, monkeypatch):
    contract = signed_contract["contract"]
    # WeasyPrint itself, whichever module imported render_pdf.
    monkeypatch.setattr("weasyprint.HTML.write_pdf", lambda *a, **k: pytest.fail("downloads never render"))
    client.force_login(signed_contract["owner"])

    response = client.get(reverse("contracts:signed_pdf", args=[contract.pk]))

    assert response.status_code == 200
    content = b"".join(response.streaming_content)
    assert storage.sha256_hex(content) == contract.final_document.sha256
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="kontrakt-guovdageaidnu-2026-signert.pdf"'


def test_a_tampered_stored_pdf_is_refused_and_logged(client, signed_contract):
    contract = signed_contract["contract"]
    content = stored(contract.final_document)
    replace_stored(contract.final_document.path, content.replace(b"Guovdageaidnu", b"Guovdageaidnx", 1) + b"\n")
    client.force_login(signed_contract["leader"])

    response = client.get(reverse("contracts:signed_pdf", args=[contract.pk]))

    assert response.status_code == 409
    assert "stemmer ikke med kontrollsummen" in response.content.decode()
    event = AuditEvent.objects.get(action="contract.document_tampered")
    assert event.actor == signed_contract["leader"]
    assert event.object_id == str(contract.pk)


def test_the_programme_leader_uploads_a_contract_signed_on_paper(client, parties):
    contract = parties["contract"]
    sign(contract, parties["owner"])  # one signature came through the portal before the paper copy
    client.force_login(parties["programme_leader"])
    pdf = blank_pdf()
    upload = io.BytesIO(pdf)
    upload.name = "signert.pdf"

    response = client.post(reverse("contracts:upload", args=[contract.pk]), {"file": upload})

    assert response.status_code == 302
    contract.refresh_from_db()
    assert contract.status == Contract.Status.IN_FORCE
    assert contract.final_document.kind == ContractDocument.Kind.UPLOADED
    assert stored(contract.final_document) == pdf
    event = AuditEvent.objects.get(action="contract.uploaded")
    assert event.payload["portal_signatures_replaced"] == ["owner"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"Hei, dette er ikke en PDF", "Filen er ikke en PDF."),
        (b"%PDF-1.7\nikke noe mer", "PDF-en kan ikke leses."),
        (b"%PDF-" + b"0" * 2000, "Filen er for stor. Den kan være på høyst 0 MB."),
    ],
)
def test_an_upload_that_is_not_a_readable_pdf_within_the_limit_is_refused(client, parties, settings, content, message):
    settings.CONTRACT_UPLOAD_MAX_BYTES = 1000
    client.force_login(parties["programme_leader"])
    upload = io.BytesIO(content)
    upload.name = "kontrakt.pdf"

    response = client.post(reverse("contracts:upload", args=[parties["contract"].pk]), {"file": upload})

    assert response.status_code == 200
    assert message in response.content.decode()
    assert Contract.objects.get().status == Contract.Status.SENT


def test_the_sign_page_keeps_what_was_typed_on_error(client, parties):
    contract = parties["contract"]
    client.force_login(parties["owner"])
    response = client.post(
        reverse("contracts:sign", args=[contract.pk]),
        {"full_name": "Noen Andre", "place": "Guovdageaidnu", "document_sha256": contract.signing_document.sha256},
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Skriv navnet ditt slik det står i profilen din: Ánte Mikkel Gaup." in page
    assert "Kryss av for at du har lest kontrakten" in page
    assert 'value="Guovdageaidnu"' in page and 'value="Noen Andre"' in page


def test_signing_through_the_page(client, parties):
    contract = parties["contract"]
    client.force_login(parties["owner"])
    page = client.get(contract.get_absolute_url()).content.decode()
    assert contract.signing_document.sha256 in page

    response = client.post(
        reverse("contracts:sign", args=[contract.pk]),
        {
            "full_name": "ánte mikkel gaup",
            "place": "Guovdageaidnu",
            "confirm": "on",
            "document_sha256": contract.signing_document.sha256,
        },
        HTTP_USER_AGENT="Testnettleser",
        REMOTE_ADDR="192.0.2.7",
    )
    assert response.status_code == 302
    signature = Signature.objects.get()
    assert (signature.user_agent, signature.ip_address, signature.slot) == ("Testnettleser", "192.0.2.7", SLOT_OWNER)


def test_the_sign_page_says_plainly_when_the_document_changed(client, parties):
    client.force_login(parties["leader"])
    response = client.post(
        reverse("contracts:sign", args=[parties["contract"].pk]),
        {"full_name": "Sárá Marja Hætta", "place": "Guovdageaidnu", "confirm": "on", "document_sha256": "f" * 64},
        follow=True,
    )
    assert "Kontrakten du så, er ikke den som ligger til signering." in response.content.decode()
    assert not Signature.objects.filter(slot=SLOT_LEADER).exists()


def test_the_programme_leader_terminates_a_contract_with_date_and_reason(client, parties):
    client.force_login(parties["programme_leader"])
    url = reverse("contracts:terminate", args=[parties["contract"].pk])
    response = client.post(url, {"terminated_on": "2026-04-01", "reason": ""})
    assert "Oppgi hvorfor kontrakten avsluttes." in response.content.decode()
    response = client.post(url, {"terminated_on": "2026-04-01", "reason": "Kommunen trakk seg."})
    assert response.status_code == 302
    assert Contract.objects.get().termination_reason == "Kommunen trakk seg."


# The verify page


def _verify(client, content):
    upload = io.BytesIO(content)
    upload.name = "kontroll.pdf"
    return client.post(reverse("contracts:verify"), {"file": upload}).content.decode()


def test_the_verify_page_recognises_an_unaltered_contract_and_names_it_to_those_who_may_see_it(client, signed_contract):
    contract = signed_contract["contract"]
    content = stored(contract.final_document)
    client.force_login(signed_contract["owner"])
    page = _verify(client, content)
    assert "Ja, dette er en uendret, signert kontrakt fra arkivet." in page
    assert contract.get_absolute_url() in page

    client.force_login(MembershipFactory().user)  # a member of another group
    page = _verify(client, content)
    assert "Ja, dette er en uendret, signert kontrakt fra arkivet." in page
    assert contract.get_absolute_url() not in page
    assert "Du har ikke tilgang til å se hvilken kontrakt det er." in page

    page = _verify(client, content + b"\n")
    assert "Nei, filen finnes ikke blant kontraktene i arkivet." in page


def test_the_copy_sent_for_signing_is_not_taken_for_a_signed_contract(client, signed_contract):
    contract = signed_contract["contract"]
    client.force_login(MembershipFactory().user)  # a member of another group
    page = _verify(client, stored(contract.signing_document))
    assert "ikke en signert kontrakt" in page
    assert "Ja, dette er" not in page
    assert contract.get_absolute_url() not in page


# What is signed is what was sent


def test_later_edits_of_the_template_or_the_period_do_not_change_the_contract_that_was_sent(
    parties, django_capture_on_commit_callbacks
):
    contract = parties["contract"]
    template = contract.group.portfolio.programme.contract_template
    template.body = "Partene har IKKE inngått noen avtale."
    template.signatories = template.Signatories.DIRECTOR_AND_LEADER
    template.save()
    portfolio = contract.group.portfolio
    sent_period_end = portfolio.agreement_end.year
    portfolio.agreement_end = portfolio.agreement_end.replace(year=sent_period_end + 5)
    portfolio.save(update_fields=["agreement_end"])

    with django_capture_on_commit_callbacks(execute=True):
        sign(contract, parties["owner"], "Guovdageaidnu")  # the kulturskoleeier's slot, as sent
        sign(contract, parties["leader"], "Guovdageaidnu")
        sign(contract, parties["programme_leader"], "Trondheim")
        contracts_render_due()
    contract.refresh_from_db()
    final = pdf_text(stored(contract.final_document))
    assert "IKKE" not in final
    assert "Guovdageaidnu (Kautokeino) kommune" in final
    assert str(sent_period_end) in final
    assert str(sent_period_end + 5) not in final


# Foundation document and fees


def test_the_foundation_document_pdf_has_its_sections_the_plan_with_weeks_and_the_contract_form(client):
    template = ContractTemplateFactory()
    portfolio = PortfolioFactory(programme=template.programme)
    FoundationSectionFactory(portfolio=portfolio, heading="Formål", text="Avtaleperioden er {avtaleperiode}.")
    PlanItemFactory(portfolio=portfolio, title="Kontraktsmøte", week_from=date(2026, 2, 2), week_to=date(2026, 2, 9))
    member = MembershipFactory(group=MunicipalityGroupFactory(portfolio=portfolio)).user
    client.force_login(member)

    response = client.get(reverse("contracts:foundation_pdf", args=[portfolio.pk]))

    assert response.status_code == 200
    content = b"".join(response.streaming_content)
    assert_printed_with_the_print_stylesheet(content)
    text = pdf_text(content)
    assert "1. Formål" in text
    assert "Avtaleperioden er 01.01.2026–20.06.2027." in text
    assert "Plan for gjennomføring" in text
    assert "Kontraktsmøte" in text and "6/7" in text
    assert "________________________ kommune" in text
    assert "for perioden januar 2026 - juni 2027" in text


@pytest.mark.parametrize(
    ("total", "parts", "expected"),
    [(20000, 3, [6667, 6667, 6666]), (20000, 1, [20000]), (10001, 2, [5001, 5000]), (0, 3, [0, 0, 0])],
)
def test_fee_parts_add_up_to_the_fee_exactly(total, parts, expected):
    assert fee_parts(total, parts) == expected
    assert sum(fee_parts(total, parts)) == total


def test_the_fee_export_has_one_row_per_municipality_and_instalment(client):
    portfolio = PortfolioFactory(programme=FremtidensTemplateFactory().programme)
    MunicipalityGroupFactory(portfolio=portfolio, municipalities=[municipality("5006"), municipality("5041")])
    MunicipalityGroupFactory(
        portfolio=portfolio, municipalities=[municipality("5612")], status=MunicipalityGroup.Status.APPLIED
    )
    for order, (title, form, day) in enumerate(
        [
            ("Fellessamling 1", "physical", date(2024, 9, 24)),
            ("Fellessamling 2", "digital", date(2024, 11, 26)),
            ("Fellessamling 3", "physical", date(2025, 2, 12)),
            ("Fellessamling 5", "physical", date(2025, 9, 11)),
        ]
    ):
        PlanItemFactory(portfolio=portfolio, order=order, title=title, kind="gathering", format=form, starts_on=day)
    contracts_generate(portfolio=portfolio)
    client.force_login(ProgrammeLeaderFactory())

    response = client.get(reverse("contracts:fee_export", args=[portfolio.pk]))

    lines = response.content.decode("utf-8-sig").strip().splitlines()
    assert lines[0] == "Kommunenummer;Kommune;Kommunegruppe;Faktura;Av;Beløp (kr);Faktureres etter;Kontraktstatus"
    rows = [line.split(";") for line in lines[1:]]
    assert len(rows) == 6
    for number in ("5006", "5041"):
        amounts = [int(r[5]) for r in rows if r[0] == number]
        assert amounts == [6667, 6667, 6666] and sum(amounts) == 20000
        assert [r[6] for r in rows if r[0] == number] == [
            "Fellessamling 1 (24.09.2024)",
            "Fellessamling 3 (12.02.2025)",
            "Fellessamling 5 (11.09.2025)",
        ]
    assert rows[0][7] == "Utkast"
    assert response["Content-Disposition"].startswith('attachment; filename="deltakeravgift-fremtidens-kulturskole')


def test_a_programme_without_a_fee_has_no_fee_export(client):
    portfolio = PortfolioFactory()
    client.force_login(ProgrammeLeaderFactory())
    assert client.get(reverse("contracts:fee_export", args=[portfolio.pk])).status_code == 404


# The admin action


def test_the_admin_action_generates_and_sends_every_contract_of_a_portfolio(client, django_capture_on_commit_callbacks):
    template = ContractTemplateFactory()
    portfolio = PortfolioFactory(programme=template.programme)
    group = MunicipalityGroupFactory(portfolio=portfolio, municipalities=[municipality("1841"), municipality("1840")])
    signatories(group, "1841")
    signatories(group, "1840")
    client.force_login(ProgrammeLeaderFactory())

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:contracts_portfoliocontracts_changelist"),
            {"action": "generate_and_send", "_selected_action": [portfolio.pk]},
            follow=True,
        )

    assert response.status_code == 200
    assert "2 nye kontrakter; 2 sendes til signering" in response.content.decode()
    # Queued, not sent: the background job renders and sends them.
    assert set(Contract.objects.values_list("status", flat=True)) == {Contract.Status.DRAFT}
    assert not ContractDocument.objects.exists()
    assert contracts_render_due() == 2
    assert set(Contract.objects.values_list("status", flat=True)) == {Contract.Status.SENT}
    assert mail.outbox == []
    assert len(deliver_outbox()) == 4


def test_the_admin_action_says_so_when_the_programme_has_no_template(client):
    portfolio = PortfolioFactory()
    MunicipalityGroupFactory(portfolio=portfolio)
    client.force_login(ProgrammeLeaderFactory())
    response = client.post(
        reverse("admin:contracts_portfoliocontracts_changelist"),
        {"action": "generate_and_send", "_selected_action": [portfolio.pk]},
        follow=True,
    )
    assert "har ingen kontraktmal ennå" in response.content.decode()
    assert not Contract.objects.exists()


# The group page and query budgets


def test_the_group_page_lists_the_groups_contracts(client, signed_contract):
    contract = signed_contract["contract"]
    client.force_login(signed_contract["owner"])
    page = client.get(contract.group.get_absolute_url()).content.decode()
    assert "Kontrakt for Guovdageaidnu" in page
    assert reverse("contracts:signed_pdf", args=[contract.pk]) in page
    assert "I kraft" in page


def _group_with_contracts(numbers):
    group = MunicipalityGroupFactory(municipalities=[municipality(n) for n in numbers])
    for number in numbers:
        owner, _leader = signatories(group, number)
        ContractFactory(group=group, municipality=municipality(number))
    return group, owner


def test_the_group_page_does_not_query_more_with_more_contracts(client):
    small, small_member = _group_with_contracts(["1804"])
    big, big_member = _group_with_contracts(["1841", "1840", "1845"])
    client.force_login(small_member)
    with CaptureQueriesContext(connection) as few:
        client.get(small.get_absolute_url())
    client.force_login(big_member)
    with CaptureQueriesContext(connection) as many:
        client.get(big.get_absolute_url())
    assert len(many) == len(few)


def test_the_contract_page_has_a_fixed_query_budget(client, parties, django_assert_num_queries):
    contract = parties["contract"]
    client.force_login(parties["owner"])
    client.get(contract.get_absolute_url())  # warms the session
    # 1 session, 2 user, 3 the user's staff roles, 4 the contract with group, portfolio, programme, template,
    # municipality and documents, 5 the group's memberships with users, 6 the number of the group's
    # municipalities, 7 the signatures with their users.
    with django_assert_num_queries(7):
        assert client.get(contract.get_absolute_url()).status_code == 200


def test_a_download_costs_five_queries_and_no_render(client, parties, django_assert_num_queries, monkeypatch):
    contract = parties["contract"]
    client.force_login(parties["owner"])
    client.get(contract.get_absolute_url())  # warms the session
    monkeypatch.setattr("contracts.services.render_pdf", lambda *args, **kwargs: pytest.fail("rendered again"))
    # 1 session, 2 user, 3 the user's staff roles, 4 the contract with its municipality, portfolio and the
    # document, 5 the audit event of the download.
    with django_assert_num_queries(5):
        response = client.get(reverse("contracts:signing_pdf", args=[contract.pk]))
    assert b"".join(response.streaming_content) == stored(contract.signing_document)


def test_signatures_and_organisation_slot_are_listed_on_the_contract_page(client, signed_contract):
    client.force_login(signed_contract["programme_leader"])
    page = client.get(signed_contract["contract"].get_absolute_url()).content.decode()
    assert "Åste Selnæs Domaas" in page and "Trondheim" in page
    assert Signature.objects.filter(slot=SLOT_ORGANISATION).count() == 1


def test_a_mail_server_that_refuses_leaves_the_contract_sent_and_the_email_waiting_in_the_outbox(parties, monkeypatch):
    def refuse(*args, **kwargs):
        raise ConnectionRefusedError("SMTP-tjeneren svarer ikke")

    monkeypatch.setattr("django.core.mail.backends.locmem.EmailBackend.send_messages", refuse)

    assert deliver_outbox() == []

    assert Contract.objects.get().status == Contract.Status.SENT
    emails = Email.objects.filter(template="contracts/email/sent")
    assert {(e.status, e.attempts) for e in emails} == {(Email.Status.PENDING, 1)}
    assert all("SMTP-tjeneren svarer ikke" in e.last_error for e in emails)
    # Tried again later by the outbox, and at last marked failed for the programme leader to see there.
    monkeypatch.setattr("django.conf.settings.EMAIL_MAX_ATTEMPTS", 1)
    Email.objects.update(due_at=timezone.now())
    deliver_outbox()
    assert set(emails.values_list("status", flat=True)) == {Email.Status.FAILED}


# Municipalities with two names (issue 12)


def test_the_contract_email_and_pdf_name_aarborte_by_both_names(django_capture_on_commit_callbacks):
    aarborte = municipality("1826")
    group = MunicipalityGroupFactory(municipalities=[aarborte])
    owner, _leader = signatories(group, "1826")
    contract = ContractFactory(group=group)
    with django_capture_on_commit_callbacks(execute=True):
        contract_send(contract=contract)
    contract.refresh_from_db()

    sent = next(m for m in deliver_outbox() if m.to == [owner.email])
    assert sent.subject.startswith("Kontrakt til signering: Aarborte (Hattfjelldal) kommune")
    assert "Kontrakten mellom Aarborte (Hattfjelldal) kommune og Norsk kulturskoleråd" in sent.body

    text = pdf_text(stored(contract.signing_document))
    assert "Aarborte (Hattfjelldal) kommune" in text
    assert "Kommune: Aarborte (Hattfjelldal)" in text


@pytest.mark.parametrize(
    ("make_pdf", "message"),
    [
        (open_action_javascript_pdf, "PDF-en inneholder JavaScript"),
        (javascript_in_object_stream_pdf, "PDF-en inneholder JavaScript"),
        (lambda: compression_bomb_pdf(gigabytes=1), "PDF-en pakker seg ut til mer enn"),
    ],
    ids=["open-action-javascript", "javascript-in-object-stream", "compression-bomb"],
)
@pytest.mark.parametrize("url_name", ["contracts:upload", "contracts:verify"])
def test_a_pdf_that_acts_when_opened_or_is_a_bomb_is_refused(client, parties, make_pdf, message, url_name):
    client.force_login(parties["programme_leader"])
    upload = io.BytesIO(make_pdf())
    upload.name = "kontrakt.pdf"
    args = [parties["contract"].pk] if url_name == "contracts:upload" else []

    response = client.post(reverse(url_name, args=args), {"file": upload})

    assert response.status_code == 200
    assert message in response.content.decode()
    assert Contract.objects.get().status == Contract.Status.SENT
    assert not AuditEvent.objects.filter(action__in=["contract.uploaded", "contract.verified"]).exists()


def test_the_portals_own_contract_pdf_passes_the_upload_check(parties):
    document = parties["contract"].documents.get()
    pdf_refuse_unsafe(storage.read_verified(document.path, document.sha256))


def test_the_signed_by_all_email_goes_to_each_municipal_signatory_once_with_the_signed_pdf(signed_contract, client):
    contract = signed_contract["contract"]
    completed = Email.objects.filter(template="contracts/email/completed")
    # The programme leader countersigned, so they are the one who completed it and are not told.
    assert sorted(completed.values_list("to", flat=True)) == sorted(
        [signed_contract["owner"].email, signed_contract["leader"].email]
    )
    pdf_path = reverse("contracts:signed_pdf", kwargs={"pk": contract.pk})
    email = completed.get(to=signed_contract["owner"].email)
    assert f"{settings.SITE_URL}{pdf_path}" in email.body
    assert f"{settings.SITE_URL}{contract.get_absolute_url()}" in email.body

    # The link is the signed PDF, for the signatory it was sent to.
    client.force_login(signed_contract["owner"])
    response = client.get(pdf_path)
    assert response.status_code == 200
    pdf = PdfReader(io.BytesIO(b"".join(response.streaming_content)))
    assert "Ánte Mikkel Gaup" in "".join(page.extract_text() for page in pdf.pages)
