"""Helpers for the tests of the portal's PDFs: reading a PDF back, checking that it was printed with the
print stylesheet (`static/css/print.css`), which a render that could not fetch it would lack, and that it is
tagged (and PDF/A where it is filed). No PDF validator (veraPDF) can be installed here, so the checks read
the structure back with pypdf."""

import io
import re

import weasyprint
from pypdf import PdfReader
from pypdf.generic import ArrayObject, BooleanObject, DictionaryObject, NameObject, PdfObject
from weasyprint.formatting_structure import boxes

from core.pdf import BASE_URL, StaticFilesFetcher


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


def pdf_page_texts(content: bytes) -> list[str]:
    """The text of each page of the PDF `content`, in order."""
    return [page.extract_text() for page in PdfReader(io.BytesIO(content)).pages]


def _dictionary(value: object) -> DictionaryObject:
    """`value` (a PDF object or a reference to one) as the dictionary it must be; pypdf types entries as any
    PDF object."""
    resolved = value.get_object() if isinstance(value, PdfObject) else value
    assert isinstance(resolved, DictionaryObject), f"expected a PDF dictionary, found {resolved!r}"
    return resolved


def pdf_structure_tags(content: bytes) -> list[str]:
    """The structure types (`/S`) of the PDF `content`'s structure tree, depth first: ["Document", "H1", ...].
    Empty for an untagged PDF."""
    root = _dictionary(PdfReader(io.BytesIO(content)).trailer["/Root"])
    if "/StructTreeRoot" not in root:
        return []
    tags: list[str] = []
    stack = [root["/StructTreeRoot"].get_object()]
    while stack:
        node = stack.pop()
        if not isinstance(node, DictionaryObject):
            continue  # a marked-content number or an object reference of a page's content
        if isinstance(node.get("/S"), NameObject):
            tags.append(str(node["/S"]).removeprefix("/"))
        kids = node.get("/K")
        kids = kids.get_object() if kids is not None else None
        children = list(kids) if isinstance(kids, ArrayObject) else [kids] if kids is not None else []
        stack.extend(reversed([child.get_object() for child in children]))
    return tags


def assert_tagged_pdf(content: bytes, *, title: str, pdfa: bool) -> None:
    """Fails unless the PDF `content` is tagged for screen readers: a structure tree with a document, a
    heading and paragraphs, marked as tagged, language nb, the title `title` in the document information
    and the XMP metadata, and the viewer told to show that title rather than the file name. With `pdfa`, it
    must also claim PDF/A-3u in its XMP metadata and carry the sRGB output intent; without, PDF/UA-1."""
    reader = PdfReader(io.BytesIO(content))
    catalog = _dictionary(reader.trailer["/Root"])
    assert "/StructTreeRoot" in catalog, "the PDF has no structure tree"
    tags = pdf_structure_tags(content)
    assert tags[:1] == ["Document"], f"the structure tree does not start with a document: {tags[:5]}"
    assert "H1" in tags and "P" in tags, f"the structure tree lacks a heading or paragraphs: {sorted(set(tags))}"
    # pypdf reads PDF booleans as BooleanObject, which compares equal to a bool but is always truthy.
    assert _dictionary(catalog["/MarkInfo"]).get("/Marked") == BooleanObject(True), "the PDF is not marked as tagged"
    assert catalog.get("/Lang") == "nb", f"the PDF's language is {catalog.get('/Lang')!r}, not nb"
    preferences = _dictionary(catalog.get("/ViewerPreferences", DictionaryObject()))
    assert preferences.get("/DisplayDocTitle") == BooleanObject(True), "the viewer would show the file name"
    assert reader.metadata is not None and reader.metadata.title == title, (
        f"the PDF's title is {reader.metadata and reader.metadata.title!r}, not {title!r}"
    )
    assert reader.xmp_metadata is not None, "the PDF has no XMP metadata"
    xmp = reader.xmp_metadata.stream.get_data().decode()
    xmp_title = re.search(r"<dc:title><rdf:Alt><rdf:li[^>]*>(.*?)</rdf:li>", xmp)
    assert xmp_title is not None and _xml_text(xmp_title.group(1)) == title, "the XMP title differs"
    if pdfa:
        assert 'pdfaid:part="3"' in xmp and 'pdfaid:conformance="U"' in xmp, "the PDF does not claim PDF/A-3u"
        intents = catalog.get("/OutputIntents")
        assert isinstance(intents, ArrayObject) and intents, "the PDF/A output intent is missing"
        intent = _dictionary(intents[0])
        assert intent.get("/S") == "/GTS_PDFA1", "the PDF/A output intent is missing"
        assert "/DestOutputProfile" in intent, "the output intent has no colour profile"
    else:
        assert 'pdfuaid:part="1"' in xmp, "the PDF does not claim PDF/UA-1"
        assert "pdfaid:" not in xmp, "a PDF that is not filed claims PDF/A"


def _xml_text(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&amp;", "&")


def page_fill(html: str) -> list[float]:
    """How far down each page of the PDF that `html` makes its content reaches, as a share (0–1) of the
    page's content area: a page with only a heading on it is about 0.1. Read from WeasyPrint's layout (its
    page boxes), since a PDF's text alone says nothing about the room its charts take."""
    document = weasyprint.HTML(string=html, base_url=BASE_URL, url_fetcher=StaticFilesFetcher()).render()
    fills = []
    for page in document.pages:
        page_box = page._page_box
        top = page_box.content_box_y()
        # The margin boxes hold the page numbers, at the foot of every page whatever its content.
        stack = [child for child in page_box.children if not isinstance(child, boxes.MarginBox)]
        bottom = top
        while stack:
            box = stack.pop()
            if isinstance(box, boxes.LineBox | boxes.ReplacedBox):
                bottom = max(bottom, box.position_y + box.margin_height())
            elif isinstance(box, boxes.ParentBox):
                stack.extend(box.children)
        fills.append((bottom - top) / page_box.height)
    return fills
