import re

import pytest
from django.http import HttpResponse
from django.test import RequestFactory

from core.logs import current_request_id
from core.request_id import RequestIdMiddleware


def _serve(headers=None, view=None):
    middleware = RequestIdMiddleware(view or (lambda request: HttpResponse("ok")))
    return middleware(RequestFactory().get("/", headers=headers or {}))


@pytest.mark.parametrize(
    "incoming", ["3f9c0a7e5b2d4c1a9e8f7d6c5b4a3928", "4b1c2d3e-aaaa-bbbb-cccc-1234567890ab", "a.b_C-1"]
)
def test_the_middleware_passes_a_safe_incoming_id(incoming):
    response = _serve({"X-Request-ID": incoming})

    assert response["X-Request-ID"] == incoming


@pytest.mark.parametrize(
    "incoming",
    ["evil id", "x" * 65, "abc\r\nX-Injected: 1", "abc 2026-12-01T00:00:00 ERROR forged", "<script>", "ø", ""],
)
def test_the_middleware_replaces_an_unsafe_incoming_id(incoming):
    response = _serve({"X-Request-ID": incoming} if incoming else {})

    assert response["X-Request-ID"] != incoming
    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])


def test_each_request_gets_its_own_id_and_the_view_sees_it():
    seen = []

    def view(request):
        seen.append((request.request_id, current_request_id.get()))
        return HttpResponse("ok")

    first, second = _serve(view=view), _serve(view=view)

    assert first["X-Request-ID"] != second["X-Request-ID"]
    assert seen == [(first["X-Request-ID"],) * 2, (second["X-Request-ID"],) * 2]
