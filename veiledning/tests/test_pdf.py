import io

import pytest
import weasyprint
from pypdf import PdfReader
from weasyprint.urls import FatalURLFetchingError

from veiledning.pdf import BASE_URL, StaticFilesFetcher, render_pdf


def _text(pdf_bytes):
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf_bytes)).pages)


def test_it_serves_the_print_stylesheet_from_the_static_folders():
    response = StaticFilesFetcher().fetch(BASE_URL + "static/css/print.css")
    assert b"@page" in response.read()


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "https://cdn.example.com/bootstrap.css",
        BASE_URL + "etc/passwd",
        BASE_URL + "static/../../../etc/passwd",
        BASE_URL + "static/css/finnes-ikke.css",
    ],
)
def test_it_refuses_everything_but_static_files(url):
    with pytest.raises(FatalURLFetchingError):
        StaticFilesFetcher().fetch(url)


def test_a_document_asking_for_a_local_file_is_not_rendered():
    html = weasyprint.HTML(string='<img src="file:///etc/hostname">', url_fetcher=StaticFilesFetcher())
    with pytest.raises(FatalURLFetchingError):
        html.write_pdf()


def test_it_renders_norwegian_and_sami_letters_that_read_back(settings):
    pdf = render_pdf("pdf/base.html", {})
    assert pdf.startswith(b"%PDF-")
    html = weasyprint.HTML(
        string='<link rel="stylesheet" href="/static/css/print.css"><p>Guovdageaidnu – Čáhcesuolu: æ ø å Ŋ đ ŧ</p>',
        base_url=BASE_URL,
        url_fetcher=StaticFilesFetcher(),
    )
    assert "Guovdageaidnu – Čáhcesuolu: æ ø å Ŋ đ ŧ" in _text(html.write_pdf())


def test_the_print_stylesheet_is_applied():
    # print.css numbers the pages in the bottom margin; without the stylesheet there is no «Side 1 av 1».
    html = weasyprint.HTML(
        string='<link rel="stylesheet" href="/static/css/print.css"><p>Tekst</p>',
        base_url=BASE_URL,
        url_fetcher=StaticFilesFetcher(),
    )
    assert "Side 1 av 1" in _text(html.write_pdf())
