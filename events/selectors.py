"""Reads of events."""

from django.utils import timezone

from events.models import Event


def upcoming_events(*, country: str | None = None, limit: int = 5) -> list[Event]:
    events = Event.objects.filter(
        moderation=Event.Moderation.APPROVED, status=Event.Status.SCHEDULED, starts_at__gte=timezone.now()
    )
    if country:
        events = events.filter(country=country)
    return list(events.order_by("starts_at")[:limit])
