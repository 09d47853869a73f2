"""What the results page, the report and the report's PDF show: the results with their SVG charts, and the
categories with their findings, quotes and questions. Shared by the views and the background render of the
PDF (services.reports_render_due), which must draw exactly what the report page shows."""

from typing import Any

from . import charts
from .models import Survey
from .selectors import QuestionResult, comparable_keys, report_categories, respondents_by_level, survey_results


def results_context(survey: Survey) -> dict[str, Any]:
    levels = respondents_by_level(survey)
    results = survey_results(survey, levels=levels)
    for result in results:
        for row in result.rows:
            title = result.question.text + (f" – {row.label}" if row.label else "")
            if row.overall.suppressed:
                # Fewer than 3 answered an anonymous survey's question: no chart, whose text would tell.
                row.svg = row.splits_svg = ""
                continue
            row.svg = charts.distribution_svg(row.chart_id, title, row.overall)
            if result.question.is_scale and row.splits:
                row.splits_svg = charts.splits_svg(
                    f"{row.chart_id}-niva", f"Gjennomsnitt per nivå: {title}", row.splits
                )
    return {
        "survey": survey,
        "results": results,
        "levels": levels,
        "comparable": comparable_keys(survey),
    }


def report_context(survey: Survey) -> dict[str, Any]:
    context = results_context(survey)
    categories = report_categories(survey)
    by_category: dict[int | None, list[QuestionResult]] = {}
    for result in context["results"]:
        by_category.setdefault(result.question.category_id, []).append(result)
    for category in categories:
        category.results = by_category.get(category.pk, [])
    context["categories"] = categories
    context["uncategorised"] = by_category.get(None, [])
    context["respondents"] = sum(n for _, _, n in context["levels"])
    return context
