from django import template

register = template.Library()


@register.filter
def index(sequence, position):
    try:
        return sequence[position]
    except (IndexError, TypeError):
        return None


@register.filter
def decimal1(value):
    """1 decimal with a Norwegian decimal comma; a dash for no value."""
    if value is None or value == "":
        return "–"
    return f"{value:.1f}".replace(".", ",")
