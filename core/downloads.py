"""File names and responses for downloads. Imports no app."""

import re
import unicodedata

from django.http import HttpResponse
from django.utils.http import content_disposition_header

# NFKD leaves æ, ø and å whole, so ASCII folding alone would drop them («Bodø» → «bod»).
TRANSLITERATION = str.maketrans({"æ": "ae", "ø": "o", "å": "aa", "Æ": "Ae", "Ø": "O", "Å": "Aa"})


def download_name(*parts: object, extension: str) -> str:
    """An ASCII file name such as «kontrakt-guovdageaidnu-2026-signert.pdf», whatever the names hold (Sami
    letters fold to their base letters), so that every browser and mail client keeps it as it is."""
    text = "-".join(str(p) for p in parts).translate(TRANSLITERATION)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") + f".{extension}"


def attachment(content: bytes, *, content_type: str, filename: str) -> HttpResponse:
    """`content` as a download named `filename` (Django writes the Content-Disposition header)."""
    response = HttpResponse(content, content_type=content_type)
    disposition = content_disposition_header(as_attachment=True, filename=filename)
    assert disposition is not None, "Django gives None only for an inline file without a name"
    response["Content-Disposition"] = disposition
    return response
