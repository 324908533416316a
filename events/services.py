"""Writes for events."""

from accounts.models import User
from events.models import Event


def event_create(*, promoter: User, **fields) -> Event:
    """A promoter's own event on Re-Wrapped, waiting for review unless said otherwise."""
    event = Event(source=Event.Source.INTERNAL, promoter=promoter, **fields)
    event.full_clean()
    event.save()
    return event
