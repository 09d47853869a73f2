import pytest
from django.core.management import call_command

from accounts.models import User
from surveys import demo
from surveys.models import Answer, Response, Survey
from surveys.selectors import survey_results

pytestmark = pytest.mark.django_db


def test_seed_demo_creates_portfolio_4s_survey_with_answers_once():
    call_command("seed_demo")
    survey = Survey.objects.get(portfolio__name="Portefølje 4, 2023–24")
    counts = (Survey.objects.count(), Response.objects.count(), Answer.objects.count())
    assert demo.seed(leader=User.objects.get(email="programleder@example.org")) is None
    assert (Survey.objects.count(), Response.objects.count(), Answer.objects.count()) == counts

    submitted = survey.responses.filter(submitted_at__isnull=False)
    assert submitted.count() >= 15
    assert survey.responses.filter(submitted_at__isnull=True).exists()  # a draft
    assert set(submitted.values_list("level", flat=True)) >= {"eier", "leder", "laerer"}
    forankring = next(r for r in survey_results(survey) if r.question.key == "forankring").rows[0]
    shown = [s for s in forankring.splits if not s.distribution.suppressed]
    assert len(shown) >= 2
    notes = [s.distribution.note for s in forankring.splits if s.distribution.suppressed]
    # The single coordinator, and the smallest other level so that it cannot be worked out from the total.
    assert sorted(notes) == ["færre enn 3", "skjult"]
    assert survey.categories.exclude(finding="").count() == 5
    assert Answer.objects.filter(response__survey=survey, is_quote=True, categories__isnull=False).exists()
    # The next cohort's copy, for comparing the same questions.
    copy = Survey.objects.get(copied_from=survey)
    assert copy.questions.filter(key="forankring", copied_from__survey=survey).exists()

    # Portfolio 2, the report's own portfolio, gives figure 6 and figure 7 back (percentages by largest
    # remainder add up to 100, where the report's printed ones add up to 101).
    p2 = survey.copied_from
    assert p2.portfolio.name == "Portefølje 2, 2019–20"
    results = {r.question.key: r.rows[0] for r in survey_results(p2)}
    assert [b.percent for b in results["forventning_samsvar"].overall.buckets] == [0, 0, 14, 33, 32, 21]
    by_level = {s.level: [b.percent for b in s.distribution.buckets] for s in results["forankring"].splits}
    assert by_level == {
        "eier": [0, 5, 23, 21, 28, 23],
        "leder": [0, 0, 2, 5, 37, 56],
        "laerer": [0, 5, 14, 39, 30, 12],
    }
