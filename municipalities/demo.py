"""The demo's municipality data beyond the groups themselves (issue 16), for seed_demo; safe to run again.

`seed_history`: the membership history and continuations — a member who left with a replacement in the same
role, a role change, and how the completed groups go on. `seed_documents`: the groups' documents, and the small
real files they are made of: a PDF (WeasyPrint), a PNG, a Word document and an OpenDocument text, each built
here with the standard library (zipfile, zlib) so that the demo needs no library of its own. The tests use the
same makers for files of every accepted type."""

import io
import struct
import zipfile
import zlib
from datetime import timedelta

from django.contrib.auth.hashers import make_password
from django.utils import timezone
from django.utils.html import escape

from accounts.models import User
from core.pdf import html_to_pdf
from portfolios.models import Portfolio

from .documents import group_document_check
from .models import (
    Continuation,
    GroupDocument,
    GroupDocumentVersion,
    Membership,
    MembershipChange,
    MunicipalityGroup,
    Role,
)
from .services import group_document_add_version, group_document_upload

# (group name, how it goes on, the note): the completed groups of the demo's past portfolios.
CONTINUATIONS = [
    ("Lillehammer", Continuation.NETWORK, "Med i kulturskolenettverket i Innlandet, som møtes to ganger i året."),
    ("Kárášjohka", Continuation.SHARING_ARENA, "Deler arbeidet med samisk kulturarv i Delingsarena."),
    ("Snåase", Continuation.OWN, "Kommunegruppen møtes hvert halvår og reviderer utviklingsplanen."),
    ("Steinkjer", Continuation.NETWORK, "Fortsetter i det regionale nettverket i Trøndelag."),
]


def seed_history(*, current: MunicipalityGroup | None, leader: User) -> None:
    """Bodø's first resource teacher left and Jørgen Å. Nilsen took over; in Fauske og Saltdal Eirin
    Skjærvø came in as «annen deltaker» and became the resource teacher. Then the continuations."""
    today = timezone.localdate()
    if current is not None:
        start = current.portfolio.agreement_start
        left_on = max(start, min(today - timedelta(days=60), start + timedelta(days=120)))
        # Everyone of the portfolio's demo groups has been with it from the start, but for the replacement.
        Membership.objects.filter(group__portfolio=current.portfolio, started_on__gt=start).exclude(
            user__email="laerer.bodo@example.org"
        ).update(started_on=start)
        former, _ = User.objects.get_or_create(
            email="tidligere.laerer.bodo@example.org",
            defaults={"full_name": "Sigrid Ågotnes", "password": make_password(None)},
        )
        Membership.objects.get_or_create(
            user=former,
            group=current,
            defaults={
                "role": Role.RESOURCE_TEACHER,
                "municipality": current.municipalities.first(),
                "started_on": start,
                "ended_on": left_on,
            },
        )
        Membership.objects.filter(group=current, user__email="laerer.bodo@example.org").update(started_on=left_on)
        teacher = Membership.objects.filter(
            group__portfolio=current.portfolio, group__name="Fauske og Saltdal", user__email="laerer.fauske@example.org"
        ).first()
        if teacher is not None and not teacher.changes.exists():
            MembershipChange.objects.create(
                membership=teacher,
                old_role=Role.OTHER,
                new_role=teacher.role,
                changed_on=max(start, min(today, start + timedelta(days=90))),
                changed_by=leader,
            )
    now = timezone.now()
    for name, continuation, note in CONTINUATIONS:
        MunicipalityGroup.objects.filter(name=name, status=MunicipalityGroup.Status.COMPLETED, continuation="").update(
            continuation=continuation, continuation_note=note, continuation_recorded_at=now
        )


