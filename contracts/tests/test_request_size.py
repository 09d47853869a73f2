"""A body larger than the portal takes is refused by its declared size, before anything reads it."""

import pytest
from django.urls import reverse

from accounts.models import AuditEvent
from accounts.tests.factories import UserFactory


class UnreadableBody:
    """A request body that fails the test if anything reads it."""

    def read(self, *args):
        raise AssertionError("the body was read")

    readline = read


@pytest.mark.django_db
def test_a_300_mb_upload_to_the_verify_page_is_refused_unread(client):
    client.force_login(UserFactory())
    response = client.generic(
        "POST",
        reverse("contracts:verify"),
        CONTENT_TYPE="multipart/form-data; boundary=grense",
        CONTENT_LENGTH=str(300 * 1024 * 1024),
        **{"wsgi.input": UnreadableBody()},
    )
    assert response.status_code == 413
    html = response.content.decode()
    assert "for stor" in html
    assert "høyst 11 MB" in html
    # The view never ran: it logs every check it makes.
    assert not AuditEvent.objects.filter(action="contract.verified").exists()


@pytest.mark.django_db
def test_a_form_body_over_djangos_field_limit_is_refused_unread(client, settings):
    response = client.generic(
        "POST",
        reverse("accounts:login"),
        CONTENT_TYPE="application/x-www-form-urlencoded",
        CONTENT_LENGTH=str(settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1),
        **{"wsgi.input": UnreadableBody()},
    )
    assert response.status_code == 413
    assert "Filen eller teksten er for stor" in response.content.decode()


@pytest.mark.django_db
def test_a_body_within_the_limit_reaches_the_view(client):
    client.force_login(UserFactory())
    response = client.post(reverse("contracts:verify"), {})
    assert response.status_code == 200
