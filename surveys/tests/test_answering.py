"""Answering through the personal link: no login, one page at a time, save and come back, submit once."""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from portfolios.tests.factories import PortfolioFactory
from surveys.models import Answer, Response
from surveys.services import reminder_round_start
from surveys.tests.factories import answer, evaluation_survey, invite

pytestmark = pytest.mark.django_db


@pytest.fixture
def survey():
    return evaluation_survey(PortfolioFactory())


def _page_url(token, number):
    return f"/sporreundersokelse/svar/{token}/side/{number}/"


def test_the_link_works_without_logging_in(client, survey):
    _, token = invite(survey)
    response = client.get(f"/sporreundersokelse/svar/{token}/")
    assert response.status_code == 200
    assert "Start undersøkelsen" in response.content.decode()
    page = client.get(_page_url(token, 1)).content.decode()
    assert "I hvilken grad mener dere det er samsvar" in page
    assert "<legend" in page


def test_an_unknown_token_is_404(client, survey):
    assert client.get("/sporreundersokelse/svar/feil-token/").status_code == 404


def test_a_missing_required_answer_is_explained_in_norwegian_and_what_was_typed_is_kept(client, survey):
    _, token = invite(survey)
    question = survey.questions.get(key="forventning_samsvar")
    text = survey.questions.get(key="forventninger_apent")
    response = client.post(_page_url(token, 1), {"action": "next", f"q{text.pk}": "Vi ventet mer om eierrollen."})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Svar på dette spørsmålet før du går videre." in html
    assert "Vi ventet mer om eierrollen." in html
    assert f"id_q{question.pk}-ends id_q{question.pk}-error" in html


def test_save_and_come_back_keeps_the_draft(client, survey):
    invitation, token = invite(survey)
    text = survey.questions.get(key="forventninger_apent")
    response = client.post(_page_url(token, 1), {"action": "save", f"q{text.pk}": "Halvferdig svar"})
    assert response.status_code == 302
    draft = Response.objects.get(invitation=invitation)
    assert draft.submitted_at is None
    # A new visit (another browser) with the same link finds the answer again.
    client.cookies.clear()
    assert "Fortsett der du slapp" in client.get(f"/sporreundersokelse/svar/{token}/").content.decode()
    assert "Halvferdig svar" in client.get(_page_url(token, 1)).content.decode()


def _fill_all_pages(client, survey, token):
    pages = list(survey.pages.all())
    for number, page in enumerate(pages, start=1):
        data = {"action": "submit" if number == len(pages) else "next"}
        for q in page.questions.prefetch_related("items"):
            if q.kind == "scale":
                data[f"q{q.pk}"] = "5"
            elif q.kind == "matrix":
                for item in q.items.all():
                    data[f"q{q.pk}_i{item.pk}"] = "4"
            elif q.kind == "single":
                data[f"q{q.pk}"] = str(q.items.first().pk)
            elif q.kind == "multiple":
                data[f"q{q.pk}"] = [str(i.pk) for i in q.items.all()[:2]]
            else:
                data[f"q{q.pk}"] = f"Svar på {q.key}"
        response = client.post(_page_url(token, number), data)
        assert response.status_code == 302, response.content.decode()[:2000]
    return response


def test_submitting_once_then_the_link_is_refused_with_410(client, survey):
    invitation, token = invite(survey)
    response = _fill_all_pages(client, survey, token)
    assert response["Location"].endswith("/takk/")
    assert "Takk for svarene" in client.get(response["Location"]).content.decode()
    submitted = Response.objects.get(survey=survey)
    assert submitted.submitted_at is not None
    assert submitted.level == "leder"
    invitation.refresh_from_db()
    assert invitation.used_at is not None
    count = Answer.objects.filter(response=submitted).count()
    again = client.get(f"/sporreundersokelse/svar/{token}/")
    assert again.status_code == 410
    assert "Du har allerede svart" in again.content.decode()
    # Posting answers again changes nothing.
    assert client.post(_page_url(token, 1), {"action": "save"}).status_code == 410
    assert Answer.objects.filter(response=submitted).count() == count


