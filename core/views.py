"""Error pages that need nothing but the settings."""

from django.http import HttpRequest, HttpResponse, HttpResponseServerError
from django.template import loader

from .organisation import organisation


def server_error(request: HttpRequest) -> HttpResponse:
    """The Norwegian 500 page, as Django's own `server_error`: rendered without the request's context
    processors, which may be what failed, and with nothing from the database; only the organisation."""
    template = loader.get_template("500.html")
    return HttpResponseServerError(template.render({"organisation": organisation()}))
