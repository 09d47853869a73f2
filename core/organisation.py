"""The organisation that runs the portal (settings.ORGANISATION): its name, address, contact details and
signatory, for every page, e-mail and PDF. Pages get it from the context processor; e-mails (core.mail) and
PDFs (core.pdf) add it to their context themselves, since they are rendered outside a request."""

from collections.abc import Mapping
from typing import Any, TypedDict, cast

from django.conf import settings
from django.http import HttpRequest


class Organisation(TypedDict):
    name: str
    address: str
    email: str
    phone: str
    website: str
    signatory_name: str
    signatory_title: str
    calendar_domain: str


def organisation() -> Organisation:
    return cast(Organisation, settings.ORGANISATION)  # settings.py builds it with these keys


def with_organisation(context: Mapping[str, Any]) -> dict[str, Any]:
    """`context` with `organisation` added (a key of the caller's own wins)."""
    return {"organisation": organisation(), **context}


def context_processor(request: HttpRequest) -> dict[str, Organisation]:
    return {"organisation": organisation()}
