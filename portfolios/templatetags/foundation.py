from django import template
from django.utils.html import conditional_escape, format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from portfolios.models import PERIOD_PLACEHOLDER, PLAN_PLACEHOLDER

register = template.Library()

# The plan's section has id="plan" on the page and in the PDF. The PDF's print stylesheet adds the page it
# lands on (target-counter), so the reference never names a page the layout does not give it.
PLAN_LINK = mark_safe('<a href="#plan" class="plan-ref">«Plan for gjennomføring»</a>')


def _inline(text: str) -> SafeString:
    """`text` escaped, with every «{plan}» made the link to the plan."""
    return mark_safe(PLAN_LINK.join(conditional_escape(part) for part in text.split(PLAN_PLACEHOLDER)))  # noqa: S308


@register.filter
def paragraphs(text: str, period: str = "") -> SafeString:
    """Foundation-document text as HTML: blank lines separate paragraphs, «- » lines make a list.

    «{avtaleperiode}» in the text becomes `period`, the portfolio's own agreement period, and «{plan}» a
    reference to the plan («Plan for gjennomføring»), linked and, in the PDF, with its page number.
    """
    text = text.replace(PERIOD_PLACEHOLDER, period)
    blocks = []
    for block in text.replace("\r\n", "\n").split("\n\n"):
        lines = [line.strip() for line in block.split("\n") if line.strip()]
        if not lines:
            continue
        if all(line.startswith("- ") for line in lines):
            blocks.append(
                format_html("<ul>{}</ul>", format_html_join("", "<li>{}</li>", ((_inline(ln[2:]),) for ln in lines)))
            )
        else:
            blocks.append(format_html("<p>{}</p>", _inline(" ".join(lines))))
    return format_html_join("\n", "{}", ((block,) for block in blocks))
