from collections.abc import Sequence
from typing import Any

from django import template

register = template.Library()


@register.filter
def index(sequence: Sequence[Any], position: int) -> Any:
    try:
        return sequence[position]
    except (IndexError, TypeError):
        return None


@register.filter
def decimal1(value: float | str | None) -> str:
    """1 decimal with a Norwegian decimal comma; a dash for no value (None, or "" for a missing variable)."""
    if value is None or value == "":
        return "–"
    return f"{value:.1f}".replace(".", ",")
