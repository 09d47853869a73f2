"""Files of every kind for the tests of the group's documents, and a document made without the upload form."""

import io
import struct
import zipfile
import zlib

from PIL import Image
from pypdf import PdfWriter

from municipalities.demo import _zip, make_docx, make_odt, make_png
from municipalities.documents import group_document_check
from municipalities.models import GroupDocument, MunicipalityGroup
from municipalities.services import group_document_add_version, group_document_upload


def pdf_bytes(marker: str = "Dokument") -> bytes:
    """A one-page PDF from pypdf: far quicker than WeasyPrint, and as real for the checks."""
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_metadata({"/Title": marker})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _ooxml(main: str) -> bytes:
    return _zip(
        [
            (
                "[Content_Types].xml",
                b'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/'
                b'2006/content-types"><Override PartName="/main.xml" ContentType="' + main.encode() + b'"/></Types>',
            ),
            ("main.xml", b"<x/>"),
        ]
    )


def _odf(mimetype: str) -> bytes:
    return _zip([("mimetype", mimetype.encode()), ("content.xml", b"<x/>")], stored_first=True)


def _pillow(format: str) -> bytes:
    """A real 4×4 image written by Pillow: the upload check decodes every pixel, so it must be whole."""
    out = io.BytesIO()
    Image.new("RGB", (4, 4), (0, 94, 130)).save(out, format=format)
    return out.getvalue()


def jpeg_bytes() -> bytes:
    return _pillow("JPEG")


def fake_jpeg() -> bytes:
    """The magic bytes of a JPEG (SOI, APP0 «JFIF») and then anything: what a magic-byte check alone lets in."""
    return b"\xff\xd8\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00" + b"<script>alert(1)</script>" * 20


def png_declaring(width: int, height: int) -> bytes:
    """A small PNG whose header claims `width`×`height` pixels: a decompression bomb in a few bytes."""
    png = make_png(1, 1)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = struct.pack(">I", len(header)) + b"IHDR" + header
    chunk += struct.pack(">I", zlib.crc32(b"IHDR" + header) & 0xFFFFFFFF)
    return png[:8] + chunk + png[8 + len(chunk) :]


OFFICE = "application/vnd.openxmlformats-officedocument"

# One file of each accepted type: (name, content, the type's key).
ACCEPTED = [
    ("plan.pdf", pdf_bytes(), "pdf"),
    ("referat.docx", make_docx(["Referat"]), "docx"),
    ("tall.xlsx", _ooxml(f"{OFFICE}.spreadsheetml.sheet.main+xml"), "xlsx"),
    ("samling.pptx", _ooxml(f"{OFFICE}.presentationml.presentation.main+xml"), "pptx"),
    ("notat.odt", make_odt(["Notat"]), "odt"),
    ("budsjett.ods", _odf("application/vnd.oasis.opendocument.spreadsheet"), "ods"),
    ("foiler.odp", _odf("application/vnd.oasis.opendocument.presentation"), "odp"),
    ("bilde.png", make_png(), "png"),
    ("foto.jpg", jpeg_bytes(), "jpeg"),
    ("foto.jpeg", jpeg_bytes(), "jpeg"),
    ("animasjon.gif", _pillow("GIF"), "gif"),
    ("bilde.webp", _pillow("WEBP"), "webp"),
]

EXE = (
    b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"
    + b"\x00" * 48
    + b"This program cannot be run in DOS mode."
)
HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"


def plain_zip() -> bytes:
    return _zip([("bilder/1.png", make_png()), ("les-meg.txt", b"Hei")])


def macro_docx() -> bytes:
    content = io.BytesIO(make_docx(["Makro"]))
    with zipfile.ZipFile(content, "a") as archive:
        archive.writestr("word/vbaProject.bin", b"\x00" * 10)
    return content.getvalue()


def docx_with_hidden_macros() -> bytes:
    """A Word document's main part beside a VBA project under a name of its own choosing: only its content
    type in [Content_Types].xml tells what it is."""
    content = make_docx(["Makro"])
    with zipfile.ZipFile(io.BytesIO(content)) as original:
        entries = [(info.filename, original.read(info)) for info in original.infolist()]
    manifest = dict(entries)["[Content_Types].xml"].replace(
        b"</Types>",
        b'<Override PartName="/word/bilde1.dat" ContentType="application/vnd.ms-office.vbaProject"/></Types>',
    )
    entries = [(name, manifest if name == "[Content_Types].xml" else data) for name, data in entries]
    return _zip([*entries, ("word/bilde1.dat", b"\x00" * 10)])


def zip_bomb() -> bytes:
    """One entry that declares (and inflates to) 300 MB from about 300 kB, with a [Content_Types].xml of a
    Word document: only the sizes in its central directory may stop it."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", _ooxml_manifest())
        with archive.open("word/document.xml", "w", force_zip64=True) as entry:
            block = b"\x00" * (1024 * 1024)
            for _ in range(300):
                entry.write(block)
    return out.getvalue()


def _ooxml_manifest() -> bytes:
    with zipfile.ZipFile(io.BytesIO(make_docx(["x"]))) as archive:
        return archive.read("[Content_Types].xml")


def document(group: MunicipalityGroup, user, *, title: str = "Kunnskapsgrunnlag", versions: int = 1) -> GroupDocument:
    """A document shared through the services, with `versions` PDF versions."""
    made = group_document_upload(
        group=group, title=title, upload=group_document_check(name="fil.pdf", content=pdf_bytes(title)), user=user
    )
    for number in range(2, versions + 1):
        group_document_add_version(
            document=made,
            upload=group_document_check(name="fil.pdf", content=pdf_bytes(f"{title} {number}")),
            user=user,
        )
    made.refresh_from_db()
    return made