def make_png(width: int = 4, height: int = 4, rgb: tuple[int, int, int] = (0, 94, 130)) -> bytes:
    """A real PNG of one colour (RFC 2083: signature, IHDR, IDAT, IEND)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    rows = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def _zip(entries: list[tuple[str, bytes]], *, stored_first: bool = False) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for index, (name, data) in enumerate(entries):
            kind = zipfile.ZIP_STORED if stored_first and index == 0 else zipfile.ZIP_DEFLATED
            archive.writestr(zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0)), data, compress_type=kind)
    return out.getvalue()


def make_docx(paragraphs: list[str]) -> bytes:
    """A minimal Word document (Office Open XML) that Word and LibreOffice open."""
    body = "".join(f"<w:p><w:r><w:t>{escape(text)}</w:t></w:r></w:p>" for text in paragraphs)
    word = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    return _zip(
        [
            (
                "[Content_Types].xml",
                b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                b'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                b'<Default Extension="xml" ContentType="application/xml"/>'
                b'<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-'
                b'officedocument.wordprocessingml.document.main+xml"/></Types>',
            ),
            (
                "_rels/.rels",
                b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                b'relationships/officeDocument" Target="word/document.xml"/></Relationships>',
            ),
            (
                "word/document.xml",
                f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="{word}">'
                f"<w:body>{body}</w:body></w:document>".encode(),
            ),
        ]
    )


def make_odt(paragraphs: list[str]) -> bytes:
    """A minimal OpenDocument text: `mimetype` first and stored, as the format requires."""
    body = "".join(f"<text:p>{escape(text)}</text:p>" for text in paragraphs)
    return _zip(
        [
            ("mimetype", b"application/vnd.oasis.opendocument.text"),
            (
                "content.xml",
                '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
                'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
                'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
                f"<office:body><office:text>{body}</office:text></office:body></office:document-content>".encode(),
            ),
            (
                "META-INF/manifest.xml",
                b'<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
                b'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
                b'<manifest:file-entry manifest:full-path="/" '
                b'manifest:media-type="application/vnd.oasis.opendocument.text"/>'
                b'<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
                b"</manifest:manifest>",
            ),
        ],
        stored_first=True,
    )


def make_pdf(title: str, paragraphs: list[str]) -> bytes:
    """A small tagged PDF, made by WeasyPrint as the portal's own PDFs are."""
    body = "".join(f"<p>{escape(text)}</p>" for text in paragraphs)
    return html_to_pdf(
        f'<html lang="nb"><head><title>{escape(title)}</title></head><body><h1>{escape(title)}</h1>{body}</body></html>'
    )


def _member(group: MunicipalityGroup, role: str) -> User | None:
    membership = group.memberships.filter(role=role).select_related("user").first()
    return membership.user if membership else None


def seed_documents(*, portfolio: Portfolio) -> None:
    """A few documents in each of the portfolio's groups that have a kulturskoleleder: the knowledge base as
    PDF (in two versions), the minutes of a local meeting as a Word document, a photo from a staff meeting,
    and, from the adviser, a summary as OpenDocument text."""
    for group in MunicipalityGroup.objects.filter(portfolio=portfolio).select_related("adviser").order_by("pk"):
        leader = _member(group, Role.LEADER)
        if leader is None or GroupDocument.objects.filter(group=group).exists():
            continue
        name = group.display_name
        base = group_document_upload(
            group=group,
            title="Kunnskapsgrunnlag for kulturskolen",
            upload=group_document_check(
                name="kunnskapsgrunnlag.pdf",
                content=make_pdf(
                    f"Kunnskapsgrunnlag – {name}",
                    ["Elevtall, ventelister og resultater fra brukerundersøkelsen.", "Første utkast."],
                ),
            ),
            user=leader,
        )
        group_document_add_version(
            document=base,
            upload=group_document_check(
                name="kunnskapsgrunnlag-v2.pdf",
                content=make_pdf(
                    f"Kunnskapsgrunnlag – {name}",
                    ["Elevtall, ventelister og resultater fra brukerundersøkelsen.", "Oppdatert etter møte 2."],
                ),
            ),
            user=leader,
        )
        group_document_upload(
            group=group,
            title="Referat fra kommunegruppemøtet",
            upload=group_document_check(
                name="referat-kommunegruppemote.docx",
                content=make_docx(["Referat fra kommunegruppemøtet", "Vi drøftet delmålene for lærerne."]),
            ),
            user=leader,
        )
        group_document_upload(
            group=group,
            title="Bilde fra personalmøtet",
            upload=group_document_check(name="personalmote.png", content=make_png(16, 9)),
            user=leader,
        )
        if group.adviser is not None:
            group_document_upload(
                group=group,
                title="Oppsummering fra veilederen",
                upload=group_document_check(
                    name="oppsummering.odt",
                    content=make_odt(["Oppsummering etter veiledningsmøte 2", "Neste steg: utviklingsplanen."]),
                ),
                user=group.adviser,
            )
        # Spread over the last weeks, so that the list reads as work over time.
        now = timezone.now()
        versions = GroupDocumentVersion.objects.filter(document__group=group).order_by("pk")
        for age, version in enumerate(reversed(list(versions))):
            GroupDocumentVersion.objects.filter(pk=version.pk).update(uploaded_at=now - timedelta(days=3 + 6 * age))
        for age, document in enumerate(GroupDocument.objects.filter(group=group).order_by("-pk")):
            GroupDocument.objects.filter(pk=document.pk).update(created_at=now - timedelta(days=3 + 7 * age))
