"""Helpers for the tests of the portal's PDFs: reading a PDF back, and checking that it was printed with the
print stylesheet (`static/css/print.css`), which a render that could not fetch it would lack."""

import io

from pypdf import PdfReader
from pypdf.generic import DictionaryObject


def pdf_text(content: bytes) -> str:
    """The text of every page of the PDF `content`, pages separated by a line break."""
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def pdf_fonts(content: bytes) -> set[str]:
    """The names of the fonts the PDF `content` uses, without the subset prefix: {"Noto-Sans", ...}."""
    names = set()
    for page in PdfReader(io.BytesIO(content)).pages:
        resources = page["/Resources"]
        assert isinstance(resources, DictionaryObject)  # pypdf types a page's entries as any PDF object
        fonts = resources.get("/Font")
        if fonts is None:  # a page without text
            continue
        for font in fonts.get_object().values():
            names.add(str(font.get_object()["/BaseFont"]).removeprefix("/").split("+")[-1])
    return names


def assert_printed_with_the_print_stylesheet(content: bytes) -> None:
    """Fails unless print.css was applied to the PDF `content`.

    Only print.css sets the sans-serif font (WeasyPrint's default is the serif one) and numbers the pages in
    the bottom margin, so a PDF rendered without it has Noto Serif and no «Side 1 av».
    """
    fonts = pdf_fonts(content)
    assert "Noto-Sans" in fonts, f"print.css's font is missing; the PDF uses {sorted(fonts)}"
    assert "Noto-Serif" not in fonts, f"a text is in WeasyPrint's default font; the PDF uses {sorted(fonts)}"
    assert "Side 1 av " in pdf_text(content), "print.css's page numbers are missing"
