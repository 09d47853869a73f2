"""The surveys' part of the permission matrix (see testing/permissions.py). The staff pages are
the programme leader's alone; the answering pages need no login, since the personal link is the key."""

from types import SimpleNamespace

import pytest

from surveys.models import Category
from surveys.tests.factories import answer, evaluation_survey, invite
from testing.permissions import PERSONAS, check_access, matrix_ids


@pytest.fixture
def world(world):
    tokens = {}
    for key in ("a", "b"):
        group = world[f"group_{key}"]
        survey = evaluation_survey(group.portfolio)
        world[f"survey_{key}"] = survey
        _, tokens[key] = invite(survey, group=group, user=world[f"member_{key}"])
        used, tokens[f"used_{key}"] = invite(survey, group=group, role="resource_teacher")
        text = survey.questions.get(key="mest_nyttig")
        answer(used, {text: "Dialogkonferansene var mest nyttige."})
        world[f"answer_{key}"] = text.answers.get()
        world[f"category_{key}"] = Category.objects.get(survey=survey, name="Erfaringer")
    world["tokens"] = SimpleNamespace(**tokens)
    return world


ANYONE = [200] * 9
# member_a's own link: the token is the key, whoever is logged in, until member_a is no longer in the group.
MEMBER_A_LINK = [200] * 6 + [410] * 3
LEADER = [302, 404, 404, 404, 404, 200, 404, 302, 404]

MATRIX = [
    ("surveys:survey_list", {}, LEADER),
    ("surveys:results", {"pk": "survey_a.pk"}, LEADER),
    ("surveys:results", {"pk": "survey_b.pk"}, LEADER),
    ("surveys:coding", {"pk": "survey_a.pk"}, LEADER),
    ("surveys:report", {"pk": "survey_a.pk"}, LEADER),
    # No PDF made yet: the leader is sent to the report page, where «Lag PDF» is.
    ("surveys:report_pdf", {"pk": "survey_a.pk"}, [302, 404, 404, 404, 404, 302, 404, 302, 404]),
    ("surveys:export_csv", {"pk": "survey_a.pk"}, LEADER),
    ("surveys:export_xlsx", {"pk": "survey_a.pk"}, LEADER),
    ("surveys:compare", {"key": "forankring"}, LEADER),
    ("surveys:compare", {"key": "finnes-ikke"}, [302, 404, 404, 404, 404, 404, 404, 302, 404]),
    # The personal link: the token is the key, whoever is logged in.
    ("surveys:answer", {"token": "tokens.a"}, MEMBER_A_LINK),
    ("surveys:answer_page", {"token": "tokens.a", "number": 1}, MEMBER_A_LINK),
    ("surveys:answer_page", {"token": "tokens.a", "number": 99}, [404] * 6 + [410] * 3),
    ("surveys:answer", {"token": "feil-token"}, [404] * 9),
    ("surveys:answer_page", {"token": "feil-token", "number": 1}, [404] * 9),
    ("surveys:answer", {"token": "tokens.used_a"}, [410] * 9),
    ("surveys:answer_page", {"token": "tokens.used_a", "number": 1}, [410] * 9),
    ("surveys:answer_thanks", {"token": "tokens.used_a"}, ANYONE),
    ("surveys:answer_thanks", {"token": "feil-token"}, [404] * 9),
]

POST_MATRIX = [
    (
        "surveys:code_answer",
        {"pk": "survey_a.pk", "answer_pk": "answer_a.pk"},
        [302, 404, 404, 404, 404, 302, 404, 302, 404],
    ),
    # An answer of survey B through survey A's address: not found, even for the programme leader.
    (
        "surveys:code_answer",
        {"pk": "survey_a.pk", "answer_pk": "answer_b.pk"},
        [302, 404, 404, 404, 404, 404, 404, 302, 404],
    ),
    (
        "surveys:write_finding",
        {"pk": "survey_a.pk", "category_pk": "category_a.pk"},
        [302, 404, 404, 404, 404, 302, 404, 302, 404],
    ),
    (
        "surveys:write_finding",
        {"pk": "survey_a.pk", "category_pk": "category_b.pk"},
        [302, 404, 404, 404, 404, 404, 404, 302, 404],
    ),
    ("surveys:report_pdf_make", {"pk": "survey_a.pk"}, [302, 404, 404, 404, 404, 302, 404, 302, 404]),
    ("surveys:answer_page", {"token": "tokens.used_a", "number": 1}, [410] * 9),
    ("surveys:answer_page", {"token": "feil-token", "number": 1}, [404] * 9),
]


@pytest.mark.parametrize(("url_name", "kwargs", "expected"), MATRIX, ids=matrix_ids(MATRIX))
@pytest.mark.parametrize("persona", PERSONAS)
def test_permission_matrix(client, world, url_name, kwargs, expected, persona):
    check_access(client, world, url_name, kwargs, expected, persona)


@pytest.mark.parametrize(("url_name", "kwargs", "expected"), POST_MATRIX, ids=matrix_ids(POST_MATRIX))
@pytest.mark.parametrize("persona", PERSONAS)
def test_post_permission_matrix(client, world, url_name, kwargs, expected, persona):
    check_access(client, world, url_name, kwargs, expected, persona, method="post", data={"action": "save"})


def test_a_refused_staff_page_is_written_to_the_audit_log(client, world):
    from accounts.models import AuditEvent

    client.force_login(world["adviser_a"])
    assert client.get(f"/sporreundersokelse/{world['survey_a'].pk}/").status_code == 404
    assert AuditEvent.objects.filter(actor=world["adviser_a"]).exists()


def test_a_member_sees_no_survey_results_through_their_own_link(client, world):
    html = client.get(f"/sporreundersokelse/svar/{world['tokens'].a}/").content.decode()
    assert "Dialogkonferansene var mest nyttige." not in html
