"""Submitting an edit form as a browser does: open it first, and send back the version it carries."""

import html
import re

from django.test import Client

from core.concurrency import REVISION_INPUT, SEEN_INPUT

_HIDDEN = re.compile(rf'<input type="hidden" name="({REVISION_INPUT}|{SEEN_INPUT})" value="([^"]*)"')


def opened(client: Client, url: str) -> dict[str, str]:
    """The hidden inputs of the edit form at `url` as `client` opens it now (core.concurrency): the
    revision and what the form showed. Add them to the data of the POST that saves the form."""
    response = client.get(url)
    assert response.status_code == 200, f"{url} answered {response.status_code}"
    found = {name: html.unescape(value) for name, value in _HIDDEN.findall(response.content.decode())}
    assert set(found) == {REVISION_INPUT, SEEN_INPUT}, f"{url} has no edit form that carries its revision"
    return found
