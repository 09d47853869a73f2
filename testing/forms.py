"""Submitting an edit form as a browser does: open it first, and send back the version it carries."""

import html
import re
from typing import Any

from django.test import Client

from core.concurrency import REVISION_INPUT, SEEN_INPUT

_HIDDEN = re.compile(rf'<input type="hidden" name="({REVISION_INPUT}|{SEEN_INPUT})" value="([^"]*)"')


def carried(response: Any) -> dict[str, str]:
    """The hidden inputs with which the edit form on the page `response` guards its row (core.concurrency):
    the revision and what the form showed. Add them to the data of the POST that saves the form."""
    found = {name: html.unescape(value) for name, value in _HIDDEN.findall(response.content.decode())}
    assert set(found) == {REVISION_INPUT, SEEN_INPUT}, "the page has no edit form that carries its revision"
    return found


def opened(client: Client, url: str) -> dict[str, str]:
    """`carried` of the edit form at `url` as `client` opens it now."""
    response = client.get(url)
    assert response.status_code == 200, f"{url} answered {response.status_code}"
    return carried(response)
