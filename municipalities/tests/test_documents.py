"""The group's documents (issue 16): what a file is, told from its content; sharing, new versions, taking a
document down and the audit of each; the pages and the download; the list's query count."""

import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import AuditEvent
from accounts.tests.factories import ProgrammeLeaderFactory
from core import storage
from core.file_types import check_upload, detect_file_type
from municipalities.documents import group_document_check
from municipalities.models import GroupDocument, GroupDocumentVersion
from municipalities.services import group_document_add_version, group_document_hide

from .documents import (
    ACCEPTED,
    EXE,
    HTML,
    document,
    docx_with_hidden_macros,
    fake_jpeg,
    macro_docx,
    pdf_bytes,
    plain_zip,
    png_declaring,
    zip_bomb,
)
from .factories import MembershipFactory, MunicipalityGroupFactory

# --- What a file is ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "content", "key"), ACCEPTED, ids=[row[0] for row in ACCEPTED])
def test_each_accepted_type_is_recognised_by_its_content(name, content, key):
    assert detect_file_type(content).key == key
    assert check_upload(content, name=name).key == key
    # The name's case does not matter, only its ending.
    assert check_upload(content, name=name.upper()).key == key


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("program.pdf", EXE, "Filtypen kan ikke lastes opp."),
        ("side.pdf", HTML, "Filtypen kan ikke lastes opp."),
        ("referat.docx", ACCEPTED[7][1], "Filen heter «referat.docx», men innholdet er et PNG-bilde."),
        ("bilder.docx", plain_zip(), "Filen er en zip-fil, men ikke et Office-dokument."),
        ("plan.exe", pdf_bytes(), "Filen heter «plan.exe», men innholdet er en PDF."),
        ("plan", pdf_bytes(), "Filen heter «plan», men innholdet er en PDF."),
        ("makro.docx", macro_docx(), "Office-dokumenter med makroer kan ikke lastes opp."),
        ("skjult.docx", docx_with_hidden_macros(), "Office-dokumenter med makroer kan ikke lastes opp."),
        ("foto.jpg", fake_jpeg(), "Filen kan ikke leses."),
        ("kuttet.png", ACCEPTED[7][1][:-20], "Filen kan ikke leses."),
        ("stort.png", png_declaring(20000, 20000), "Filen pakker seg ut til langt mer enn et vanlig dokument"),
        ("knust.pdf", b"%PDF-1.7\nikke en pdf", "PDF-en kan ikke leses."),
        ("knust.docx", b"PK\x03\x04" + b"\x00" * 40, "Filen kan ikke leses."),
        ("aktiv.pdf", pdf_bytes().replace(b"/Title", b"/JavaScript"), "PDF-en inneholder JavaScript"),
    ],
    ids=[
        "exe-as-pdf",
        "html-as-pdf",
        "png-as-docx",
        "zip-not-office",
        "pdf-as-exe",
        "no-extension",
        "macros",
        "macros-under-another-name",
        "magic-bytes-then-garbage-as-jpeg",
        "truncated-png",
        "image-declaring-400-megapixels",
        "broken-pdf",
        "broken-zip",
        "pdf-with-javascript",
    ],
)
def test_a_file_that_lies_about_its_type_is_refused_in_norwegian(name, content, message):
    with pytest.raises(ValidationError) as refused:
        check_upload(content, name=name)
    assert message in refused.value.messages[0]


def test_a_zip_bomb_is_refused_from_its_central_directory_without_inflating_it(monkeypatch):
    bomb = zip_bomb()
    assert len(bomb) < 2 * 1024 * 1024
    # Nothing may be read out of the archive: the declared sizes alone refuse it.
    monkeypatch.setattr(zipfile.ZipFile, "open", lambda *a, **k: pytest.fail("an entry was opened"))
    with pytest.raises(ValidationError) as refused:
        detect_file_type(bomb)
    assert "pakker seg ut til langt mer" in refused.value.messages[0]


def test_a_manifest_that_lies_about_its_size_is_read_no_further_than_the_cap():
    # A [Content_Types].xml that declares 10 bytes but holds 5 MB: zipfile stops at the CRC, never past the cap.
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", b"<" + b" " * (5 * 1024 * 1024))
    data = bytearray(out.getvalue())
    # Patch the uncompressed size in the central directory (offset 24 of the entry) to 10.
    central = data.rfind(b"PK\x01\x02")
    data[central + 24 : central + 28] = (10).to_bytes(4, "little")
    with pytest.raises(ValidationError):
        detect_file_type(bytes(data))


