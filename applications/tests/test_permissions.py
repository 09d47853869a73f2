"""The applications' part of the permission matrix (see testing/permissions.py). Nothing here needs a login:
the open calls are public, and an application opens through its personal link, whose token is the key,
whoever is logged in (or not). An unknown link is a 404 for everyone, the programme leader too."""

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.utils import timezone

from applications.models import Application, ApplicationPdf
from applications.tests.factories import ApplicationFactory, CallFactory, SubmittedApplicationFactory
from core.storage import sha256_hex, write_bytes
from testing.permissions import PERSONAS, check_access, matrix_ids


@pytest.fixture
def world(world):
    now = timezone.now()
    portfolio = world["group_a"].portfolio
    world["call_open"] = CallFactory(portfolio=portfolio)
    world["call_closed"] = CallFactory(
        portfolio=portfolio, opens_at=now - timedelta(days=60), closes_at=now - timedelta(days=1)
    )
    world["call_coming"] = CallFactory(
        portfolio=portfolio, opens_at=now + timedelta(days=5), closes_at=now + timedelta(days=30)
    )
    draft = ApplicationFactory(call=world["call_open"])
    unconfirmed = ApplicationFactory(call=world["call_open"], status=Application.Status.UNCONFIRMED, confirmed_at=None)
    submitted = SubmittedApplicationFactory(call=world["call_open"])
    with_pdf = SubmittedApplicationFactory(call=world["call_open"])
    content = b"%PDF-1.7 soknad"
    ApplicationPdf.objects.create(
        application=with_pdf, path=write_bytes("applications/test", content), sha256=sha256_hex(content), made_at=now
    )
    withdrawn = SubmittedApplicationFactory(
        call=world["call_open"], status=Application.Status.WITHDRAWN, withdrawn_at=now
    )
    world["tokens"] = SimpleNamespace(
        draft=draft.token,
        unconfirmed=unconfirmed.token,
        submitted=submitted.token,
        with_pdf=with_pdf.token,
        withdrawn=withdrawn.token,
    )
    return world


ANYONE = [200] * 9
NOBODY = [404] * 9

MATRIX = [
    ("applications:call_list", {}, ANYONE),
    ("applications:call_detail", {"pk": "call_open.pk"}, ANYONE),
    ("applications:call_detail", {"pk": "call_closed.pk"}, ANYONE),
    # A call being prepared is nobody's business yet, the programme leader's included: it is edited in the admin.
    ("applications:call_detail", {"pk": "call_coming.pk"}, NOBODY),
    ("applications:call_detail", {"pk": 999999}, NOBODY),
    ("applications:start_sent", {"pk": "call_open.pk"}, ANYONE),
    ("applications:start_sent", {"pk": "call_coming.pk"}, NOBODY),
    ("applications:edit", {"token": "tokens.draft"}, ANYONE),
    ("applications:edit", {"token": "tokens.unconfirmed"}, ANYONE),
    ("applications:edit", {"token": "tokens.submitted"}, ANYONE),
    ("applications:edit", {"token": "tokens.withdrawn"}, ANYONE),
    ("applications:edit", {"token": "feil-token"}, NOBODY),
    ("applications:withdraw", {"token": "tokens.submitted"}, ANYONE),
    ("applications:withdraw", {"token": "feil-token"}, NOBODY),
    # Submitted, its PDF not made yet: a page saying it is on its way.
    ("applications:pdf", {"token": "tokens.submitted"}, ANYONE),
    ("applications:pdf", {"token": "tokens.with_pdf"}, ANYONE),
    ("applications:pdf", {"token": "tokens.draft"}, NOBODY),
    ("applications:pdf", {"token": "tokens.withdrawn"}, NOBODY),
    ("applications:pdf", {"token": "feil-token"}, NOBODY),
]

# Posts that answer with a page (a form with its errors) or a refusal; the posts that act and redirect are
# tested in test_applying.py.
POST_MATRIX = [
    ("applications:call_detail", {"pk": "call_open.pk"}, ANYONE),
    ("applications:call_detail", {"pk": "call_coming.pk"}, NOBODY),
    ("applications:edit", {"token": "tokens.draft"}, ANYONE),
    ("applications:edit", {"token": "feil-token"}, NOBODY),
    ("applications:withdraw", {"token": "feil-token"}, NOBODY),
]


@pytest.mark.parametrize(("url_name", "kwargs", "expected"), MATRIX, ids=matrix_ids(MATRIX))
@pytest.mark.parametrize("persona", PERSONAS)
def test_permission_matrix(client, world, url_name, kwargs, expected, persona):
    check_access(client, world, url_name, kwargs, expected, persona)


@pytest.mark.parametrize(("url_name", "kwargs", "expected"), POST_MATRIX, ids=matrix_ids(POST_MATRIX))
@pytest.mark.parametrize("persona", PERSONAS)
def test_post_permission_matrix(client, world, url_name, kwargs, expected, persona):
    # Bad input on purpose: an e-mail address that is none, a municipality that does not exist.
    data = {"name": "Kari", "email": "ikke-en-adresse", "municipality_1": "Atlantis"}
    check_access(client, world, url_name, kwargs, expected, persona, method="post", data=data)


def test_the_pdf_is_the_stored_bytes(client, world):
    response = client.get(f"/sok/soknad/{world['tokens'].with_pdf}/soknad.pdf")
    assert b"".join(response) == b"%PDF-1.7 soknad"
    assert response["Content-Disposition"].startswith("attachment;")
