"""Pages that need nothing but the settings: the error page, the statements the footer links to and the
favicon. None of them reads the database, so they work for anyone, logged in or not."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseServerError
from django.shortcuts import redirect, render
from django.template import loader
from django.templatetags.static import static

from .organisation import organisation


def server_error(request: HttpRequest) -> HttpResponse:
    """The Norwegian 500 page, as Django's own `server_error`: rendered without the request's context
    processors, which may be what failed, and with nothing from the database; only the organisation."""
    template = loader.get_template("500.html")
    return HttpResponseServerError(template.render({"organisation": organisation()}))


def accessibility(request: HttpRequest) -> HttpResponse:
    return render(request, "core/accessibility.html", {"site_url": settings.SITE_URL})


def privacy(request: HttpRequest) -> HttpResponse:
    context = {
        "session_idle_minutes": settings.SESSION_IDLE_MINUTES,
        "staff_session_idle_minutes": settings.STAFF_SESSION_IDLE_MINUTES,
        "invitation_valid_days": settings.INVITATION_VALID_DAYS,
    }
    return render(request, "core/privacy.html", context)


def contact(request: HttpRequest) -> HttpResponse:
    return render(request, "core/contact.html")


def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers and feed readers ask for /favicon.ico whatever the page links to: sent to the collected,
    hashed file, which WhiteNoise serves with its far-future headers. Not permanent, since the hash changes
    with the icon."""
    return redirect(static("icons/favicon.ico"))
