"""What an uploaded file is, told from its bytes alone: never from its name or the content type the browser
sent, both of which the uploader chooses. Imports no app.

- PDF: starts with `%PDF-`, passes `core.pdf_safety` (no JavaScript, launch actions, encryption or compression
  bomb) and can be read by pypdf.
- Images: the magic bytes of PNG, JPEG, GIF and WebP, then Pillow (a WeasyPrint dependency) must decode the
  whole image as that format, within IMAGE_MAX_PIXELS, so that three magic bytes before anything at all pass
  as no JPEG.
- Office documents are zip files, told apart by what the zip says of itself: Office Open XML (docx, xlsx, pptx)
  by the main part's content type in `[Content_Types].xml`, OpenDocument (odt, ods, odp) by its `mimetype`
  entry. Macro-enabled variants (docm …) carry other content types and are refused, as is any zip holding a
  `vbaProject.bin`, and any `[Content_Types].xml` that names a VBA part or a macro-enabled type at all, even
  beside a main type that is allowed (the VBA part may have any name; its content type gives it away). The
  zip is read from its central directory and never extracted: the sizes it declares are checked first (a zip
  bomb declares gigabytes, or thousands of entries), and the two small entries read are read with a cap, so
  that a zip lying about their size cannot make them large either.

Then the name is held against the content: a PNG named `.docx`, or a PDF named `.exe`, is refused, so that what
the group sees in the list is what they get when they open it."""

import io
import posixpath
import warnings
import zipfile
import zlib
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from PIL import Image
from pypdf import PdfReader
from pypdf.errors import PyPdfError

from .pdf_safety import pdf_refuse_unsafe


@dataclass(frozen=True)
class FileType:
    key: str
    label: str  # for the screen: «PDF», «Word-dokument»
    content_type: str
    extensions: tuple[str, ...]  # the first is the one a stored or downloaded copy gets

    @property
    def extension(self) -> str:
        return self.extensions[0]


PDF = FileType("pdf", "PDF", "application/pdf", ("pdf",))
DOCX = FileType(
    "docx",
    "Word-dokument",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ("docx",),
)
XLSX = FileType(
    "xlsx", "Excel-regneark", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ("xlsx",)
)
PPTX = FileType(
    "pptx",
    "PowerPoint-presentasjon",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ("pptx",),
)
ODT = FileType("odt", "OpenDocument-tekst", "application/vnd.oasis.opendocument.text", ("odt",))
ODS = FileType("ods", "OpenDocument-regneark", "application/vnd.oasis.opendocument.spreadsheet", ("ods",))
ODP = FileType("odp", "OpenDocument-presentasjon", "application/vnd.oasis.opendocument.presentation", ("odp",))
PNG = FileType("png", "PNG-bilde", "image/png", ("png",))
JPEG = FileType("jpeg", "JPEG-bilde", "image/jpeg", ("jpg", "jpeg"))
GIF = FileType("gif", "GIF-bilde", "image/gif", ("gif",))
WEBP = FileType("webp", "WebP-bilde", "image/webp", ("webp",))

FILE_TYPES = {t.key: t for t in (PDF, DOCX, XLSX, PPTX, ODT, ODS, ODP, PNG, JPEG, GIF, WEBP)}
# For a form's `accept` attribute: a hint to the phone's file picker, never a check.
ACCEPT = ",".join(f".{extension}" for t in FILE_TYPES.values() for extension in t.extensions)

# The main part of an Office Open XML package, by its content type in [Content_Types].xml.
OOXML_MAIN = {
    b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml": DOCX,
    b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml": XLSX,
    b"application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml": PPTX,
}
ODF_MIMETYPES = {t.content_type.encode(): t for t in (ODT, ODS, ODP)}

# What a real office document stays well within; a zip past them is refused unopened.
ZIP_MAX_ENTRIES = 5000
ZIP_MAX_UNCOMPRESSED = 200 * 1024 * 1024
ZIP_MAX_RATIO = 200  # a single entry inflating 200-fold is a bomb, not a document
ZIP_RATIO_FLOOR = 1024 * 1024  # entries smaller than this may compress as they like
MANIFEST_MAX_BYTES = 1024 * 1024
# Far past any photo a group shares, and a bound on what decoding one may cost (a few bytes can declare a
# picture of gigapixels); Pillow's own guard (Image.MAX_IMAGE_PIXELS) is left as WeasyPrint expects it.
IMAGE_MAX_PIXELS = 50_000_000
# Content types in [Content_Types].xml that only a package with macros carries (vbaProject, vbaData,
# docm/xlsm/pptm main parts are all «…macroEnabled…»).
MACRO_MARKERS = (b"vbaproject", b"vbadata", b"macroenabled")
PILLOW_FORMATS = {"png": "PNG", "jpeg": "JPEG", "gif": "GIF", "webp": "WEBP"}

NOT_ALLOWED = (
    "Filtypen kan ikke lastes opp. Last opp en PDF, et Office-dokument (Word, Excel, PowerPoint eller "
    "OpenDocument) eller et bilde (PNG, JPEG, GIF eller WebP)."
)
NOT_OFFICE = "Filen er en zip-fil, men ikke et Office-dokument. Last opp en PDF, et Office-dokument eller et bilde."
MACROS = "Office-dokumenter med makroer kan ikke lastes opp. Lagre dokumentet uten makroer og prøv igjen."
ZIP_BOMB = "Filen pakker seg ut til langt mer enn et vanlig dokument og kan ikke tas imot."
BROKEN = "Filen kan ikke leses. Den kan være skadet; prøv å lagre den på nytt."
PDF_UNREADABLE = "PDF-en kan ikke leses. Den kan være skadet; prøv å lagre den på nytt."
NAME_MISMATCH = (
    "Filen heter «{name}», men innholdet er {label}. Gi filen riktig filendelse (.{extension}) eller velg en annen fil."
)


