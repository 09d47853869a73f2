"""Two saves of one draft from forms opened at once (the applicant in two tabs, or two colleagues with the
personal link): the second is refused with what the first changed, keeping what was typed, and saving again
from the refused page stores it (core.concurrency)."""

import pytest
from django.test import Client

from core.concurrency import StaleEdit
from testing.forms import carried, opened

from ..models import Application
from ..services import Draft, application_save
from .factories import ApplicationFactory, CallFactory
from .test_applying import _form_data

pytestmark = pytest.mark.django_db

CONFLICT = "Ikke lagret:"


@pytest.fixture
def application():
    return ApplicationFactory(call=CallFactory(), municipalities=[])


def _saved(application):
    return Application.objects.get(pk=application.pk)


def _draft_from(client, application, **changes):
    """`_form_data` saved through the form, as the browser that opened the draft now sends it; the draft read back."""
    client.post(application.get_personal_url(), _form_data(application, **changes))
    return _saved(application)


def test_a_save_from_a_form_opened_before_another_save_is_refused_and_changes_nothing(client, application):
    opened_at = _saved(application).revision
    _draft_from(client, application, needs="Første lagring")
    assert _saved(application).revision == opened_at + 1
    draft = Draft(
        municipalities=[],
        contacts=[],
        needs="Andre lagring",
        motivation="",
        rammeplan="",
        mapping="",
        county_development_area="",
        answers={},
    )

    with pytest.raises(StaleEdit):
        application_save(application=_saved(application), draft=draft, revision=opened_at)

    saved = _saved(application)
    assert (saved.needs, saved.revision) == ("Første lagring", opened_at + 1)
    assert saved.contacts.count() == 3


def test_saving_an_unchanged_draft_leaves_its_revision_so_the_other_tab_is_not_refused(client, application):
    _draft_from(client, application)
    revision = _saved(application).revision

    _draft_from(client, application)  # «Lagre utkast» again, nothing changed

    assert _saved(application).revision == revision


def test_the_second_tab_is_told_what_the_first_changed_and_keeps_what_it_typed(application):
    url = application.get_personal_url()
    first, second = Client(), Client()
    first_opened, second_opened = opened(first, url), opened(second, url)

    response = first.post(url, _form_data(application, needs="Behov skrevet i første fane") | first_opened)
    assert response.status_code == 302

    response = second.post(
        url,
        _form_data(
            application,
            needs="Behov skrevet i andre fane",
            **{"kontakt-2-name": "Rita Ressurs", "kontakt-2-email": "rita@bodo.example.org"},
        )
        | second_opened,
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert CONFLICT in page
    # What the first tab saved, as it is saved now: the needs, the municipality and the contacts it added.
    assert "Behov skrevet i første fane" in page
    assert "<dt>Kommuner</dt>\n        <dd>Bodø</dd>" in page
    assert "Rune Ressurs, Ressurslærer, Bodø, ressurs@bodo.example.org" in page
    # The second tab's own text is still in the form, not saved.
    assert "Behov skrevet i andre fane</textarea>" in page
    assert 'value="Rita Ressurs"' in page
    saved = _saved(application)
    assert saved.needs == "Behov skrevet i første fane"
    assert "Rita Ressurs" not in set(saved.contacts.values_list("name", flat=True))

    # Saving again from the refused page keeps what is in the form: the second tab merged knowingly.
    response = second.post(
        url,
        _form_data(
            application,
            needs="Behov skrevet i andre fane",
            **{"kontakt-2-name": "Rita Ressurs", "kontakt-2-email": "rita@bodo.example.org"},
        )
        | carried(response),
    )
    assert response.status_code == 302
    saved = _saved(application)
    assert saved.needs == "Behov skrevet i andre fane"
    assert list(saved.contacts.values_list("name", flat=True)) == ["Ola Eier", "Lise Leder", "Rita Ressurs"]


def test_a_change_saved_between_the_read_and_the_lock_is_refused_too(application, monkeypatch):
    """The other save comes in after this request read the draft and before its service locks it: the
    service finds the revision changed (StaleEdit) and the page says what changed, from the draft read again."""
    from .. import views

    url = application.get_personal_url()
    client = Client()
    carried_at_open = opened(client, url)
    real_save = views.application_save

    def save_after_another(**kwargs):
        monkeypatch.setattr(views, "application_save", real_save)  # the other save goes straight through
        other = Client().post(url, _form_data(application, motivation="Lagret i mellomtiden"))
        assert other.status_code == 302
        return real_save(**kwargs)

    monkeypatch.setattr(views, "application_save", save_after_another)
    response = client.post(url, _form_data(application, needs="Mitt behov") | carried_at_open)

    page = response.content.decode()
    assert response.status_code == 200 and CONFLICT in page
    assert "Lagret i mellomtiden" in page
    assert "Mitt behov</textarea>" in page
    assert _saved(application).motivation == "Lagret i mellomtiden"
    assert _saved(application).needs != "Mitt behov"
