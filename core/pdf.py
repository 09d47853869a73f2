"""PDF rendering with WeasyPrint from a print template. Imports no app: contracts, development plans and
surveys all render through `render_pdf`.

Templates extend `pdf/base.html` and link their files with `{% static %}`. The fetcher serves those from
the portal's own static files and refuses every other address, so a PDF never reaches the network or the
disk outside the static files, whatever text ends up in it. With the manifest storage and DEBUG off (as in
production and in the tests), `{% static %}` gives hashed names (`css/print.1a02f63bf735.css`), which the
fetcher finds among the files `collectstatic` wrote to STATIC_ROOT; in development it finds the plain
names through the static finders, as runserver does.

A render that fails raises `PdfRenderError`, an ordinary exception: in a request Django answers with the
500 page and logs the traceback, and background callers catch it to record the failure. WeasyPrint's own
`FatalURLFetchingError` derives from BaseException, which would slip past both, so `render_pdf` and
`html_to_pdf` never let it out."""

import mimetypes
import os
import posixpath
from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote, urlsplit

import weasyprint
from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.template.loader import render_to_string
from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

from .organisation import with_organisation

# The documents' base address. Nothing answers at it; the fetcher maps it to the static files.
BASE_URL = "https://pdf.veiledning.invalid/"

# Every PDF is tagged (a structure tree, /Lang from `<html lang="nb">`, /Title from the template's `<title>`
# shown by the viewer), so that a screen reader can read it. WeasyPrint makes one variant at a time:
# the documents a municipality files (contract, foundation document, development plan, survey report,
# programme report) are PDF/A-3u, tagged as well; the Unicode level ("u") keeps their text searchable and
# copyable, which the basic level ("b") does not promise. Anything else is PDF/UA-1.
PDF_ARCHIVE = "pdf/a-3u"
PDF_ACCESSIBLE = "pdf/ua-1"


class PdfRenderError(Exception):
    """A PDF could not be made: the document asked for an address the fetcher refuses or a static file that
    does not exist, or WeasyPrint failed. The message is Norwegian, fit to show the programme leader; the
    cause is chained (`__cause__`) for the log.

    Errors in rendering the HTML template itself (a bug in it, or a missing manifest entry because
    `collectstatic` was not run) are not turned into this: they break the portal's pages too."""


class StaticFilesFetcher(URLFetcher):
    """Serves `STATIC_URL` paths from the portal's static files; refuses everything else and stops the
    render, since a template asking for anything else is a bug.

    WeasyPrint 70 calls `fetch` on an instance of a `URLFetcher` subclass (it reads the instance's
    `_fail_on_errors`), which is why this is a class and not a plain function."""

    def __init__(self, **kwargs: Any) -> None:
        # Any other error in `fetch` (a file that cannot be read) must stop the render as well: by default
        # WeasyPrint only logs it and makes the PDF without the stylesheet.
        super().__init__(**{"fail_on_errors": True, **kwargs})

    def fetch(self, url: str, headers: Mapping[str, str] | None = None) -> URLFetcherResponse:
        parts = urlsplit(url)
        base = urlsplit(BASE_URL)
        path = unquote(parts.path)
        if (parts.scheme, parts.netloc) != (base.scheme, base.netloc) or not path.startswith(settings.STATIC_URL):
            raise FatalURLFetchingError(f"PDF-malen ba om en adresse utenfor de statiske filene: {url}")
        relative = path.removeprefix(settings.STATIC_URL)
        found = static_file_path(relative)
        if not found:
            raise FatalURLFetchingError(f"Fant ikke den statiske filen {relative}")
        # WeasyPrint only applies a stylesheet served as text/css; without the header it ignores print.css.
        content_type = mimetypes.guess_type(found)[0] or "application/octet-stream"
        with open(found, "rb") as file:
            return URLFetcherResponse(url, file.read(), headers={"Content-Type": content_type}, status=200)


def static_file_path(name: str) -> str | None:
    """The file on disk behind the static file `name` (a path below STATIC_URL, hashed or not), or None if
    the portal has no such static file. Never a path outside the static files."""
    # Only a plain relative path: no "..", no "." or empty segments, nothing absolute, no backslashes, which
    # the finders and safe_join would refuse anyway.
    if not name or "\\" in name or "\0" in name or name != posixpath.normpath(name) or name.startswith("/"):
        return None
    if ".." in name.split("/"):
        return None
    manifest = getattr(staticfiles_storage, "hashed_files", None)
    if manifest is not None and not settings.DEBUG:
        # The manifest storage outside DEBUG, as in production: the templates link the hashed names, and the
        # files are the copies collectstatic wrote to STATIC_ROOT. A plain name is served as its hashed copy,
        # since that is the file production has; a name the manifest does not list is not one of ours.
        if name not in manifest.values():
            name = manifest.get(name)
        if name is None:
            return None
        path = staticfiles_storage.path(name)
        return path if os.path.isfile(path) else None
    # Development (DEBUG, or a storage without a manifest): `{% static %}` gives the plain names, and the
    # files live in the apps' and the project's static folders, where runserver finds them too.
    return finders.find(name)


def html_to_pdf(html: str, *, pdf_variant: str = PDF_ACCESSIBLE) -> bytes:
    """Tagged PDF bytes of `html` in `pdf_variant` (PDF_ARCHIVE or PDF_ACCESSIBLE), whose static files are
    fetched by `StaticFilesFetcher`. Raises PdfRenderError."""
    try:
        document = weasyprint.HTML(string=html, base_url=BASE_URL, url_fetcher=StaticFilesFetcher())
        return document.write_pdf(pdf_variant=pdf_variant, pdf_tags=True)
    except FatalURLFetchingError as error:
        # A BaseException: caught here by name, since `except Exception` below and in Django would miss it.
        # With fail_on_errors, WeasyPrint wraps the fetcher's own error, whose message says what went wrong.
        message = f"{error} ({error.__cause__})" if error.__cause__ else str(error)
        raise PdfRenderError(f"PDF-en kunne ikke lages: {message}") from error
    except Exception as error:
        raise PdfRenderError(f"PDF-en kunne ikke lages: {error}") from error


def render_pdf(template_name: str, context: Mapping[str, Any], *, pdf_variant: str = PDF_ACCESSIBLE) -> bytes:
    """Renders `template_name` with `context` to tagged PDF bytes. `pdf_variant` passes on to WeasyPrint:
    PDF_ARCHIVE for the documents a municipality files. Raises PdfRenderError if the PDF cannot be made."""
    return html_to_pdf(render_to_string(template_name, with_organisation(context)), pdf_variant=pdf_variant)
