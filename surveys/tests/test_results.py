"""Results: percentages that add up to 100, mean and median, the split by level and the anonymity
threshold, all from a fixed number of queries."""

import pytest

from municipalities.tests.factories import MunicipalityGroupFactory
from portfolios.tests.factories import PortfolioFactory
from surveys.models import Question
from surveys.selectors import largest_remainder_percentages, response_rates, running_survey_rates, survey_results
from surveys.tests.factories import answer, evaluation_survey, invite

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        ([1, 1, 1], [34, 33, 33]),
        ([0, 0, 3, 7, 7, 4], [0, 0, 14, 34, 33, 19]),
        ([2, 2, 2, 2, 2, 2, 2], [15, 15, 14, 14, 14, 14, 14]),
        ([0, 0, 0], [0, 0, 0]),
        ([5], [100]),
        ([1, 2], [33, 67]),
    ],
)
def test_largest_remainder_percentages_add_up_to_100(counts, expected):
    result = largest_remainder_percentages(counts)
    assert result == expected
    assert sum(result) in (0, 100)


def test_percentages_add_up_to_100_for_any_split_of_up_to_60_answers():
    for total in range(1, 61):
        for first in range(total + 1):
            counts = [first, (total - first) // 3, total - first - (total - first) // 3]
            assert sum(largest_remainder_percentages(counts)) == 100


def _scale(survey, key):
    return survey.questions.get(key=key)


def _result(results, key):
    return next(r for r in results if r.question.key == key)


def test_distribution_mean_and_median_overall_and_by_level():
    survey = evaluation_survey(PortfolioFactory())
    question = _scale(survey, "forankring")
    for role, value in [
        ("leader", "6"),
        ("leader", "5"),
        ("leader", "5"),
        ("resource_teacher", "3"),
        ("resource_teacher", "2"),
        ("resource_teacher", "4"),
        ("owner_political", "4"),
    ]:
        invitation, _ = invite(survey, role=role)
        answer(invitation, {question: value})
    row = _result(survey_results(survey), "forankring").rows[0]
    assert [(b.label, b.count, b.percent) for b in row.overall.buckets] == [
        ("1", 0, 0),
        ("2", 1, 14),
        ("3", 1, 14),
        ("4", 2, 29),
        ("5", 2, 29),
        ("6", 1, 14),
    ]
    assert sum(b.percent for b in row.overall.buckets) == 100
    assert row.overall.n == 7
    assert row.overall.mean == pytest.approx(29 / 7)
    assert row.overall.median == 4
    splits = {s.level: s.distribution for s in row.splits}
    assert splits["laerer"].mean == 3
    assert splits["laerer"].median == 3
    assert splits["laerer"].n == 3
    # One owner answered: in an anonymous survey that cell is hidden.
    assert splits["eier"].suppressed
    assert splits["eier"].buckets == []
    assert splits["eier"].note == "færre enn 3"
    # The total minus leaders and teachers would give the owner's answer, so the smallest other level
    # (leaders and teachers have 3 each; the earlier level goes) is hidden too.
    assert splits["leder"].suppressed
    assert splits["leder"].note == "skjult"
    assert splits["leder"].mean is None
    assert splits["leder"].n is None


def test_a_survey_that_is_not_anonymous_shows_every_level():
    survey = evaluation_survey(PortfolioFactory(), anonymous=False)
    question = _scale(survey, "forankring")
    for role, value in [("leader", "6"), ("leader", "5"), ("leader", "5"), ("owner_political", "4")]:
        invitation, _ = invite(survey, role=role)
        answer(invitation, {question: value})
    splits = {s.level: s.distribution for s in _result(survey_results(survey), "forankring").rows[0].splits}
    assert splits["leder"].mean == pytest.approx(16 / 3)
    assert splits["leder"].median == 5
    assert splits["eier"].n == 1


def _answer_as(survey, question, answers):
    for role, value in answers:
        invitation, _ = invite(survey, role=role)
        answer(invitation, {question: value})


def test_a_hidden_level_cannot_be_worked_out_from_the_total(client):
    from accounts.tests.factories import ProgrammeLeaderFactory

    survey = evaluation_survey(PortfolioFactory())
    question = _scale(survey, "forankring")
    _answer_as(survey, question, [("leader", "5"), ("leader", "5"), ("leader", "6"), ("coordinator", "1")])
    row = _result(survey_results(survey), "forankring").rows[0]
    splits = {s.level: s.distribution for s in row.splits}
    # Shown, the leaders' 5, 5, 6 subtracted from the total's 1, 5, 5, 6 would give the coordinator's 1.
    assert splits["koordinator"].suppressed
    assert splits["leder"].suppressed
    assert row.overall.n == 4
    client.force_login(ProgrammeLeaderFactory())
    html = client.get(f"/sporreundersokelse/{survey.pk}/").content.decode()
    assert "Leder 3, Koordinator færre enn 3." in html
    assert "Koordinator 1" not in html
    table = html[html.index('id="h-' + str(question.pk) + '"') :]
    table = table[: table.index("</table>")]
    assert "(100 %)</td>" not in table  # the coordinator's «1» column would be 1 (100 %)
    assert table.count("skjult") >= 6 and table.count("færre enn 3") >= 6


def test_a_total_under_3_is_hidden_too(client):
    from accounts.tests.factories import ProgrammeLeaderFactory

    survey = evaluation_survey(PortfolioFactory())
    question = _scale(survey, "forankring")
    _answer_as(survey, question, [("leader", "5"), ("resource_teacher", "2")])
    row = _result(survey_results(survey), "forankring").rows[0]
    assert row.overall.suppressed
    assert row.overall.buckets == []
    assert row.overall.n is None
    client.force_login(ProgrammeLeaderFactory())
    html = client.get(f"/sporreundersokelse/{survey.pk}/").content.decode()
    assert "Færre enn 3 har svart" in html
    assert f'id="q{question.pk}-title"' not in html  # no chart


def test_a_multiple_choice_split_counts_people_not_ticks():
    survey = evaluation_survey(PortfolioFactory())
    multiple = _scale(survey, "arbeidsmater_videre")
    options = list(multiple.items.all())
    for option in options[:3]:
        invitation, _ = invite(survey, role="coordinator")
        answer(invitation, {multiple: [option]})
    split = _result(survey_results(survey), "arbeidsmater_videre").rows[0].splits[0]
    assert split.level == "koordinator"
    assert not split.distribution.suppressed
    assert split.distribution.n == 3
    assert [b.count for b in split.distribution.buckets] == [1, 1, 1, 0, 0]


def test_one_person_ticking_many_options_stays_hidden():
    survey = evaluation_survey(PortfolioFactory())
    multiple = _scale(survey, "arbeidsmater_videre")
    invitation, _ = invite(survey, role="coordinator")
    answer(invitation, {multiple: list(multiple.items.all())})
    row = _result(survey_results(survey), "arbeidsmater_videre").rows[0]
    assert row.splits[0].distribution.suppressed
    assert row.overall.suppressed


def test_a_survey_that_is_not_anonymous_shows_small_splits(client):

    survey = evaluation_survey(PortfolioFactory(), anonymous=False)
    question = _scale(survey, "forankring")
    invitation, _ = invite(survey, role="owner_political")
    answer(invitation, {question: "4"})
    row = _result(survey_results(survey), "forankring").rows[0]
    owner = next(s for s in row.splits if s.level == "eier")
    assert not owner.distribution.suppressed
    assert owner.distribution.buckets[3].count == 1


def test_not_applicable_is_counted_but_left_out_of_mean_and_median():

    survey = evaluation_survey(PortfolioFactory())
    matrix = _scale(survey, "organisering")
    first = matrix.items.first()
    for value in ["0", "0", "6", "4"]:
        invitation, _ = invite(survey)
        answer(invitation, {matrix: {first: value}})
    row = _result(survey_results(survey), "organisering").rows[0]
    assert row.overall.buckets[-1].label == "Ikke deltatt / vet ikke"
    assert row.overall.buckets[-1].count == 2
    assert row.overall.buckets[-1].percent == 50
    assert row.overall.mean == 5
    assert row.overall.median == 5


def test_drafts_do_not_count():

    survey = evaluation_survey(PortfolioFactory())
    question = _scale(survey, "forankring")
    invitation, _ = invite(survey)
    answer(invitation, {question: "2"}, submit=False)
    assert _result(survey_results(survey), "forankring").rows[0].overall.n == 0


def test_choice_questions_count_options():
    # Not anonymous: only 2 people tick the multiple-choice options, which an anonymous survey would hide.
    survey = evaluation_survey(PortfolioFactory(), anonymous=False)
    single = _scale(survey, "organisering_varighet")
    multiple = _scale(survey, "arbeidsmater_videre")
    short, right, _long = single.items.all()
    tools = list(multiple.items.all())
    for choice, ticked in [(right, tools[:2]), (right, tools[:1]), (short, [])]:
        invitation, _ = invite(survey)
        answer(invitation, {single: choice, multiple: ticked})
    results = survey_results(survey)
    single_row = _result(results, "organisering_varighet").rows[0]
    assert [(b.label, b.count, b.percent) for b in single_row.overall.buckets] == [
        ("For kort", 1, 33),
        ("Passe", 2, 67),
        ("For lang", 0, 0),
    ]
    multiple_row = _result(results, "arbeidsmater_videre").rows[0]
    assert [b.count for b in multiple_row.overall.buckets] == [2, 1, 0, 0, 0]


def test_response_rate_per_group_and_role():
    from municipalities.tests.factories import MunicipalityGroupFactory

    survey = evaluation_survey(PortfolioFactory())
    group = MunicipalityGroupFactory(portfolio=survey.portfolio)
    question = _scale(survey, "forankring")
    answered, _ = invite(survey, group=group, role="leader")
    answer(answered, {question: "5"})
    started, _ = invite(survey, group=group, role="resource_teacher")
    answer(started, {question: "3"}, submit=False)
    invite(survey, group=group, role="owner_political")
    rates = response_rates(survey)
    assert (rates["total"].invited, rates["total"].started, rates["total"].answered) == (3, 2, 1)
    assert rates["total"].percent == 33
    assert [(r.label, r.answered) for r in rates["by_role"]] == [
        ("Kulturskoleeier (politisk nivå)", 0),
        ("Kulturskoleleder", 1),
        ("Ressurslærer", 0),
    ]
    assert rates["by_group"][0].invited == 3


def test_results_take_the_same_number_of_queries_for_5_and_50_responses(django_assert_num_queries):

    survey = evaluation_survey(PortfolioFactory())
    scale = _scale(survey, "forankring")
    matrix = _scale(survey, "organisering")
    items = list(matrix.items.all())

    def add(n):
        for i in range(n):
            invitation, _ = invite(survey, role=["leader", "resource_teacher", "owner_political"][i % 3])
            answer(invitation, {scale: str(i % 6 + 1), matrix: {item: str((i + 2) % 7) for item in items}})

    add(5)
    # Queries: closed questions, their items (prefetch), the grouped answer counts, respondents per level.
    with django_assert_num_queries(4):
        survey_results(survey)
    add(45)
    with django_assert_num_queries(4):
        results = survey_results(survey)
    assert _result(results, "forankring").rows[0].overall.n == 50
    assert all(sum(b.percent for b in row.overall.buckets) == 100 for r in results for row in r.rows if row.overall.n)
    assert Question.objects.filter(survey=survey).count() > 10


def test_the_results_page_takes_the_same_number_of_queries_for_3_and_30_responses(client, django_assert_num_queries):
    from accounts.tests.factories import ProgrammeLeaderFactory

    survey = evaluation_survey(PortfolioFactory())
    scale = _scale(survey, "forankring")
    client.force_login(ProgrammeLeaderFactory())

    def add(n):
        for i in range(n):
            invitation, _ = invite(survey, role=["leader", "resource_teacher", "owner_political"][i % 3])
            answer(invitation, {scale: (str(i % 6 + 1), "Utdyping")})

    add(3)
    # Queries: session, user, the device that verified the session's second factor, the user's staff role,
    # survey with portfolio and programme; results: closed
    # questions, items, grouped counts, respondents per level; the keys found in other surveys; response
    # rates: grouped invitations, groups, their municipalities.
    with django_assert_num_queries(13):
        assert client.get(f"/sporreundersokelse/{survey.pk}/").status_code == 200
    add(27)
    with django_assert_num_queries(13):
        assert client.get(f"/sporreundersokelse/{survey.pk}/").status_code == 200


def test_the_running_surveys_rates_by_level_fold_small_levels_of_an_anonymous_survey():
    def rates(anonymous):
        portfolio = PortfolioFactory()
        survey = evaluation_survey(portfolio, anonymous=anonymous)
        group = MunicipalityGroupFactory(portfolio=portfolio)
        invite(survey, group=group, role="owner_political")
        for _ in range(3):
            invite(survey, group=group, role="leader")
        return [(r.label, r.invited) for r in running_survey_rates(portfolio.pk).by_group[group.pk]]

    # One owner: in an anonymous survey the group shows its total, never whether that one person answered.
    assert rates(anonymous=True) == [("Alle nivåer", 4)]
    # A survey that is not anonymous names who answered anyway: its levels are shown.
    assert [label for label, _ in rates(anonymous=False)] == ["Eier", "Leder"]