def test_an_oversize_file_is_refused_before_its_type_is_looked_at(settings):
    settings.GROUP_DOCUMENT_MAX_BYTES = 1000
    with pytest.raises(ValidationError) as refused:
        group_document_check(name="stor.pdf", content=pdf_bytes() + b"\x00" * 1000)
    assert refused.value.code == "too_large"
    assert refused.value.messages[0].startswith("Filen er for stor. Den kan være på høyst")


# --- Sharing, versions and taking down ---------------------------------------------------------------------


@pytest.fixture
def group(db):
    return MunicipalityGroupFactory()


def test_sharing_stores_the_bytes_privately_with_their_hash_and_audits_it(group):
    member = MembershipFactory(group=group).user
    shared = document(group, member, title="  Plan   for  høsten ")
    version = shared.latest
    assert shared.title == "Plan for høsten"
    assert (version.number, version.file_type, version.uploaded_by) == (1, "pdf", member)
    assert version.path.startswith(f"group_documents/{group.pk}/{shared.pk}/") and version.path.endswith(".pdf")
    assert storage.read_verified(version.path, version.sha256) == pdf_bytes("  Plan   for  høsten ")
    event = AuditEvent.objects.get(action="group_document.uploaded")
    assert (event.actor, event.group_id, event.payload["sha256"]) == (member, group.pk, version.sha256)


def test_a_new_version_keeps_the_older_ones_and_becomes_the_newest(group):
    member = MembershipFactory(group=group).user
    shared = document(group, member, versions=3)
    assert list(shared.versions.values_list("number", flat=True)) == [3, 2, 1]
    assert shared.latest.number == 3
    assert len({v.path for v in shared.versions.all()}) == 3
    assert AuditEvent.objects.filter(action="group_document.version_uploaded").count() == 2


def test_a_document_taken_down_leaves_the_list_but_keeps_its_files(group):
    member = MembershipFactory(group=group).user
    shared = document(group, member)
    group_document_hide(document=shared, user=member)
    group_document_hide(document=shared, user=member)  # a second time changes nothing
    shared.refresh_from_db()
    assert shared.hidden_by == member and shared.hidden_at is not None
    assert not GroupDocument.objects.visible_to(member).exists()
    assert storage.private_storage().exists(shared.latest.path)
    assert AuditEvent.objects.filter(action="group_document.hidden").count() == 1
    with pytest.raises(ValidationError):
        group_document_add_version(
            document=shared, upload=group_document_check(name="a.pdf", content=pdf_bytes()), user=member
        )


# --- The pages ---------------------------------------------------------------------------------------------


