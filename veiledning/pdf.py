"""PDF rendering with WeasyPrint from a print template. Imports no app: contracts, development plans and
surveys all render through `render_pdf`.

Templates extend `pdf/base.html` and link their files with `{% static %}`. The fetcher serves those from
the static folders and refuses every other address, so a PDF never reaches the network or the disk
outside the static files, whatever text ends up in it."""

import mimetypes
from urllib.parse import unquote, urlsplit

import weasyprint
from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

# The documents' base address. Nothing answers at it; the fetcher maps it to the static folders.
BASE_URL = "https://pdf.veiledning.invalid/"


class StaticFilesFetcher(URLFetcher):
    """Serves `STATIC_URL` paths from the static folders (app folders, `static/`, or STATIC_ROOT once
    collected); refuses everything else and stops the render, since a template asking for anything
    else is a bug."""

    def fetch(self, url, headers=None):
        parts = urlsplit(url)
        base = urlsplit(BASE_URL)
        path = unquote(parts.path)
        if (parts.scheme, parts.netloc) != (base.scheme, base.netloc) or not path.startswith(settings.STATIC_URL):
            raise FatalURLFetchingError(f"PDF-malen ba om en adresse utenfor de statiske filene: {url}")
        relative = path.removeprefix(settings.STATIC_URL)
        found = finders.find(relative) if ".." not in relative.split("/") else None
        if not found:
            raise FatalURLFetchingError(f"Fant ikke den statiske filen {relative}")
        # WeasyPrint ignores a stylesheet that does not come as text/css, so the type must be sent.
        content_type = mimetypes.guess_type(found)[0] or "application/octet-stream"
        with open(found, "rb") as file:
            return URLFetcherResponse(url, file.read(), headers={"Content-Type": content_type}, status=200)


def render_pdf(template_name, context, *, pdf_variant=None):
    """Renders `template_name` with `context` to PDF bytes. `pdf_variant` passes on to WeasyPrint,
    e.g. "pdf/a-3b" for documents kept in the archive."""
    html = render_to_string(template_name, context)
    document = weasyprint.HTML(string=html, base_url=BASE_URL, url_fetcher=StaticFilesFetcher())
    options = {"pdf_variant": pdf_variant} if pdf_variant else {}
    return document.write_pdf(**options)
