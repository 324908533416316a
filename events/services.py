"""Writes for events: promoters' own events and their review by staff, and listeners' saves."""

from collections.abc import Collection, Iterable

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import User
from events import interactions
from events.models import Event, EventInteraction, SavedEvent
from rewrapped.api import ApplicationError
from rewrapped.broker import task_queue_on_commit


@transaction.atomic
def event_create(*, promoter: User, event: Event, target_artists: Iterable = (),
                 moderation: str = Event.Moderation.DRAFT) -> Event:
    """Store a promoter's new event as their form (or the demo data) filled it in: theirs, listed by Re-Wrapped,
    and a draft until they submit it for review unless `moderation` says otherwise."""
    event.source, event.promoter, event.moderation = Event.Source.INTERNAL, promoter, moderation
    event.full_clean()
    event.save()
    event.target_artists.set(target_artists)
    return event


@transaction.atomic
def event_update(*, event: Event, changed: Collection[str], target_artists: Iterable) -> Event:
    """Store a promoter's changes to their event (`changed`: the fields their form changed). An approved event
    whose listing changed, anything but its status, goes back to staff, so listeners never see unreviewed text."""
    if event.moderation == Event.Moderation.APPROVED and set(changed) - {"status"}:
        event.moderation = Event.Moderation.PENDING
        event.submitted_at = timezone.now()
    event.save()
    event.target_artists.set(target_artists)
    return event


def events_delete(*, events: QuerySet[Event]) -> int:
    """Delete events with their listings, saves, notices, interactions and metrics. Returns how many events."""
    return events.delete()[1].get(Event._meta.label, 0)


def event_submit(*, event: Event) -> Event:
    """Send a promoter's draft (or a rejected event they have fixed) to staff for review."""
    if event.moderation not in (Event.Moderation.DRAFT, Event.Moderation.REJECTED):
        raise ApplicationError(f"“{event.title}” is {event.get_moderation_display().lower()} already.",
                               code="not_draft")
    if event.starts_at <= timezone.now():
        raise ApplicationError(f"“{event.title}” has already started; change its start time first.", code="past")
    event.moderation = Event.Moderation.PENDING
    event.submitted_at = timezone.now()
    event.save(update_fields=["moderation", "submitted_at", "updated_at"])
    return event


@transaction.atomic
def events_moderate(*, events: QuerySet[Event], approve: bool, reason: str = "") -> int:
    """Approve or reject (with a reason the promoter reads in the console) the pending ones among `events`;
    their promoters are emailed after commit. Returns how many were moderated."""
    from events.tasks import event_moderation_notify

    pending = list(events.select_for_update(of=("self",)).filter(moderation=Event.Moderation.PENDING)
                   .values_list("pk", flat=True))
    now = timezone.now()
    Event.objects.filter(pk__in=pending).update(
        moderation=Event.Moderation.APPROVED if approve else Event.Moderation.REJECTED,
        rejection_reason="" if approve else reason, reviewed_at=now, updated_at=now,
    )
    # One task per email, so a mail server that fails halfway has each retried alone, none sent twice.
    for pk in pending:
        task_queue_on_commit(event_moderation_notify, event_id=pk)
    return len(pending)


def event_moderation_email(*, event_id: int) -> bool:
    """Tell the promoter how review went, as the event stands now (a later review wins). Whether it was sent."""
    event = Event.objects.filter(
        pk=event_id, moderation__in=[Event.Moderation.APPROVED, Event.Moderation.REJECTED]
    ).select_related("promoter").first()
    if event is None or not (event.promoter and event.promoter.email):
        return False
    if event.moderation == Event.Moderation.APPROVED:
        subject, body = f"“{event.title}” is approved", \
            f"“{event.title}” is approved and listeners can find it on Re-Wrapped."
    else:
        subject = f"“{event.title}” was not approved"
        body = (f"“{event.title}” was not approved:\n\n{event.rejection_reason}\n\n"
                "Fix it in the promoter console and submit it again.")
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [event.promoter.email])
    return True


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
