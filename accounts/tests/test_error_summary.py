"""The login and password forms: after a failed submit, «Feil:» in the title and a summary at the top."""

import pytest
from django.urls import reverse

from accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_a_failed_login_is_summarised_at_the_top(client):
    user = UserFactory()
    response = client.post(reverse("accounts:login"), {"username": user.email, "password": "feil-passord"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "<title>Feil: " in html
    assert "Skjemaet har én feil" in html
    summary = html[html.index('id="feiloppsummering"') : html.index("</div>", html.index('id="feiloppsummering"'))]
    assert "e-post" in summary.lower()
    assert f'value="{user.email}"' in html


def test_a_failed_password_change_links_to_the_field_at_fault(client):
    user = UserFactory()
    client.force_login(user)
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": "ikke-det-gamle", "new_password1": "kort", "new_password2": "kort"},
    )
    html = response.content.decode()
    assert "<title>Feil: " in html
    link = '<a class="alert-link" href="#{}">{}</a>'
    assert link.format("id_old_password", "Nåværende passord: Det nåværende passordet er feil. Prøv igjen.") in html
    assert link.format("id_new_password1", "Nytt passord: Passordet er for kort. Det må ha minst 10 tegn.") in html
