"""Asking the providers, by id, about upcoming shows their searches stopped returning.

The 6-hourly fetch keeps a listing current while a search still returns it. One it has not seen for
EVENT_RECHECK_AFTER_HOURS may have dropped out of the searches (past the pages we ask for, a changed name)
or out of the provider altogether. Each is looked up by id: a listing that is still there is stored like a
searched one (so a new date or a cancellation sends its notices); one the provider no longer knows is marked
removed. A show whose every listing is removed becomes "No longer listed", and whoever saved it is told.

Shows someone saved come first, then the soonest. Ticketmaster's share is a fifth of what a run may spend of
its daily quota. Nothing is queued: what a run does not reach is still stale at the next run, so none is dropped.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import requests
from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from events import notices
from events.ingest import EventChange, events_ingest
from events.models import Event, EventListing, SavedEvent
from events.providers import LookupRefused, ProviderNotConfigured, event_lookup, ticketmaster

logger = logging.getLogger(__name__)


@dataclass
class RecheckOutcome:
    checked: int = 0
    still_listed: int = 0
    removed: int = 0
    unlisted_events: int = 0
    stopped: dict[str, str] = field(default_factory=dict)  # source -> why its run ended early


def listings_recheck(*, now: datetime | None = None) -> RecheckOutcome:
    """Look up every stale listing of an upcoming show that this run's budget allows, provider by provider."""
    now = now or timezone.now()
    stale_before = now - timedelta(hours=settings.EVENT_RECHECK_AFTER_HOURS)
    outcome = RecheckOutcome()
    for source in settings.EVENT_PROVIDERS:
        for listing in stale_listings(source=source, stale_before=stale_before, now=now, limit=_budget(source)):
            try:
                found = event_lookup(source, listing.external_id)
            except LookupRefused as exc:  # about this id only: the others are still worth asking
                logger.warning("listing lookup refused", extra={"listing": str(listing), "reason": str(exc)})
                EventListing.objects.filter(pk=listing.pk).update(fetched_at=now)
                continue
            except (ProviderNotConfigured, requests.RequestException) as exc:
                # A wrong key, a 429 or an outage: this provider waits for the next run.
                outcome.stopped[source] = str(exc) or type(exc).__name__
                logger.warning("listing recheck stopped", extra={"source": source, "reason": outcome.stopped[source]})
                break
            outcome.checked += 1
            if not found.listed:
                outcome.removed += 1
                outcome.unlisted_events += listing_removed(listing_id=listing.pk, stale_before=stale_before, now=now)
            elif found.event is not None:
                outcome.still_listed += 1
                events_ingest(events=[found.event], now=now)
            else:  # listed, but no longer placeable (no venue or date): keep what we know, ask again later
                outcome.still_listed += 1
                EventListing.objects.filter(pk=listing.pk).update(fetched_at=now)
    return outcome


def stale_listings(*, source: str, stale_before: datetime, now: datetime, limit: int) -> list[EventListing]:
    """`source`'s listings of upcoming, listed shows that no fetch has seen since `stale_before`: saved
    shows first, then the soonest."""
    if limit <= 0:
        return []
    return list(
        EventListing.objects.filter(
            source=source, removed_at__isnull=True, fetched_at__lt=stale_before,
            event__starts_at__gt=now, event__moderation=Event.Moderation.APPROVED,
        )
        .exclude(event__status__in=Event.OFF_SALE)
        .alias(saved=Exists(SavedEvent.objects.filter(event_id=OuterRef("event_id"))))
        .order_by("-saved", "event__starts_at", "pk")[:limit]
    )


@transaction.atomic
def listing_removed(*, listing_id: int, stale_before: datetime, now: datetime) -> int:
    """Mark a listing its provider no longer knows. Its show passes to a provider still listing it; with none
    left, it is "No longer listed" and those who saved it are told. 1 when the show became unlisted.

    The listing and its show are locked as ingestion locks them (listing, then show), so a fetch storing
    either at the same moment waits, and what it stores is read after this. A fetch that saw the listing
    since it was picked wins: the listing is left alone."""
    listing = EventListing.objects.select_for_update(of=("self", "event")).select_related("event").get(pk=listing_id)
    if listing.removed_at is not None or listing.fetched_at >= stale_before:
        return 0
    event = listing.event
    listing.removed_at = now
    listing.save(update_fields=["removed_at"])
    alive = event.listings.filter(removed_at__isnull=True).order_by("-fetched_at", "pk").first()
    if alive is not None:
        if (event.source, event.external_id) == (listing.source, listing.external_id):
            event.source, event.external_id = alive.source, alive.external_id
            event.save(update_fields=["source", "external_id", "updated_at"])
        return 0
    if event.status in Event.OFF_SALE:
        return 0
    event.status = Event.Status.UNLISTED
    event.save(update_fields=["status", "updated_at"])
    # Keyed on the start, like a new date: a listing that comes and goes again is not news twice.
    change = EventChange(event.pk, Event.Status.UNLISTED, event.starts_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%MZ"))
    notices.notices_deliver_on_commit(notices.changes_record(changes=[change]))
    return 1


def _budget(source: str) -> int:
    if source == ticketmaster.SOURCE:
        return min(settings.EVENT_RECHECK_MAX_PER_RUN, ticketmaster.run_budget(lookups=True))
    return settings.EVENT_RECHECK_MAX_PER_RUN
