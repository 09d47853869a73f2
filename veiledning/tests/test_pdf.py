"""The PDF renderer and its fetcher, with the production static storage the whole suite runs with: the
files collected once per run (root conftest) and the hashed names of their manifest."""

import re
from pathlib import Path

import pytest
import weasyprint
from django.conf import settings as django_settings
from django.contrib.staticfiles.storage import staticfiles_storage
from django.template.loader import render_to_string
from django.templatetags.static import static
from weasyprint.urls import FatalURLFetchingError

from veiledning.pdf import BASE_URL, StaticFilesFetcher, render_pdf, static_file_path
from veiledning.testing.pdf import assert_printed_with_the_print_stylesheet, pdf_text

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


def test_a_document_asking_for_a_local_file_is_not_rendered():
    html = weasyprint.HTML(string='<img src="file:///etc/hostname">', url_fetcher=StaticFilesFetcher())
    with pytest.raises(FatalURLFetchingError):
        html.write_pdf()


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
    document = weasyprint.HTML(string=html, base_url=BASE_URL, url_fetcher=StaticFilesFetcher())
    assert "Guovdageaidnu – Čáhcesuolu: æ ø å Ŋ đ ŧ" in pdf_text(document.write_pdf())


def test_the_print_stylesheet_is_applied():
    assert_printed_with_the_print_stylesheet(render_pdf("pdf/base.html", {}))


def test_the_stylesheet_check_fails_without_the_print_stylesheet():
    with pytest.raises(AssertionError, match=r"print\.css"):
        assert_printed_with_the_print_stylesheet(weasyprint.HTML(string="<p>Tekst</p>").write_pdf())
