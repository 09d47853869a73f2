"""A meeting note links to the group's documents (issue 16): chosen among the group's own, checked in the
service, shown as links on the published note, and gone once a document is taken down."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from meetings.models import MeetingNote
from meetings.services import note_save
from meetings.tests.factories import MeetingFactory, in_days
from municipalities.models import Role
from municipalities.services import group_document_hide
from municipalities.tests.documents import document
from municipalities.tests.factories import MembershipFactory, MunicipalityGroupFactory, municipality
from testing.forms import opened

pytestmark = pytest.mark.django_db


@pytest.fixture
def setting():
    group = MunicipalityGroupFactory()
    leader = MembershipFactory(group=group, role=Role.LEADER).user
    other = MunicipalityGroupFactory(municipalities=[municipality("5612")])
    return {
        "group": group,
        "leader": leader,
        "meeting": MeetingFactory(group=group, starts_at=in_days(-2)),
        "plan": document(group, leader, title="Utkast til utviklingsplan", versions=2),
        "photo": document(group, group.adviser, title="Bilde fra tavla"),
        "foreign": document(other, MembershipFactory(group=other).user, title="Annen gruppes dokument"),
    }


def _post(client, meeting, **extra):
    url = reverse("meetings:note_edit", kwargs={"pk": meeting.pk})
    data = {
        "summary": "Vi så på utkastet.",
        "agreements": "",
        "staff_note": "",
        "tasks-TOTAL_FORMS": "0",
        "tasks-INITIAL_FORMS": "0",
        "publish": "",
        **extra,
    }
    return client.post(url, data | opened(client, url))


def test_the_adviser_links_the_groups_documents_and_the_group_sees_them_on_the_note(client, setting):
    meeting, plan = setting["meeting"], setting["plan"]
    client.force_login(setting["group"].adviser)
    form = client.get(reverse("meetings:note_edit", kwargs={"pk": meeting.pk})).content.decode()
    assert "Utkast til utviklingsplan" in form and "Bilde fra tavla" in form
    assert "Annen gruppes dokument" not in form
    response = _post(client, meeting, documents=[str(plan.pk)])
    assert response.status_code == 302
    note = MeetingNote.objects.get(meeting=meeting)
    assert list(note.documents.all()) == [plan]

    client.force_login(setting["leader"])
    page = client.get(meeting.get_absolute_url()).content.decode()
    # The link is to the newest version.
    assert reverse("municipalities:document_download", kwargs={"pk": plan.pk, "number": 2}) in page
    assert "Bilde fra tavla" not in page


def test_another_groups_document_is_refused_by_the_form_and_nothing_is_saved(client, setting):
    client.force_login(setting["group"].adviser)
    response = _post(
        client, setting["meeting"], summary="Dette skal stå igjen.", documents=[str(setting["foreign"].pk)]
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Velg blant gruppens dokumenter." in page
    assert "Dette skal stå igjen." in page
    assert not MeetingNote.objects.filter(meeting=setting["meeting"]).exists()


def test_the_service_refuses_another_groups_or_a_hidden_document(setting):
    hidden = document(setting["group"], setting["leader"], title="Tatt bort")
    group_document_hide(document=hidden, user=setting["leader"])
    hidden.refresh_from_db()
    for wrong in (setting["foreign"], hidden):
        with pytest.raises(ValidationError):
            note_save(
                meeting=setting["meeting"],
                author=setting["group"].adviser,
                summary="",
                agreements="",
                staff_note="",
                tasks=[],
                documents=[setting["plan"], wrong],
            )
    assert not MeetingNote.objects.filter(meeting=setting["meeting"]).exists()


def test_a_document_taken_down_disappears_from_the_note(client, setting):
    meeting, plan = setting["meeting"], setting["plan"]
    note_save(
        meeting=meeting,
        author=setting["group"].adviser,
        summary="Referat.",
        agreements="",
        staff_note="",
        tasks=[],
        publish=True,
        documents=[plan],
    )
    group_document_hide(document=plan, user=setting["leader"])
    client.force_login(setting["leader"])
    page = client.get(meeting.get_absolute_url()).content.decode()
    assert "Utkast til utviklingsplan" not in page


def test_a_group_without_documents_gets_no_empty_list_and_its_note_saves(client):
    group = MunicipalityGroupFactory()
    meeting = MeetingFactory(group=group, starts_at=in_days(-2))
    client.force_login(group.adviser)
    form = client.get(reverse("meetings:note_edit", kwargs={"pk": meeting.pk})).content.decode()
    assert 'name="documents"' not in form
    assert _post(client, meeting).status_code == 302
    assert MeetingNote.objects.get(meeting=meeting).is_published