def _refuse(message: str, code: str) -> ValidationError:
    return ValidationError(message, code=code)


def _image_type(head: bytes) -> FileType | None:
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith((b"GIF87a", b"GIF89a")):
        return GIF
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    return None


def _check_image(content: bytes, file_type: FileType) -> None:
    """Pillow must read the whole of `content` as `file_type`: `verify` checks the structure (PNG's CRCs),
    and `load` decodes every pixel, which is what tells a JPEG from its magic bytes followed by anything."""
    formats = [PILLOW_FORMATS[file_type.key]]
    try:
        with warnings.catch_warnings():
            # Our own, lower limit below decides; Pillow's warning would only be noise.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(content), formats=formats) as image:
                width, height = image.size
                if width * height > IMAGE_MAX_PIXELS:
                    raise _refuse(ZIP_BOMB, "image_too_large")
                image.verify()
            # verify() leaves the image unusable; a fresh one decodes.
            with Image.open(io.BytesIO(content), formats=formats) as image:
                image.load()
    except Image.DecompressionBombError:
        raise _refuse(ZIP_BOMB, "image_too_large") from None
    except ValidationError:
        raise
    except Exception:  # Pillow raises OSError, SyntaxError, ValueError, struct.error … on bad data
        raise _refuse(BROKEN, "broken") from None


def _read_capped(archive: zipfile.ZipFile, info: zipfile.ZipInfo, cap: int) -> bytes:
    """An entry's bytes, never more than `cap` of them whatever the entry claims."""
    if info.file_size > cap:
        raise _refuse(ZIP_BOMB, "zip_bomb")
    with archive.open(info) as entry:
        data = entry.read(cap + 1)
    if len(data) > cap:
        raise _refuse(ZIP_BOMB, "zip_bomb")
    return data


def _office_type(content: bytes) -> FileType:
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except (zipfile.BadZipFile, OSError, ValueError):
        raise _refuse(BROKEN, "broken") from None
    with archive:
        entries = archive.infolist()
        # The central directory's own word on the sizes, before a byte is inflated.
        if len(entries) > ZIP_MAX_ENTRIES or sum(i.file_size for i in entries) > ZIP_MAX_UNCOMPRESSED:
            raise _refuse(ZIP_BOMB, "zip_bomb")
        for info in entries:
            if info.file_size > ZIP_RATIO_FLOOR and info.file_size > ZIP_MAX_RATIO * max(info.compress_size, 1):
                raise _refuse(ZIP_BOMB, "zip_bomb")
            if posixpath.basename(info.filename).lower() == "vbaproject.bin":
                raise _refuse(MACROS, "macros")
        by_name = {info.filename: info for info in entries}
        try:
            if "[Content_Types].xml" in by_name:
                manifest = _read_capped(archive, by_name["[Content_Types].xml"], MANIFEST_MAX_BYTES)
                # Before any main type is accepted: a docx main part beside a VBA part is still a docm.
                if any(marker in manifest.lower() for marker in MACRO_MARKERS):
                    raise _refuse(MACROS, "macros")
                for main, file_type in OOXML_MAIN.items():
                    if b'ContentType="' + main + b'"' in manifest:
                        return file_type
            elif "mimetype" in by_name:
                mimetype = _read_capped(archive, by_name["mimetype"], 200).strip()
                if mimetype in ODF_MIMETYPES:
                    return ODF_MIMETYPES[mimetype]
        except (zipfile.BadZipFile, zlib.error, NotImplementedError, OSError, EOFError, ValueError, RuntimeError):
            # Broken compressed data, an unknown compression method, or (RuntimeError) an encrypted entry.
            raise _refuse(BROKEN, "broken") from None
    raise _refuse(NOT_OFFICE, "not_office")


def _check_pdf(content: bytes) -> None:
    # Before pypdf reads anything: it would inflate a compression bomb in full.
    pdf_refuse_unsafe(content)
    try:
        if len(PdfReader(io.BytesIO(content)).pages) < 1:
            raise _refuse("PDF-en har ingen sider.", "pdf_empty")
    except (PyPdfError, ValueError, KeyError, TypeError, OSError):
        raise _refuse(PDF_UNREADABLE, "pdf_unreadable") from None


def detect_file_type(content: bytes) -> FileType:
    """The type of `content`, one of FILE_TYPES; ValidationError (in Norwegian) if it is none of them, or is
    a PDF or zip that must not be taken in (see the module's docstring)."""
    if content.startswith(b"%PDF-"):
        _check_pdf(content)
        return PDF
    image = _image_type(content[:16])
    if image is not None:
        _check_image(content, image)
        return image
    if content.startswith(b"PK\x03\x04"):
        return _office_type(content)
    raise _refuse(NOT_ALLOWED, "not_allowed")


def check_upload(content: bytes, *, name: str) -> FileType:
    """`detect_file_type`, and the file's name must end as its content says (see the module's docstring)."""
    file_type = detect_file_type(content)
    base = posixpath.basename(name.replace("\\", "/"))
    _, dot, extension = base.rpartition(".")
    if not dot or extension.lower() not in file_type.extensions:
        raise _refuse(
            NAME_MISMATCH.format(name=base, label=_with_article(file_type), extension=file_type.extension),
            "name_mismatch",
        )
    return file_type


def _with_article(file_type: FileType) -> str:
    """«en PDF», «et PNG-bilde», «et Word-dokument», «et Excel-regneark», «en OpenDocument-tekst»."""
    neuter = file_type.label.endswith(("bilde", "dokument", "regneark"))
    return f"{'et' if neuter else 'en'} {file_type.label}"
