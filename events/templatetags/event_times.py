"""An event's start in templates, on the venue's clock whatever the viewer's time zone (events/venue_time.py)."""

from django import template

from events import venue_time as times

register = template.Library()


@register.filter
def venue_time(event, style: str = "") -> str:
    """`{{ event|venue_time }}` "Fri 6 Nov 2026, 20:00 EST"; `{{ event|venue_time:"long" }}` spells it out."""
    return times.venue_time_label(event, long=style == "long")


@register.filter
def venue_time_iso(event) -> str:
    """For `<time datetime=…>`: ISO 8601 with the venue's offset."""
    return times.venue_time_iso(event.starts_at, event.venue_time_zone)
