from pathlib import Path

import pytest
from django.conf import settings
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
    assert survey.categories.exclude(finding="").count() == 6
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


# The report's «Tabell 2 Samlet oversikt over kategorier og funn» (seeds/001, section 2.4), as printed.
TABLE_2 = {
    "Forventninger": "Avklaring av roller og hva arbeid med utviklingsprosess innebærer, er en faktor som bør ligge "
    "til grunn for forventningsavklaring.",
    "Forankring": "Kommunegruppens sammensetning, forutsatt at alle roller ivaretas, er en styrke for kommunalt "
    "utviklingsarbeid (eksempelvis kulturskoleutviklingsarbeid).",
    "Organisering": "Total mengde av samlinger og møtepunkter i regi av Kulturskolerådet er passe, så fremt "
    "kommunegruppene selv er i stand til å holde kontinuitet i utviklingsarbeidet.",
    "Innhold og arbeidsmåter": "Bevisst trening med ulike verktøy og arbeidsmetoder skaper grunnlag for "
    "kontinuerlig arbeid med utvikling.",
    "Erfaringer": "Veiledning over en lengre periode, 1-2 år, bidrar til økt bevissthet, eierskap og forankring "
    "rundt utviklingsarbeid.",
    "Resultat": "Kontinuerlig arbeid med utvikling krever forankring i alle ledd.",
}


def _report_text():
    seed = Path(settings.BASE_DIR).parent / "shared" / "seeds" / "001_4eeaceb35d8edc2c.txt"
    if not seed.exists():
        pytest.skip("the seeds are not next to the checkout")
    return seed.read_text(encoding="utf-8")


def test_table_2_is_the_reports_own():
    # The report's text as extracted breaks lines and spaces out letters; compare without whitespace.
    table = _report_text().split("2.4 SAMLET OVERSIKT OVER KATEGORIER OG FUNN")[1].split("Tabell 2")[0]
    squeezed = "".join(table.split())
    for finding in TABLE_2.values():
        assert "".join(finding.split()) in squeezed


def test_the_demo_has_table_2s_findings_and_figure_8_and_9_of_the_report():
    call_command("seed_demo")
    survey = Survey.objects.get(portfolio__name="Portefølje 4, 2023–24")
    p2 = survey.copied_from
    for each in (survey, p2):
        assert dict(each.categories.values_list("name", "finding")) == TABLE_2
    # Every category has a coded quote in the report's words, Resultat too.
    quoted = set(
        Answer.objects.filter(response__survey=survey, is_quote=True).values_list("categories__name", flat=True)
    )
    assert quoted >= {"Forventninger", "Forankring", "Organisering", "Innhold og arbeidsmåter", "Erfaringer"}
    assert "Resultat" in quoted

    # Figure 9: the report's two gatherings; Portfolio 4 names its own dialogue conferences instead.
    conferences = p2.questions.get(key="dialogkonferanser")
    assert list(conferences.items.values_list("label", flat=True)) == [
        "Høst 2019 – Regionale samlinger",
        "Vår 2020 – Nasjonale samlinger",
    ]
    own = list(survey.questions.get(key="dialogkonferanser").items.values_list("label", flat=True))
    assert len(own) == 2 and not any("2019" in label or "2020" in label for label in own)

    # Figure 8: the three distributions of «Organiseringsform», in the report's percentages (by largest
    # remainder, so the two the report prints as 101 % come to 100).
    rows = next(r for r in survey_results(p2) if r.question.key == "organisering").rows
    percents = [[b.percent for b in row.overall.buckets] for row in rows]
    assert [row.overall.buckets[-1].label for row in rows] == ["Ikke deltatt / vet ikke"] * 3
    assert percents == [
        [0, 0, 5, 16, 49, 30, 0],
        [0, 0, 5, 12, 46, 37, 0],
        [0, 0, 0, 21, 40, 39, 0],
    ]
    assert [row.overall.n for row in rows] == [43, 43, 43]
