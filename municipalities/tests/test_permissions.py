"""The permission matrix of the group's documents (see testing/permissions.py): every URL for anonymous,
members of group A and B, their advisers, the programme leader and member_a after their part is over."""

import pytest

from municipalities.models import GroupDocument
from testing.permissions import PERSONAS, check_access, matrix_ids

from .documents import document


@pytest.fixture
def world(world):
    """Group A has a document member_a shared and one its adviser shared; group B one member_b shared."""
    world["document_a"] = document(world["group_a"], world["member_a"], versions=2)
    world["adviser_document_a"] = document(world["group_a"], world["adviser_a"])
    world["document_b"] = document(world["group_b"], world["member_b"])
    hidden = document(world["group_a"], world["member_a"], title="Tatt bort")
    GroupDocument.objects.filter(pk=hidden.pk).update(hidden_at=hidden.created_at, hidden_by=world["member_a"])
    world["hidden_a"] = hidden
    return world


# The documents are the group's work, not its records: a former member no longer reaches them.
GROUP_A = [302, 200, 404, 200, 404, 200, 404, 302, 404]
GROUP_B = [302, 404, 200, 404, 200, 200, 404, 302, 404]
# Taking down: the uploader (member_a), the group's adviser and the programme leader.
HIDE_MEMBER_A = GROUP_A
HIDE_ADVISER_A = [302, 404, 404, 200, 404, 200, 404, 302, 404]
NOBODY = [302, 404, 404, 404, 404, 404, 404, 302, 404]

MATRIX = [
    ("municipalities:documents", {"group_pk": "group_a.pk"}, GROUP_A),
    ("municipalities:documents", {"group_pk": "group_b.pk"}, GROUP_B),
    ("municipalities:document_version_new", {"pk": "document_a.pk"}, GROUP_A),
    ("municipalities:document_version_new", {"pk": "document_b.pk"}, GROUP_B),
    ("municipalities:document_version_new", {"pk": "hidden_a.pk"}, NOBODY),
    ("municipalities:document_download", {"pk": "document_a.pk", "number": 1}, GROUP_A),
    ("municipalities:document_download", {"pk": "document_a.pk", "number": 2}, GROUP_A),
    ("municipalities:document_download", {"pk": "document_a.pk", "number": 3}, NOBODY),
    ("municipalities:document_download", {"pk": "document_b.pk", "number": 1}, GROUP_B),
    ("municipalities:document_download", {"pk": "hidden_a.pk", "number": 1}, NOBODY),
    ("municipalities:document_hide", {"pk": "document_a.pk"}, HIDE_MEMBER_A),
    ("municipalities:document_hide", {"pk": "adviser_document_a.pk"}, HIDE_ADVISER_A),
    ("municipalities:document_hide", {"pk": "document_b.pk"}, GROUP_B),
    ("municipalities:document_hide", {"pk": "hidden_a.pk"}, NOBODY),
]

# POSTs with an empty form: whoever may upload gets the form back with its errors (200); taking down
# redirects to the list (302) for whoever may; everyone else gets 404.
POST_MATRIX = [
    ("municipalities:documents", {"group_pk": "group_a.pk"}, GROUP_A),
    ("municipalities:documents", {"group_pk": "group_b.pk"}, GROUP_B),
    ("municipalities:document_version_new", {"pk": "document_a.pk"}, GROUP_A),
    ("municipalities:document_version_new", {"pk": "hidden_a.pk"}, NOBODY),
    ("municipalities:document_hide", {"pk": "adviser_document_a.pk"}, [302, 404, 404, 302, 404, 302, 404, 302, 404]),
    ("municipalities:document_hide", {"pk": "document_b.pk"}, [302, 404, 302, 404, 302, 302, 404, 302, 404]),
]


@pytest.mark.parametrize(("url_name", "kwargs", "expected"), MATRIX, ids=matrix_ids(MATRIX))
@pytest.mark.parametrize("persona", PERSONAS)
def test_permission_matrix(client, world, url_name, kwargs, expected, persona):
    check_access(client, world, url_name, kwargs, expected, persona)


@pytest.mark.parametrize(("url_name", "kwargs", "expected"), POST_MATRIX, ids=matrix_ids(POST_MATRIX))
@pytest.mark.parametrize("persona", PERSONAS)
def test_permission_matrix_post(client, world, url_name, kwargs, expected, persona):
    check_access(client, world, url_name, kwargs, expected, persona, method="post")


def test_a_post_that_is_refused_takes_nothing_down(client, world):
    client.force_login(world["member_b"])
    client.post(f"/kommunegrupper/dokumenter/{world['document_a'].pk}/ta-bort/")
    assert GroupDocument.objects.get(pk=world["document_a"].pk).hidden_at is None
