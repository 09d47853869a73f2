from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from portfolios.models import PERIOD_PLACEHOLDER

register = template.Library()


@register.filter
def paragraphs(text: str, period: str = "") -> SafeString:
    """Foundation-document text as HTML: blank lines separate paragraphs, «- » lines make a list.

    «{avtaleperiode}» in the text becomes `period`, the portfolio's own agreement period.
    """
    text = text.replace(PERIOD_PLACEHOLDER, period)
    blocks = []
    for block in text.replace("\r\n", "\n").split("\n\n"):
        lines = [line.strip() for line in block.split("\n") if line.strip()]
        if not lines:
            continue
        if all(line.startswith("- ") for line in lines):
            blocks.append(format_html("<ul>{}</ul>", format_html_join("", "<li>{}</li>", ((ln[2:],) for ln in lines))))
        else:
            blocks.append(format_html("<p>{}</p>", " ".join(lines)))
    return format_html_join("\n", "{}", ((block,) for block in blocks))
