"""Files of every kind for the tests of the group's documents, and a document made without the upload form."""

import io
import struct
import zipfile

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


def jpeg_bytes() -> bytes:
    # The start of a JFIF file: SOI, APP0 «JFIF».
    return b"\xff\xd8\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\xff\xd9"


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
    ("animasjon.gif", b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", "gif"),
    (
        "bilde.webp",
        b"RIFF\x1a\x00\x00\x00WEBPVP8L\x0d\x00\x00\x00/\x00\x00\x00\x10\x07\x10\x11\x11\x88\x88\xfe\x07\x00",
        "webp",
    ),
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
