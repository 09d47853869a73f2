"""Refuses PDFs that could act when opened (JavaScript, launch actions) or that are compression bombs.

The check reads the file's own bytes and parses nothing beyond what it needs: the parts of the file outside
its streams, and the streams that hold objects (`/Type /ObjStm`), where a PDF 1.5+ hides its dictionaries
from a plain scan. Every Flate stream is decompressed, incrementally and against one budget for the whole
file, so that a bomb (1 GB of zeros is about 1 MB compressed) is stopped at the budget and never held in
memory. pypdf is not used for this: it inflates a stream in full before anything can look at its size.

A name written with #-escapes (`/J#61vaScript`) is read as the name it spells, as a PDF reader does. A
false alarm (such a name inside a literal string) refuses a harmless file; that is the safe side for a
contract, which has no reason to hold any of these names.
"""

import re
import zlib
from collections.abc import Iterator

from django.conf import settings
from django.core.exceptions import ValidationError

# Names that make a PDF do something when it is opened or used: run JavaScript, start a program, or hang
# actions on pages and fields (/AA). /OpenAction alone is harmless (it often only picks the first page);
# an /OpenAction that runs JavaScript or launches something names /JavaScript, /JS or /Launch as well.
ACTIVE_NAMES = frozenset({b"JavaScript", b"JS", b"AA", b"Launch"})

# The filters a stream may have without the check needing to read it: images are never decompressed here,
# so their codecs cannot be made to blow up here either.
IMAGE_FILTERS = frozenset({b"DCTDecode", b"JPXDecode", b"CCITTFaxDecode", b"JBIG2Decode"})

CHUNK = 64 * 1024
OUTPUT_STEP = 1024 * 1024

# `stream` after a dictionary, then the data up to the next `endstream`. The keyword is followed by CRLF or
# LF (ISO 32000-1 7.3.8.1); a lone CR is accepted as well, as readers do.
_STREAM = re.compile(rb"stream(?:\r\n|\n|\r)")
_ENDSTREAM = re.compile(rb"endstream")
_NAME = re.compile(rb"/([^\x00\t\n\x0c\r ()<>\[\]{}/%]*)")
_HEX_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")

REFUSED_ACTIVE = "PDF-en inneholder JavaScript eller handlinger som kjøres når den åpnes, og kan ikke tas imot."
REFUSED_BOMB = "PDF-en pakker seg ut til mer enn {limit} MB og kan ikke tas imot."
REFUSED_UNREADABLE = "PDF-en kan ikke kontrolleres. Den kan være skadet; prøv å lagre den på nytt."
REFUSED_ENCRYPTED = "PDF-en er kryptert og kan ikke kontrolleres. Lagre den uten passord og prøv igjen."


class _Budget:
    def __init__(self, limit: int) -> None:
        self.left = limit
        self.limit = limit

    def spend(self, n: int) -> None:
        self.left -= n
        if self.left < 0:
            raise ValidationError(REFUSED_BOMB.format(limit=self.limit // (1024 * 1024)), code="pdf_bomb")


def _names(data: bytes) -> Iterator[bytes]:
    for match in _NAME.finditer(data):
        yield _HEX_ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), match.group(1))


def _refuse_active(data: bytes) -> None:
    if any(name in ACTIVE_NAMES for name in _names(data)):
        raise ValidationError(REFUSED_ACTIVE, code="pdf_active")


def _dictionary_before(content: bytes, stream_start: int) -> bytes:
    """The stream's dictionary: from the `obj` keyword before it (or at most 4 KB back) to `stream`."""
    window = content[max(0, stream_start - 4096) : stream_start]
    obj = window.rfind(b"obj")
    return window[obj + 3 :] if obj >= 0 else window


def _inflate(data: bytes, budget: _Budget, keep: bool) -> bytes:
    """Decompresses `data` a chunk at a time, never producing more than the budget has left; returns the
    output only when `keep` (an object stream, to be read), so that a large image stream costs no memory."""
    inflater = zlib.decompressobj()
    kept: list[bytes] = []
    try:
        for offset in range(0, len(data), CHUNK):
            pending = data[offset : offset + CHUNK]
            while pending:
                # A megabyte at a time, and at most one byte past the budget, so that exceeding it is noticed
                # without inflating further.
                out = inflater.decompress(pending, min(OUTPUT_STEP, budget.left + 1))
                budget.spend(len(out))
                if keep:
                    kept.append(out)
                pending = inflater.unconsumed_tail
                if inflater.eof:
                    return b"".join(kept)
        # Output still held back (never more than a match's length); not `flush()`, which has no cap.
        while out := inflater.decompress(b"", min(OUTPUT_STEP, budget.left + 1)):
            budget.spend(len(out))
            if keep:
                kept.append(out)
    except zlib.error:
        # A broken Flate stream cannot be read by the person receiving it either; an object stream that
        # cannot be read could hide anything, so only that is refused.
        if keep:
            raise ValidationError(REFUSED_UNREADABLE, code="pdf_unreadable") from None
    return b"".join(kept)


def pdf_refuse_unsafe(content: bytes) -> None:
    """Raises ValidationError (in Norwegian) if `content`, a file starting `%PDF-`, holds JavaScript or
    launch actions, is encrypted, or decompresses past settings.PDF_MAX_DECOMPRESSED_BYTES."""
    budget = _Budget(settings.PDF_MAX_DECOMPRESSED_BYTES)
    outside: list[bytes] = []
    position = 0
    while (match := _STREAM.search(content, position)) is not None:
        end = _ENDSTREAM.search(content, match.end())
        if end is None:
            break
        outside.append(content[position : match.start()])
        dictionary = _dictionary_before(content, match.start())
        data = content[match.end() : end.start()]
        filters = set(re.findall(rb"/(\w+Decode)\b", dictionary))
        is_object_stream = re.search(rb"/Type\s*/ObjStm\b", dictionary) is not None
        if filters - IMAGE_FILTERS - {b"FlateDecode"}:
            # Another codec (LZW, ASCII85 …), alone or before Flate, is not read here, so its output could
            # be a bomb or hide objects: such a file is not let in. The tools that make PDFs use Flate.
            raise ValidationError(REFUSED_UNREADABLE, code="pdf_unreadable")
        if b"FlateDecode" in filters:
            inflated = _inflate(data, budget, keep=is_object_stream)
            if is_object_stream:
                _refuse_active(inflated)
        elif is_object_stream:
            _refuse_active(data)
        position = end.end()
    outside.append(content[position:])
    rest = b"".join(outside)
    _refuse_active(rest)
    if b"Encrypt" in set(_names(rest)):
        # Encrypted strings and streams cannot be scanned, so an encrypted file is not let in.
        raise ValidationError(REFUSED_ENCRYPTED, code="pdf_encrypted")
