"""Issue 12, «Survey coding page»: a page of open answers at a time, the uncoded first, filtered by question
and by category, in the same few queries however many answers there are."""

import re

import pytest

from accounts.tests.factories import ProgrammeLeaderFactory
from municipalities.tests.factories import MunicipalityGroupFactory
from portfolios.tests.factories import PortfolioFactory
from surveys.tests.factories import answer, evaluation_survey, invite
from surveys.views import CODING_PAGE_SIZE

pytestmark = pytest.mark.django_db


@pytest.fixture
def leader_client(client):
    client.force_login(ProgrammeLeaderFactory())
    return client


def _respond(survey, count, *, start=0):
    """`count` respondents, each with an answer to two open questions."""
    group = MunicipalityGroupFactory(portfolio=survey.portfolio)
    useful = survey.questions.get(key="mest_nyttig")
    better = survey.questions.get(key="forbedringer")
    for i in range(start, start + count):
        invitation, _ = invite(survey, group=group)
        answer(invitation, {useful: f"Nyttig {i}", better: f"Bedre {i}"})


def _url(survey, query=""):
    return f"/sporreundersokelse/{survey.pk}/koding/" + (f"?{query}" if query else "")


def _shown(html):
    return re.findall(r"«((?:Nyttig|Bedre) \d+)»", html)


@pytest.mark.parametrize("anonymous", [True, False])
def test_the_coding_page_runs_the_same_queries_with_few_and_many_answers(
    leader_client, django_assert_num_queries, anonymous
):
    survey = evaluation_survey(PortfolioFactory(), anonymous=anonymous)
    _respond(survey, 2)
    # session, user, its second-factor device, its staff roles (for the menu), the survey with portfolio and
    # programme, its categories, the questions with text answers (for the filter), the count, the page of
    # answers, their categories; and for a survey that is not anonymous the writers' groups' municipalities.
    expected = 10 if anonymous else 11
    with django_assert_num_queries(expected):
        small = leader_client.get(_url(survey))
    assert small.status_code == 200
    assert len(_shown(small.content.decode())) == 4
    _respond(survey, 40, start=2)
    with django_assert_num_queries(expected):
        large = leader_client.get(_url(survey, "sporsmal=&kategori=ukodet&side=2"))
    assert len(_shown(large.content.decode())) == CODING_PAGE_SIZE


def test_the_uncoded_answers_come_first_and_the_filters_narrow_them(leader_client):
    survey = evaluation_survey(PortfolioFactory())
    _respond(survey, 3)
    category = survey.categories.get(name="Erfaringer")
    useful = survey.questions.get(key="mest_nyttig")
    first = useful.answers.order_by("pk").first()
    first.categories.add(category)

    shown = _shown(leader_client.get(_url(survey)).content.decode())
    assert shown[-1] == "Nyttig 0"
    assert len(shown) == 6
    assert _shown(leader_client.get(_url(survey, f"sporsmal={useful.pk}")).content.decode()) == [
        "Nyttig 1",
        "Nyttig 2",
        "Nyttig 0",
    ]
    assert _shown(leader_client.get(_url(survey, f"kategori={category.pk}")).content.decode()) == ["Nyttig 0"]
    assert "Nyttig 0" not in _shown(leader_client.get(_url(survey, "kategori=ukodet")).content.decode())


def test_the_page_links_keep_the_filter_and_are_labelled(leader_client):
    survey = evaluation_survey(PortfolioFactory())
    _respond(survey, CODING_PAGE_SIZE + 5)
    useful = survey.questions.get(key="mest_nyttig")
    html = leader_client.get(_url(survey, f"sporsmal={useful.pk}&kategori=ukodet")).content.decode()
    assert 'aria-label="Sider med åpne svar"' in html
    assert f"?sporsmal={useful.pk}&amp;kategori=ukodet&amp;side=2#apne-svar" in html
    assert 'aria-current="page"' in html
    assert f"Viser svar 1–{CODING_PAGE_SIZE} av {CODING_PAGE_SIZE + 5}" in html
    second = leader_client.get(_url(survey, f"sporsmal={useful.pk}&kategori=ukodet&side=2")).content.decode()
    assert len(_shown(second)) == 5
    assert "Forrige" in second


def test_a_filter_outside_the_lists_is_explained_in_norwegian_and_kept(leader_client):
    survey = evaluation_survey(PortfolioFactory())
    _respond(survey, 1)
    other = evaluation_survey(PortfolioFactory()).questions.get(key="mest_nyttig")
    response = leader_client.get(_url(survey, f"sporsmal={other.pk}&kategori=tull"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Velg et av spørsmålene i listen." in html
    assert "Velg en av kategoriene i listen." in html
    assert len(_shown(html)) == 2  # the answers still show, unfiltered


def test_coding_an_answer_goes_back_to_the_same_filter_and_page(leader_client):
    survey = evaluation_survey(PortfolioFactory())
    _respond(survey, 1)
    useful = survey.questions.get(key="mest_nyttig")
    category = survey.categories.get(name="Forankring")
    target = useful.answers.get()
    response = leader_client.post(
        f"/sporreundersokelse/{survey.pk}/koding/svar/{target.pk}/",
        {
            f"a{target.pk}-categories": [category.pk],
            "tilbake": f"sporsmal={useful.pk}&kategori=ukodet&side=1&neste=https://example.org/",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == _url(survey, f"sporsmal={useful.pk}&kategori=ukodet&side=1") + f"#svar-{target.pk}"
    assert list(target.categories.all()) == [category]
    html = leader_client.get(_url(survey, f"kategori={category.pk}")).content.decode()
    assert re.search(rf'value="{category.pk}" id="id_a{target.pk}-categories_\d+" checked', html)