def _upload(name, content, content_type="application/pdf"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def test_a_member_uploads_and_sees_it_listed_with_who_when_type_and_size(client, group):
    member = MembershipFactory(group=group).user
    client.force_login(member)
    url = reverse("municipalities:documents", kwargs={"group_pk": group.pk})
    response = client.post(url, {"title": "Referat", "file": _upload("referat.docx", ACCEPTED[1][1], "text/plain")})
    assert response.status_code == 302
    version = GroupDocumentVersion.objects.get()
    # The browser said text/plain; the content says Word, and that is what is kept.
    assert version.file_type == "docx" and version.original_name == "referat.docx"
    page = client.get(url).content.decode()
    assert "Referat" in page and "Word-dokument" in page and member.full_name in page


def test_a_file_that_lies_is_refused_on_the_page_and_the_title_is_kept(client, group):
    client.force_login(MembershipFactory(group=group).user)
    url = reverse("municipalities:documents", kwargs={"group_pk": group.pk})
    response = client.post(url, {"title": "Årsplan for Bodø", "file": _upload("aarsplan.pdf", HTML)})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Filtypen kan ikke lastes opp." in page
    assert 'value="Årsplan for Bodø"' in page
    assert not GroupDocument.objects.exists()


def test_an_oversize_upload_is_refused_on_the_page(client, group, settings):
    settings.GROUP_DOCUMENT_MAX_BYTES = 2 * 1024 * 1024
    client.force_login(MembershipFactory(group=group).user)
    url = reverse("municipalities:documents", kwargs={"group_pk": group.pk})
    big = pdf_bytes() + b"\x00" * (2 * 1024 * 1024)
    response = client.post(url, {"title": "Stor", "file": _upload("stor.pdf", big)})
    assert "Filen er for stor. Den kan være på høyst 2 MB." in response.content.decode()
    assert not GroupDocument.objects.exists()


def test_the_download_is_an_attachment_with_the_type_its_content_has(client, group):
    member = MembershipFactory(group=group).user
    shared = document(group, member, title="Bodø: plan for høsten", versions=2)
    client.force_login(member)
    response = client.get(reverse("municipalities:document_download", kwargs={"pk": shared.pk, "number": 1}))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="bodo-plan-for-hosten-v1.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response.content == pdf_bytes("Bodø: plan for høsten")


def test_an_image_is_served_as_an_attachment_never_inline(client, group):
    member = MembershipFactory(group=group).user
    client.force_login(member)
    url = reverse("municipalities:documents", kwargs={"group_pk": group.pk})
    client.post(url, {"title": "Bilde", "file": _upload("bilde.png", ACCEPTED[7][1], "text/html")})
    shared = GroupDocument.objects.get()
    response = client.get(reverse("municipalities:document_download", kwargs={"pk": shared.pk, "number": 1}))
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("attachment;")


def test_a_changed_file_is_refused_and_logged(client, group):
    member = MembershipFactory(group=group).user
    shared = document(group, member)
    GroupDocumentVersion.objects.filter(pk=shared.latest_id).update(sha256="0" * 64)
    client.force_login(member)
    response = client.get(reverse("municipalities:document_download", kwargs={"pk": shared.pk, "number": 1}))
    assert response.status_code == 409
    assert AuditEvent.objects.filter(action="group_document.tampered", group_id=group.pk).exists()


def test_a_new_version_through_the_page(client, group):
    member = MembershipFactory(group=group).user
    shared = document(group, member)
    client.force_login(member)
    url = reverse("municipalities:document_version_new", kwargs={"pk": shared.pk})
    assert "blir versjon 2" in client.get(url).content.decode()
    response = client.post(url, {"file": _upload("ny.png", ACCEPTED[7][1])})
    assert response.status_code == 302
    shared.refresh_from_db()
    assert (shared.latest.number, shared.latest.file_type) == (2, "png")
    page = client.get(reverse("municipalities:documents", kwargs={"group_pk": group.pk})).content.decode()
    assert "Tidligere versjoner (1)" in page
    assert reverse("municipalities:document_download", kwargs={"pk": shared.pk, "number": 1}) in page


def test_the_uploader_and_staff_may_take_a_document_down_other_members_may_not(client, group):
    uploader = MembershipFactory(group=group).user
    other = MembershipFactory(group=group).user
    shared = document(group, uploader)
    url = reverse("municipalities:document_hide", kwargs={"pk": shared.pk})
    client.force_login(other)
    assert client.post(url).status_code == 404
    list_page = client.get(reverse("municipalities:documents", kwargs={"group_pk": group.pk})).content.decode()
    assert url not in list_page
    for who in (group.adviser, ProgrammeLeaderFactory(), uploader):
        client.force_login(who)
        assert client.get(url).status_code == 200
    response = client.post(url)
    assert response.status_code == 302
    shared.refresh_from_db()
    assert shared.hidden_by == uploader
    assert client.get(url).status_code == 404


def test_the_group_page_links_to_its_documents(client, group):
    client.force_login(MembershipFactory(group=group).user)
    page = client.get(group.get_absolute_url()).content.decode()
    assert reverse("municipalities:documents", kwargs={"group_pk": group.pk}) in page


@pytest.mark.parametrize("extra", [0, 10])
def test_the_list_costs_no_query_per_document_or_version(client, group, extra, django_assert_num_queries):
    member = MembershipFactory(group=group).user
    document(group, member, title="Det første")
    # Shared by others, so that whether the member may take each down is asked of every row.
    for number in range(extra):
        document(group, MembershipFactory(group=group).user, title=f"Dokument {number}", versions=3)
    client.force_login(member)
    url = reverse("municipalities:documents", kwargs={"group_pk": group.pk})
    client.get(url)
    # session, user, staff roles; the group (with portfolio, programme and adviser), its municipalities, its
    # memberships; the documents with their newest version and uploaders, and all their versions with theirs.
    with django_assert_num_queries(8):
        response = client.get(url)
    assert response.content.decode().count("Tidligere versjoner (2)") == extra
