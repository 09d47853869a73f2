"""Crafted PDFs for the tests of the upload checks (core.pdf_safety): a harmless one, ones that act when
opened, and compression bombs, built here so that no test file in the repository is itself dangerous."""

import io
import os
import zlib

from pypdf import PdfWriter


def harmless_pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _pdf(objects: list[bytes], root: int = 1) -> bytes:
    """A PDF of the given object bodies (numbered from 1), with a cross-reference table that points at them."""
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, root, xref))
    return out.getvalue()


def _stream(dictionary: bytes, data: bytes) -> bytes:
    return b"<< " + dictionary + b" /Length %d >>\nstream\n" % len(data) + data + b"\nendstream"


def open_action_javascript_pdf() -> bytes:
    """A blank page whose catalog runs JavaScript when the file is opened."""
    return _pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R /OpenAction << /S /JavaScript /JS (app.alert\\('Hei'\\);) >> >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
        ]
    )


def javascript_in_object_stream_pdf(
    *, escaped: bool = False, filter_name: bytes = b"/FlateDecode", padding: int = 0, twice: bool = False
) -> bytes:
    """The catalog's /OpenAction points at an action that lives, compressed, inside an object stream, where
    a scan of the file's bytes does not see it. Ways to hide it further: `escaped` spells /JavaScript with
    #-escapes, `filter_name` the filter (say /Flate#44ecode), `padding` pads the stream's dictionary, and
    `twice` compresses the stream twice ([/FlateDecode /FlateDecode])."""
    name = b"/J#61va#53cript" if escaped else b"/JavaScript"
    action = b"<< /Type /Action /S " + name + b" /J#53 (app.alert\\(1\\)) >>"
    header = b"5 0 "
    data = zlib.compress(header + action)
    if twice:
        data, filter_name = zlib.compress(data), b"[" + filter_name + b" " + filter_name + b"]"
    pad = b" /Pad (" + b"x" * padding + b")" if padding else b""
    dictionary = b"/Type /ObjStm /N 1 /First %d /Filter " % len(header) + filter_name + pad
    return _pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R /OpenAction 5 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
            _stream(dictionary, data),
        ]
    )


def javascript_behind_a_comment_pdf() -> bytes:
    """JavaScript in the catalog, between comments that look like the start and the end of stream data."""
    catalog = b"<< /Type /Catalog /Pages 2 0 R /OpenAction << /S /JavaScript /JS (app.alert\\(1\\)) >> >>"
    return _pdf(
        [
            b"%stream\n" + catalog + b"\n%endstream",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
        ]
    )


def image_pdf(size: int) -> bytes:
    """A page with a JPEG-like image stream of `size` random bytes: binary data that spells, by chance,
    short names like /JS here and there, and must not be taken for active content."""
    image = _stream(b"/Type /XObject /Subtype /Image /Filter /DCTDecode", b"\xff\xd8" + os.urandom(size))
    return _pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /XObject << /Im1 4 0 R >> >> >>",
            image,
        ]
    )


def compression_bomb_pdf(gigabytes: float = 1, filter_name: bytes = b"/FlateDecode") -> bytes:
    """A page whose content stream inflates to `gigabytes` of zeros: about 1 MB of file per GB, built a
    megabyte at a time, so that the test never holds the gigabyte either. After a full flush, deflate
    compresses each megabyte of zeros alike, so one compressed megabyte is repeated; the stream is a valid
    zlib stream, its checksum included, as a real bomb would be."""
    zeros = bytes(1024 * 1024)
    megabytes = int(gigabytes * 1024)
    compressor = zlib.compressobj(9)
    first = compressor.compress(zeros) + compressor.flush(zlib.Z_FULL_FLUSH)
    again = compressor.compress(zeros) + compressor.flush(zlib.Z_FULL_FLUSH)
    checksum = 1
    for _ in range(megabytes):
        checksum = zlib.adler32(zeros, checksum)
    # The last block: empty, final, fixed Huffman codes (RFC 1951 3.2.6), then the zlib checksum (RFC 1950).
    parts = [first, again * (megabytes - 1), b"\x03\x00", checksum.to_bytes(4, "big")]
    content = _stream(b"/Filter " + filter_name, b"".join(parts))
    return _pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
            content,
        ]
    )
