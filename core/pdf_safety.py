"""Refuses PDFs that could act when opened (JavaScript, launch actions) or that are compression bombs.

The check reads the file's own bytes and trusts none of its structure, since the file is the attacker's:

- Every name in the file, stream data included, is read as the name it spells (#-escapes undone, as a PDF
  reader does). JavaScript, in an action or in the document's name tree, cannot run without the name
  /JavaScript; a launch action needs /Launch. Names that long never turn up by chance in binary data, so
  they are looked for everywhere: a comment that looks like the start of a stream hides nothing.
- The short names of active content (/JS, /AA, /XFA) would turn up by chance in megabytes of image data,
  so they are looked for only in the file's syntax: outside what looks like stream data, and inside object
  streams (`/Type /ObjStm`), where a PDF 1.5+ keeps its dictionaries. They are the second line; the long
  names above are the first.
- Every place where stream data can begin (`stream` and an end of line) is tried as a Flate stream,
  whatever its dictionary says, and read until the compressed data ends (never cut at a later `endstream`,
  which compressed data may itself contain). Output that is itself compressed is inflated again. All of it
  is decompressed incrementally against one budget for the whole file, so that a bomb (1 GB of zeros is
  about 1 MB compressed) is stopped at the budget and never held in memory, and scanned as it comes.
- A file that names a codec this check does not read (LZW, ASCII85 …) or that is encrypted is refused:
  what those hide cannot be scanned. The tools that make PDFs use Flate.

pypdf is not used for this: it inflates a stream in full before anything can look at its size. A false alarm
refuses a harmless file; that is the safe side for a contract, which has no reason to hold any of these names.
"""

import re
import zlib
from collections.abc import Iterator

from django.conf import settings
from django.core.exceptions import ValidationError

# Found anywhere, binary data included: long enough never to be spelled by chance.
ACTIVE_LONG = frozenset({b"JavaScript", b"Launch", b"RichMedia"})
# Found only in the file's syntax (see the module's docstring).
ACTIVE_SHORT = frozenset({b"JS", b"AA", b"XFA"})
UNREAD_FILTERS = frozenset({b"ASCIIHexDecode", b"ASCII85Decode", b"LZWDecode", b"RunLengthDecode"})

CHUNK = 64 * 1024
OUTPUT_STEP = 1024 * 1024
# Inflated output is scanned a piece at a time; a name split between two pieces is seen whole in the next
# (the longest name looked for, fully #-escaped, is 30 bytes).
OVERLAP = 128
NESTING = 4

_STREAM = re.compile(rb"stream(?:\r\n|\n|\r)")
_ENDSTREAM = re.compile(rb"endstream")
_NAME = re.compile(rb"/([^\x00\t\n\x0c\r ()<>\[\]{}/%]+)")
_HEX_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
_OBJECT_STREAM = re.compile(rb"/Type\s*/ObjStm\b")

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


def _refuse_names(data: bytes, *, syntax: bool) -> None:
    """Refuses `data` if it names active content, or a codec or encryption this check cannot see through."""
    names = set(_names(data))
    if names & ACTIVE_LONG or (syntax and names & ACTIVE_SHORT):
        raise ValidationError(REFUSED_ACTIVE, code="pdf_active")
    if names & UNREAD_FILTERS:
        raise ValidationError(REFUSED_UNREADABLE, code="pdf_unreadable")
    if b"Encrypt" in names:
        raise ValidationError(REFUSED_ENCRYPTED, code="pdf_encrypted")


def _is_zlib(head: bytes) -> bool:
    """Whether `head` starts like a zlib stream (RFC 1950: deflate, and a header whose check bits add up)."""
    return len(head) >= 2 and head[0] & 0x0F == 8 and head[0] >> 4 <= 7 and (head[0] << 8 | head[1]) % 31 == 0


