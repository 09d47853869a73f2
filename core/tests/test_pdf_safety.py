import tracemalloc

import pytest
from django.core.exceptions import ValidationError

from core.pdf import html_to_pdf
from core.pdf_safety import pdf_refuse_unsafe
from core.testing.pdfs import (
    compression_bomb_pdf,
    harmless_pdf,
    image_pdf,
    javascript_behind_a_comment_pdf,
    javascript_in_object_stream_pdf,
    open_action_javascript_pdf,
)


@pytest.fixture(scope="module")
def bomb():
    return compression_bomb_pdf(gigabytes=1)


def test_a_harmless_pdf_passes():
    pdf_refuse_unsafe(harmless_pdf())


def test_the_portals_own_pdfs_pass():
    # The portal's contracts come back as signed copies: WeasyPrint's output (fonts, compressed content,
    # object streams) must never be taken for active content.
    pdf_refuse_unsafe(html_to_pdf("<h1>Kontrakt</h1><p>" + "Avtaletekst. " * 2000 + "</p>"))


@pytest.mark.parametrize(
    "content",
    [
        open_action_javascript_pdf(),
        javascript_in_object_stream_pdf(),
        javascript_in_object_stream_pdf(escaped=True),
        javascript_behind_a_comment_pdf(),
        javascript_in_object_stream_pdf(filter_name=b"/Flate#44ecode"),
        javascript_in_object_stream_pdf(padding=5000),
        javascript_in_object_stream_pdf(twice=True),
    ],
    ids=[
        "open-action",
        "in-object-stream",
        "hex-escaped-names",
        "behind-a-comment-that-looks-like-a-stream",
        "hex-escaped-filter",
        "padded-dictionary",
        "compressed-twice",
    ],
)
def test_a_pdf_with_javascript_is_refused(content):
    with pytest.raises(ValidationError, match="inneholder JavaScript"):
        pdf_refuse_unsafe(content)


def test_binary_image_data_is_not_taken_for_active_content():
    # Eight megabytes of random bytes spell /JS, /AA and the like dozens of times.
    pdf_refuse_unsafe(image_pdf(8 * 1024 * 1024))


def test_a_bomb_whose_filter_is_spelled_with_escapes_is_refused(settings):
    settings.PDF_MAX_DECOMPRESSED_BYTES = 20 * 1024 * 1024
    with pytest.raises(ValidationError, match="pakker seg ut"):
        pdf_refuse_unsafe(compression_bomb_pdf(gigabytes=0.1, filter_name=b"/Flate#44ecode"))


def test_a_compression_bomb_is_refused_without_being_inflated_in_full(bomb, settings):
    settings.PDF_MAX_DECOMPRESSED_BYTES = 20 * 1024 * 1024
    tracemalloc.start()
    try:
        with pytest.raises(ValidationError, match="pakker seg ut til mer enn 20 MB"):
            pdf_refuse_unsafe(bomb)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # The file itself is ~1 MB and the gigabyte is never held: a chunk at a time, nothing kept.
    assert peak < 5 * 1024 * 1024


def test_the_default_limit_refuses_a_one_gigabyte_bomb(bomb):
    with pytest.raises(ValidationError, match="pakker seg ut"):
        pdf_refuse_unsafe(bomb)
