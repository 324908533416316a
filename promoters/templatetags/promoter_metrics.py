from django import template

register = template.Library()


@register.filter
def percent(rate: float | None) -> str:
    """A rate as a percentage with one decimal; a dash when there was nothing to divide by."""
    return "—" if rate is None else f"{rate * 100:.1f}%"
