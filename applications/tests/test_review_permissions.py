"""The review's part of the permission matrix (see testing/permissions.py): only the programme leader sees
applications; adviser_a sees the one shared with them and may comment on it; everyone else gets a 404."""

import pytest
from django.urls import reverse

from accounts.models import AuditEvent
from municipalities.tests.factories import municipality
from testing.permissions import PERSONAS, check_access, matrix_ids, resolve

from ..models import Application, ApplicationShare, ReviewNote
from .factories import ApplicationFactory, CallFactory, CriterionFactory, SubmittedApplicationFactory


@pytest.fixture
def world(world):
    call = CallFactory(portfolio=world["group_a"].portfolio)
    world["criterion"] = CriterionFactory(call=call)
    application = SubmittedApplicationFactory(call=call, municipalities=[municipality("1833")])
    world["application"] = application
    world["share"] = ApplicationShare.objects.create(
        application=application, adviser=world["adviser_a"], shared_by=world["leader"]
    )
    world["other"] = SubmittedApplicationFactory(call=call, municipalities=[municipality("1837")])
    world["unconfirmed"] = ApplicationFactory(
        call=call, status=Application.Status.UNCONFIRMED, confirmed_at=None, municipalities=[municipality("1836")]
    )
    # Begun but never sent in: the applicant's own, even when shared with an adviser before.
    world["draft"] = ApplicationFactory(call=call, municipalities=[municipality("1838")])
    ApplicationShare.objects.create(application=world["draft"], adviser=world["adviser_a"], shared_by=world["leader"])
    return world


LEADER_GET = [302, 404, 404, 404, 404, 200, 404, 302, 404]
LEADER_POST = [302, 404, 404, 404, 404, 302, 404, 302, 404]
SHARED_GET = [302, 404, 404, 200, 404, 200, 404, 302, 404]
SHARED_COMMENT = [302, 404, 404, 302, 404, 404, 404, 302, 404]
NOBODY = [302, 404, 404, 404, 404, 404, 404, 302, 404]

APP = {"pk": "application.pk"}
OTHER = {"pk": "other.pk"}

# url name, kwargs, method, data, expected status per persona (PERSONAS order).
MATRIX = [
    # Every adviser has the list, showing only what is shared with them (adviser_b: nothing).
    ("application_review:list", {}, "get", None, [302, 404, 404, 200, 200, 200, 404, 302, 404]),
    ("application_review:detail", APP, "get", None, SHARED_GET),
    # Not shared with adviser_a: the leader's alone.
    ("application_review:detail", OTHER, "get", None, LEADER_GET),
    # Not yet confirmed by the applicant: not an application yet, for anyone.
    ("application_review:detail", {"pk": "unconfirmed.pk"}, "get", None, NOBODY),
    ("application_review:detail", {"pk": "draft.pk"}, "get", None, NOBODY),
    ("application_review:note_add", {"pk": "draft.pk"}, "post", {"kind": "note", "text": "Sterk."}, NOBODY),
    ("application_review:criteria", APP, "post", {"met": ["criterion.pk"]}, LEADER_POST),
    ("application_review:note_add", APP, "post", {"kind": "note", "text": "Sterk søknad."}, LEADER_POST),
    ("application_review:comment_add", APP, "post", {"text": "Godt forankret."}, SHARED_COMMENT),
    ("application_review:comment_add", OTHER, "post", {"text": "Godt forankret."}, NOBODY),
    ("application_review:share_add", OTHER, "post", {"adviser": "adviser_b.pk"}, LEADER_POST),
    ("application_review:share_remove", {"pk": "application.pk", "share_pk": "share.pk"}, "post", None, LEADER_POST),
    ("application_review:decision", APP, "get", None, LEADER_GET),
    ("application_review:decision", APP, "get", {"vedtak": "declined"}, LEADER_GET),
    (
        "application_review:decision",
        APP,
        "post",
        {"vedtak": "declined", "letter": "Hei {søkeren}, dessverre.", "send": ""},
        LEADER_POST,
    ),
]


def _ids(matrix):
    return [f"{row[2]}-{name}" for row, name in zip(matrix, matrix_ids(matrix), strict=True)]


def _resolved(world, data):
    """The row's data with the world's paths («criterion.pk») resolved, in lists too; other text as it is."""

    def one(value):
        is_path = isinstance(value, str) and value.split(".", 1)[0] in world
        return resolve(world, value) if is_path else value

    if data is None:
        return None
    return {k: [one(v) for v in value] if isinstance(value, list) else one(value) for k, value in data.items()}


@pytest.mark.parametrize(("url_name", "kwargs", "method", "data", "expected"), MATRIX, ids=_ids(MATRIX))
@pytest.mark.parametrize("persona", PERSONAS)
def test_permission_matrix(client, world, url_name, kwargs, method, data, expected, persona):
    check_access(client, world, url_name, kwargs, expected, persona, method=method, data=_resolved(world, data))


def test_an_outsider_changes_nothing_and_is_logged(client, world):
    client.force_login(world["member_a"])
    application = world["application"]
    client.post(reverse("application_review:note_add", args=[application.pk]), {"kind": "note", "text": "Hei"})
    client.post(reverse("application_review:decision", args=[application.pk]), {"vedtak": "admitted", "send": ""})
    assert not ReviewNote.objects.exists()
    application.refresh_from_db()
    assert application.status == Application.Status.SUBMITTED
    assert AuditEvent.objects.filter(action="access.refused", actor=world["member_a"]).count() == 2


def test_the_shared_adviser_sees_the_application_but_not_the_leaders_notes(client, world):
    application = world["application"]
    ReviewNote.objects.create(application=application, author=world["leader"], text="Internt: usikker på eierskapet.")
    client.force_login(world["adviser_a"])
    page = client.get(reverse("application_review:detail", args=[application.pk])).content.decode()
    assert "Rana" in page
    assert "Internt: usikker" not in page
    assert "Fatt vedtak" not in page
    listing = client.get(reverse("application_review:list")).content.decode()
    assert "Rana" in listing
    assert "Meløy" not in listing  # the application not shared with them


def test_once_the_share_is_removed_the_adviser_gets_a_404(client, world):
    client.force_login(world["leader"])
    share = world["share"]
    client.post(reverse("application_review:share_remove", args=[share.application_id, share.pk]))
    client.force_login(world["adviser_a"])
    assert client.get(reverse("application_review:detail", args=[share.application_id])).status_code == 404
