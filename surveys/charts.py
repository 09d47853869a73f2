"""Charts as inline SVG, built on the server so that the web page and the PDF show the same drawing and
no script is needed. Every chart has a <title> and <desc> for screen readers; the numbers are also in a
table beside it."""

from collections.abc import Sequence

from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from .selectors import Distribution, Split

BAR = "#1d5f8a"
SPLIT_COLOURS = ["#1d5f8a", "#4a8a3c", "#a35a00", "#7a3d8f", "#555555"]
TEXT = "#1a1a1a"
WIDTH = 560


def _number(value: float) -> str:
    return f"{value:.1f}".replace(".", ",")


def describe(distribution: Distribution) -> str:
    parts = [f"{b.label}: {b.count} ({b.percent} %)" for b in distribution.buckets]
    text = "; ".join(parts)
    # A distribution with a mean has its median as well: both are computed from the same ratings.
    if distribution.mean is not None and distribution.median is not None:
        text += f". Gjennomsnitt {_number(distribution.mean)}, median {_number(distribution.median)}"
    return f"{text}. Antall svar: {distribution.n}."


def _svg(chart_id: str, title: str, description: str, height: int | float, body: SafeString) -> SafeString:
    """The chart's frame: its size, and the title and description screen readers announce (role="img").

    The width and height are the chart's size in the PDFs; on a screen the CSS class `survey-chart` lets it
    shrink to a phone's width, in the proportions of the viewBox."""
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" class="survey-chart" role="img" viewBox="0 0 {} {}" '
        'width="{}" height="{}" aria-labelledby="{}-title {}-desc">'
        '<title id="{}-title">{}</title><desc id="{}-desc">{}</desc>{}</svg>',
        WIDTH,
        height,
        WIDTH,
        height,
        chart_id,
        chart_id,
        chart_id,
        title,
        chart_id,
        description,
        body,
    )


def distribution_svg(chart_id: str, title: str, distribution: Distribution) -> SafeString:
    """Horizontal bars, one per answer option, labelled with count and percentage."""
    label_width, bar_width, row_height = 170, 280, 26
    height = row_height * len(distribution.buckets) + 10
    rows = []
    for index, bucket in enumerate(distribution.buckets):
        y = 5 + index * row_height
        width = round(bar_width * bucket.percent / 100, 1)
        label = bucket.label if len(bucket.label) <= 28 else bucket.label[:27] + "…"
        rows.append(
            format_html(
                '<text x="{}" y="{}" text-anchor="end" font-size="13" fill="{}">{}</text>'
                '<rect x="{}" y="{}" width="{}" height="18" fill="{}"></rect>'
                '<text x="{}" y="{}" font-size="13" fill="{}">{} ({} %)</text>',
                label_width - 8,
                y + 14,
                TEXT,
                label,
                label_width,
                y + 1,
                width,
                BAR,
                label_width + width + 6,
                y + 14,
                TEXT,
                bucket.count,
                bucket.percent,
            )
        )
    return _svg(chart_id, title, describe(distribution), height, mark_safe("".join(rows)))  # noqa: S308 - rows built with format_html


def splits_svg(chart_id: str, title: str, splits: Sequence[Split]) -> SafeString:
    """The mean per level as bars on the 1–6 scale (figure 7 of the report shows the split by level);
    a suppressed level is drawn as a note instead of a bar."""
    label_width, bar_width, row_height = 120, 320, 26
    height = row_height * len(splits) + 30
    rows, desc = [], []
    for index, split in enumerate(splits):
        y = 5 + index * row_height
        d = split.distribution
        rows.append(
            format_html(
                '<text x="{}" y="{}" text-anchor="end" font-size="13" fill="{}">{}</text>',
                label_width - 8,
                y + 14,
                TEXT,
                split.label,
            )
        )
        if d.suppressed or d.mean is None:
            note = d.note if d.suppressed else "ingen svar"
            rows.append(
                format_html('<text x="{}" y="{}" font-size="13" fill="{}">{}</text>', label_width, y + 14, TEXT, note)
            )
            desc.append(f"{split.label}: {note}")
            continue
        width = round(bar_width * d.mean / 6, 1)
        colour = SPLIT_COLOURS[index % len(SPLIT_COLOURS)]
        rows.append(
            format_html(
                '<rect x="{}" y="{}" width="{}" height="18" fill="{}"></rect>'
                '<text x="{}" y="{}" font-size="13" fill="{}">{}</text>',
                label_width,
                y + 1,
                width,
                colour,
                label_width + width + 6,
                y + 14,
                TEXT,
                _number(d.mean),
            )
        )
        desc.append(f"{split.label}: gjennomsnitt {_number(d.mean)} ({d.n} svar)")
    axis_y = 5 + len(splits) * row_height + 4
    ticks = "".join(
        format_html(
            '<text x="{}" y="{}" font-size="11" text-anchor="middle" fill="{}">{}</text>',
            label_width + bar_width * v / 6,
            axis_y + 12,
            TEXT,
            v,
        )
        for v in range(0, 7)
    )
    axis = format_html(
        '<line x1="{}" x2="{}" y1="{}" y2="{}" stroke="{}"></line>{}',
        label_width,
        label_width + bar_width,
        axis_y,
        axis_y,
        TEXT,
        mark_safe(ticks),  # noqa: S308 - built with format_html
    )
    body = mark_safe("".join(rows) + axis)  # noqa: S308 - each part was built with format_html
    return _svg(chart_id, title, "; ".join(desc) + ".", height, body)
