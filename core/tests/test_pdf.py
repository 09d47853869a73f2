"""The PDF renderer and its fetcher, with the production static storage the whole suite runs with: the
files collected once per run (root conftest) and the hashed names of their manifest."""

import re
import shutil
from pathlib import Path

import pytest
import weasyprint
from django.conf import settings as django_settings
from django.contrib.staticfiles.storage import staticfiles_storage
from django.template.loader import render_to_string
from django.templatetags.static import static
from weasyprint.urls import FatalURLFetchingError

from core.pdf import (
    BASE_URL,
    PDF_ARCHIVE,
    PdfRenderError,
    StaticFilesFetcher,
    html_to_pdf,
    render_pdf,
    static_file_path,
)
from core.testing.pdf import assert_printed_with_the_print_stylesheet, assert_tagged_pdf, pdf_text

PRINT_CSS = '<link rel="stylesheet" href="{}">'


def test_the_print_template_links_the_hashed_name_of_the_collected_stylesheet():
    html = render_to_string("pdf/base.html", {})
    assert re.search(r'href="/static/css/print\.[0-9a-f]{12}\.css"', html)


def test_it_serves_a_hashed_name_from_the_collected_files():
    name = static("css/print.css").removeprefix(django_settings.STATIC_URL)
    assert name != "css/print.css"
    assert Path(static_file_path(name)).is_relative_to(django_settings.STATIC_ROOT)
    response = StaticFilesFetcher().fetch(BASE_URL + "static/" + name)
    assert b"@page" in response.read()
    assert response.content_type == "text/css"


def test_a_plain_name_is_served_as_its_collected_copy():
    response = StaticFilesFetcher().fetch(BASE_URL + "static/css/print.css")
    assert b"@page" in response.read()
    hashed = static("css/print.css").removeprefix(django_settings.STATIC_URL)
    assert static_file_path("css/print.css") == staticfiles_storage.path(hashed)


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "https://cdn.example.com/bootstrap.css",
        BASE_URL + "etc/passwd",
        BASE_URL + "static/../../../etc/passwd",
        BASE_URL + "static/%2e%2e/%2e%2e/etc/passwd",
        BASE_URL + "static//etc/passwd",
        BASE_URL + "static/css/finnes-ikke.css",
        # In STATIC_ROOT, but not one of the portal's static files.
        BASE_URL + "static/staticfiles.json",
    ],
)
def test_it_refuses_everything_but_static_files(url):
    with pytest.raises(FatalURLFetchingError):
        StaticFilesFetcher().fetch(url)


@pytest.mark.parametrize(
    "html",
    [
        PRINT_CSS.format("https://cdn.example.com/bootstrap.css"),
        '<img src="file:///etc/hostname">',
        PRINT_CSS.format("/static/css/../../../etc/passwd"),
        PRINT_CSS.format("/static/%2e%2e/%2e%2e/%2e%2e/etc/passwd"),
        PRINT_CSS.format("/static/css/finnes-ikke.css"),
    ],
    ids=["outside-url", "file-url", "dot-dot", "encoded-dot-dot", "missing-file"],
)
def test_a_document_asking_for_anything_but_a_static_file_is_not_rendered(html):
    with pytest.raises(PdfRenderError, match="PDF-en kunne ikke lages") as raised:
        html_to_pdf(html)
    # An ordinary exception, so that Django's error handling and the background callers catch it.
    assert isinstance(raised.value, Exception)
    assert isinstance(raised.value.__cause__, FatalURLFetchingError)


def test_a_static_file_that_cannot_be_read_stops_the_render_too(monkeypatch, tmp_path):
    # WeasyPrint would otherwise log the error and make the PDF without its stylesheet.
    monkeypatch.setattr("core.pdf.static_file_path", lambda name: str(tmp_path / "borte.css"))
    with pytest.raises(PdfRenderError, match=r"borte\.css"):
        render_pdf("pdf/base.html", {})


def test_a_file_missing_from_the_collected_ones_fails_as_pdf_render_error(settings, tmp_path):
    # A STATIC_ROOT whose manifest lists files that are not there, as after an incomplete deploy.
    shutil.copy(Path(settings.STATIC_ROOT) / "staticfiles.json", tmp_path)
    settings.STATIC_ROOT = tmp_path
    with pytest.raises(PdfRenderError, match=r"Fant ikke den statiske filen css/print\.[0-9a-f]{12}\.css"):
        render_pdf("pdf/base.html", {})


def test_in_development_it_finds_the_plain_names_in_the_static_folders(settings, tmp_path):
    settings.DEBUG = True
    # Nothing collected: in development the finders read the apps' and the project's static folders.
    settings.STATIC_ROOT = tmp_path
    assert 'href="/static/css/print.css"' in render_to_string("pdf/base.html", {})
    assert_printed_with_the_print_stylesheet(render_pdf("pdf/base.html", {}))


def test_it_renders_norwegian_and_sami_letters_that_read_back():
    pdf = render_pdf("pdf/base.html", {})
    assert pdf.startswith(b"%PDF-")
    html = PRINT_CSS.format(static("css/print.css")) + "<p>Guovdageaidnu – Čáhcesuolu: æ ø å Ŋ đ ŧ</p>"
    assert "Guovdageaidnu – Čáhcesuolu: æ ø å Ŋ đ ŧ" in pdf_text(html_to_pdf(html))


def test_the_print_stylesheet_is_applied():
    assert_printed_with_the_print_stylesheet(render_pdf("pdf/base.html", {}))


def test_the_stylesheet_check_fails_without_the_print_stylesheet():
    with pytest.raises(AssertionError, match=r"print\.css"):
        assert_printed_with_the_print_stylesheet(html_to_pdf("<p>Tekst</p>"))


TITLED = '<html lang="nb"><head><title>Plan for Guovdageaidnu – æøå</title></head><body><h1>Plan</h1><p>Tekst</p>'


def test_every_pdf_is_tagged_with_its_title_and_language_and_is_pdf_ua():
    assert_tagged_pdf(html_to_pdf(TITLED), title="Plan for Guovdageaidnu – æøå", pdfa=False)


def test_a_filed_document_is_pdf_a_and_tagged():
    assert_tagged_pdf(html_to_pdf(TITLED, pdf_variant=PDF_ARCHIVE), title="Plan for Guovdageaidnu – æøå", pdfa=True)


def test_the_checker_fails_an_untagged_pdf_a_wrong_title_and_a_missing_archive_claim():
    untagged = weasyprint.HTML(string=TITLED).write_pdf(pdf_variant=PDF_ARCHIVE)
    with pytest.raises(AssertionError, match="no structure tree"):
        assert_tagged_pdf(untagged, title="Plan for Guovdageaidnu – æøå", pdfa=True)
    with pytest.raises(AssertionError, match="title"):
        assert_tagged_pdf(html_to_pdf(TITLED), title="Rapport", pdfa=False)
    with pytest.raises(AssertionError, match="PDF/A-3u"):
        assert_tagged_pdf(html_to_pdf(TITLED), title="Plan for Guovdageaidnu – æøå", pdfa=True)
