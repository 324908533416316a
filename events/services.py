"""Writes for events."""

from django.db import transaction

from accounts.models import User
from events import interactions
from events.models import Event, EventInteraction, SavedEvent


def event_create(*, promoter: User, **fields) -> Event:
    """A promoter's own event on Re-Wrapped, waiting for review unless said otherwise."""
    event = Event(source=Event.Source.INTERNAL, promoter=promoter, **fields)
    event.full_clean()
    event.save()
    return event


def saved_event_add(*, user: User, event: Event) -> bool:
    """Save an event for the user; saving it again changes nothing. True if it was newly saved (only then
    does it count as a save in the promoter's analytics)."""
    _, created = SavedEvent.objects.get_or_create(user=user, event=event)
    if created:
        transaction.on_commit(
            lambda: interactions.interaction_record(event=event, user=user, kind=EventInteraction.Kind.SAVE)
        )
    return created


def saved_event_remove(*, user: User, event: Event) -> bool:
    """Unsave an event; unsaving one that is not saved changes nothing. True if a save was removed."""
    deleted, _ = SavedEvent.objects.filter(user=user, event=event).delete()
    return bool(deleted)