def _columns(table, where, params):
    """Every column of the rows of `table` matching `where`, read with SQL: what the database itself holds,
    whatever the models say."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table} WHERE {where}", params)  # noqa: S608 - the tests' own names
        names = [c.name for c in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def test_an_anonymous_response_keeps_no_path_to_who_answered(client, survey):
    assert survey.anonymous
    invitation, token = invite(survey)
    user_id, group_id = invitation.user_id, invitation.group_id
    text = survey.questions.get(key="forventninger_apent")
    client.post(_page_url(token, 1), {"action": "save", f"q{text.pk}": "Utkast"})
    # A draft stays linked, so that the link finds it again.
    assert Response.objects.get(survey=survey).invitation_id == invitation.pk
    _fill_all_pages(client, survey, token)

    [row] = _columns("surveys_response", "survey_id = %s", [survey.pk])
    # Nothing in the row points at the invitation, the person or the group, and no time could be matched
    # with the invitation's.
    assert row["invitation_id"] is None
    assert set(row) == {
        "id",
        "survey_id",
        "invitation_id",
        "level",
        "started_at",
        "updated_at",
        "submitted_at",
        "resume_page",
    }
    assert row["resume_page"] == 1
    assert row["started_at"] == row["updated_at"] == row["submitted_at"] == survey.opens_at
    assert row["level"] == "leder"
    answers = _columns("surveys_answer", "response_id = %s", [row["id"]])
    assert answers and {a["response_id"] for a in answers} == {row["id"]}
    assert not {"invitation_id", "user_id", "group_id"} & set(answers[0])
    # Nor does anything point the other way: the invitation says only that it was used.
    [used] = _columns("surveys_invitation", "id = %s", [invitation.pk])
    # Used, but not when: a time of the submit beside the person would pick out their response by the order
    # the responses were saved in.
    assert used["used_at"] == survey.opens_at
    assert (used["user_id"], used["group_id"]) == (user_id, group_id)
    assert not any(str(row["id"]) == str(v) for k, v in used.items() if k != "survey_id")
    assert not Response.objects.filter(invitation=invitation).exists()

    # A second submit of the link is refused in Norwegian, and no reminder goes to it.
    again = client.post(_page_url(token, survey.pages.count()), {"action": "submit"})
    assert again.status_code == 410
    assert "Du har allerede svart" in again.content.decode()
    assert Response.objects.filter(survey=survey).count() == 1
    assert reminder_round_start(survey=survey) == 0


def test_a_response_to_a_survey_that_is_not_anonymous_keeps_its_invitation(client):
    survey = evaluation_survey(PortfolioFactory(), anonymous=False)
    invitation, token = invite(survey)
    _fill_all_pages(client, survey, token)
    submitted = Response.objects.get(survey=survey)
    assert submitted.invitation_id == invitation.pk
    assert submitted.submitted_at > survey.opens_at


def test_submit_with_an_earlier_required_question_missing_goes_back_to_it(client, survey):
    invitation, token = invite(survey)
    last = survey.pages.count()
    response = client.post(_page_url(token, last), {"action": "submit", **_required_last_page(survey)})
    assert response.status_code == 302
    assert response["Location"] == _page_url(token, 1)
    assert Response.objects.get(invitation=invitation).submitted_at is None


def _required_last_page(survey):
    page = survey.pages.last()
    matrix = page.questions.get(key="resultat")
    return {f"q{matrix.pk}_i{item.pk}": "5" for item in matrix.items.all()}


def test_a_closed_survey_says_so(client):
    survey = evaluation_survey(PortfolioFactory(), open_now=False)
    _, token = invite(survey)
    response = client.get(f"/sporreundersokelse/svar/{token}/")
    assert response.status_code == 410
    assert "Undersøkelsen er stengt" in response.content.decode()


def test_a_survey_not_yet_open_says_when_it_opens(client, survey):
    survey.opens_at = timezone.now() + timedelta(days=2)
    survey.closes_at = timezone.now() + timedelta(days=20)
    survey.save(update_fields=["opens_at", "closes_at"])
    _, token = invite(survey)
    response = client.get(_page_url(token, 1))
    assert "ikke åpnet ennå" in response.content.decode()


def test_another_persons_token_opens_only_their_own_draft(client, survey):
    first, first_token = invite(survey)
    _, second_token = invite(survey)
    text = survey.questions.get(key="forventninger_apent")
    answer(first, {text: "Mitt private svar"}, submit=False)
    assert "Mitt private svar" in client.get(_page_url(first_token, 1)).content.decode()
    assert "Mitt private svar" not in client.get(_page_url(second_token, 1)).content.decode()


def test_only_the_hash_of_the_token_is_stored(survey):
    invitation, token = invite(survey)
    invitation.refresh_from_db()
    assert token not in {invitation.token_hash, invitation.nonce}
    assert len(invitation.token_hash) == 64


def test_fortsett_der_du_slapp_opens_the_page_the_person_was_going_to(client, survey):
    invitation, token = invite(survey)
    start = f"/sporreundersokelse/svar/{token}/"
    assert f'href="{_page_url(token, 1)}"' in client.get(start).content.decode()
    pages = list(survey.pages.all())
    # Page 2 saved for later: the start page leads back to page 2.
    client.post(_page_url(token, 2), {"action": "save"})
    assert Response.objects.get(invitation=invitation).resume_page == 2
    assert f'href="{_page_url(token, 2)}">Fortsett der du slapp' in client.get(start).content.decode()
    # «Forrige side» from page 2 leads back to page 1.
    client.post(_page_url(token, 2), {"action": "previous"})
    assert f'href="{_page_url(token, 1)}">Fortsett der du slapp' in client.get(start).content.decode()
    client.post(_page_url(token, len(pages)), {"action": "save"})
    assert f'href="{_page_url(token, len(pages))}">Fortsett der du slapp' in client.get(start).content.decode()