class _Stream:
    """One candidate stream: fed its compressed data a piece at a time, it inflates a megabyte of output at
    a time (never more than the budget has left) and scans the output as it comes, with an overlap so that
    a name split between two pieces is seen whole. Output that itself starts like zlib data (Flate applied
    twice) is also fed to a stream of its own, while this one goes on scanning it as it is."""

    def __init__(self, budget: _Budget, *, syntax: bool, depth: int = 0) -> None:
        self.budget = budget
        self.syntax = syntax
        self.depth = depth
        self.inflater = zlib.decompressobj()
        self.head = b""  # the output's first bytes, until there are enough to tell whether it is zlib
        self.tail = b""
        self.started = False  # whether the first bytes have been seen (and the zlib question settled)
        self.inner: _Stream | None = None
        self.inner_open = False

    def feed(self, data: bytes) -> bool:
        """Takes the next piece; False once the compressed data has ended or turned out not to be zlib."""
        pending = data
        try:
            while pending:
                # At most one byte past the budget, so that exceeding it is noticed without inflating further.
                out = self.inflater.decompress(pending, min(OUTPUT_STEP, self.budget.left + 1))
                self._output(out)
                if self.inflater.eof:
                    return False
                pending = self.inflater.unconsumed_tail
        except zlib.error:
            # Not Flate data (an image, or text that only looked like the start of a stream), or broken
            # data that no reader can inflate either: nothing more to see in it.
            return False
        return True

    def finish(self) -> None:
        """The output still held back at the end of the file; not `flush()`, which has no cap."""
        try:
            while out := self.inflater.decompress(b"", min(OUTPUT_STEP, self.budget.left + 1)):
                self._output(out)
        except zlib.error:
            pass
        if self.head:
            self._scan(b"")
        if self.inner is not None and self.inner_open:
            self.inner.finish()

    def _output(self, out: bytes) -> None:
        self.budget.spend(len(out))
        if not self.started:
            self.head += out
            if len(self.head) < 2:
                return
            out, self.head, self.started = self.head, b"", True
            if self.depth < NESTING and _is_zlib(out):
                self.inner = _Stream(self.budget, syntax=self.syntax, depth=self.depth + 1)
                self.inner_open = True
        self._scan(out)

    def _scan(self, out: bytes) -> None:
        window = self.tail + self.head + out
        self.head = b""
        _refuse_names(window, syntax=self.syntax)
        self.tail = window[-OVERLAP:]
        if self.inner is not None and self.inner_open and out:
            self.inner_open = self.inner.feed(out)


def _dictionary_before(content: bytes, stream_start: int) -> bytes:
    """What stands between the object's `obj` keyword and `stream`: the stream's dictionary, unless the file
    was made to mislead, in which case only the choice of the short-name scan (object stream or not) is
    affected."""
    obj = content.rfind(b"obj", 0, stream_start)
    dictionary = content[obj + 3 if obj >= 0 else 0 : stream_start]
    return _HEX_ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), dictionary)


def pdf_refuse_unsafe(content: bytes) -> None:
    """Raises ValidationError (in Norwegian) if `content`, a file starting `%PDF-`, holds JavaScript or
    launch actions, is encrypted, or decompresses past settings.PDF_MAX_DECOMPRESSED_BYTES."""
    budget = _Budget(settings.PDF_MAX_DECOMPRESSED_BYTES)
    view = memoryview(content)
    # Everything, stream data included, for the long names.
    _refuse_names(content, syntax=False)
    # The syntax outside what looks like stream data, for the short names too.
    outside: list[bytes] = []
    position = 0
    for match in _STREAM.finditer(content):
        if match.start() >= position:
            outside.append(content[position : match.start()])
            end = _ENDSTREAM.search(content, match.end())
            position = end.end() if end else len(content)
        is_object_stream = _OBJECT_STREAM.search(_dictionary_before(content, match.start())) is not None
        stream = _Stream(budget, syntax=is_object_stream)
        for offset in range(match.end(), len(view), CHUNK):
            if not stream.feed(bytes(view[offset : offset + CHUNK])):
                break
        else:
            stream.finish()
    outside.append(content[position:])
    _refuse_names(b"".join(outside), syntax=True)
