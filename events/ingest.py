"""Storing what the concert providers list, and fetching it page by page.

Every provider listing is an EventListing (one per provider and id). Two providers' listings of the same show
are one Event: same first performer and venue (their name keys, the event's `dedupe_key`) and starts that
agree (`SAME_SHOW_WITHIN`). One provider's listings under two ids are two shows however close they are (a
matinee and the evening show): an event has at most one live listing per provider. The provider that first
told us of a show owns its facts (date, status, prices): a second provider only adds its listing and fills
blanks, so two providers that disagree by a few minutes cannot flip the start back and forth and send a "new
date" notice each fetch. Changes of date and status are handed to events.notices in the same transaction that
records them, and sent once it has committed. The listings and shows a page touches are locked while it is
stored (each listing with its show), as the listing recheck (events/recheck.py) locks them, so neither writes
over what the other just stored.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from accounts import selectors as account_selectors
from events import notices
from events.models import Event, EventListing
from events.providers import EventQuery, ProviderEvent, ProviderNotConfigured, events_page, ticketmaster
from events.venue_time import venue_local
from listening import selectors as listening_selectors
from rewrapped.names import name_key
from rewrapped.outbound import RateLimited, ServiceUnavailable

logger = logging.getLogger(__name__)

# A provider that keeps failing (5xx) is asked again after 1, 2, 4 … minutes, then left for the next beat.
FETCH_RETRY_BASE_SECONDS = 60
FETCH_MAX_ATTEMPTS = 6

# Two providers' starts for one show differ because they round (20:00 and 20:15) or because one lists the
# doors, usually 30 to 60 minutes before the show. The closest two shows a venue gives one performer on one
# day (early and late shows, a jazz club's two sets) are two hours or more apart. An hour reaches the first
# and not the second; a listing within reach of two shows joins the closer.
SAME_SHOW_WITHIN = timedelta(hours=1)

# Facts the owning provider keeps current on its Event.
OWNED_FIELDS = (
    "title", "performer_names", "venue", "address", "city", "country", "latitude", "longitude", "starts_at",
    "time_announced", "venue_time_zone", "dedupe_key", "ticket_url", "image_url", "price_min_cents",
    "price_max_cents", "currency", "genres", "status",
)
# What another provider's listing may fill in when the owner left it empty (prices go as a range).
FILLABLE_FIELDS = ("address", "latitude", "longitude", "ticket_url", "image_url", "genres")


@dataclass(frozen=True)
class EventChange:
    """Something a listener who saved the event should hear about."""

    event_id: int
    kind: str  # an EventNotice.Kind
    detail: str


@dataclass
class IngestResult:
    created: list[int] = field(default_factory=list)
    updated: int = 0
    linked: int = 0  # listings joined to a show another provider told us of
    changes: list[EventChange] = field(default_factory=list)


def dedupe_key(listing: ProviderEvent) -> str:
    """Who plays where: the first performer's and the venue's name keys (the start is compared apart)."""
    first = listing.performer_names[0] if listing.performers else listing.title
    return f"{name_key(first)}|{name_key(listing.venue)}"[:700]


class _Nearby:
    """The shows a page's listings may join, by dedupe key, with the providers that list each."""

    def __init__(self):
        self.by_key: dict[str, list[Event]] = {}
        self.sources: dict[int, set[str]] = {}  # id() of the Event: a new one has no pk yet

    def add(self, event: Event, sources: set[str]) -> None:
        self.by_key.setdefault(event.dedupe_key, []).append(event)
        self.sources.setdefault(id(event), set()).update(sources)

    def listed_by(self, event: Event, source: str) -> None:
        self.sources.setdefault(id(event), set()).add(source)

    def show_for(self, key: str, listing: ProviderEvent) -> Event | None:
        """The show `listing` is another provider's listing of, if any."""
        shows = self.by_key.get(key, [])

        def free(event: Event) -> bool:
            return listing.source not in self.sources.get(id(event), ())

        if listing.time_announced:
            near = [event for event in shows if event.time_announced and free(event)
                    and abs(event.starts_at - listing.starts_at) <= SAME_SHOW_WITHIN]
            if near:
                return min(near, key=lambda event: abs(event.starts_at - listing.starts_at))
        # Where one side gives only the day, the day must hold a single show: a day alone cannot tell a
        # matinee from the evening show.
        on_day = [event for event in shows
                  if venue_local(event.starts_at, event.venue_time_zone).date() == listing.local_date]
        if len(on_day) == 1 and free(on_day[0]) and not (listing.time_announced and on_day[0].time_announced):
            return on_day[0]
        return None


@transaction.atomic
def events_ingest(*, events: list[ProviderEvent], now: datetime | None = None) -> IngestResult:
    """Store one page of provider listings: all of it or, if anything fails, none of it."""
    now = now or timezone.now()
    result = IngestResult()
    by_listing = {(listing.source, listing.external_id): listing for listing in events}  # last one wins
    if not by_listing:
        return result
    keys = {ids: dedupe_key(listing) for ids, listing in by_listing.items()}
    # Two workers storing the same new show from two providers must not both create it.
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext(k)) FROM unnest(%s::text[]) AS k ORDER BY k",
                       [sorted(set(keys.values()))])

    known = _listings(by_listing)
    # One object per show however it is reached, so what one listing changes another does not write over.
    loaded: dict[int, Event] = {}
    for stored in known.values():
        stored.event = loaded.setdefault(stored.event_id, stored.event)
    owned = {ids: loaded.setdefault(event.pk, event) for ids, event in _events_by_own_id(by_listing).items()}
    unplaced = [listing for ids, listing in by_listing.items() if ids not in known and ids not in owned]
    nearby = _nearby(unplaced, loaded)

    new_events: list[tuple[tuple[str, str], Event]] = []
    changed: dict[int, Event] = {}
    listings_new: list[tuple[tuple[str, str], Event | None]] = []
    listings_seen: list[EventListing] = []
    for ids, listing in by_listing.items():
        key = keys[ids]
        if ids in known:
            stored = known[ids]
            event = stored.event
            if event.status == Event.Status.UNLISTED:  # every listing had gone: the one back owns the show now
                event.source, event.external_id = ids
            owner = (event.source, event.external_id) == ids
            stored.url, stored.status, stored.fetched_at, stored.removed_at = listing.url, listing.status, now, None
            listings_seen.append(stored)
        elif ids in owned:
            event, owner = owned[ids], True
            listings_new.append((ids, event))
        elif (event := nearby.show_for(key, listing)) is not None:
            owner = False
            nearby.listed_by(event, listing.source)
            listings_new.append((ids, event))
            result.linked += 1
            if event.pk is None:  # made from an earlier listing on this page: nothing stored to fill yet
                continue
            if event.status == Event.Status.UNLISTED:  # a show listed again under a new id: that listing owns it
                event.source, event.external_id = ids
                owner = True
        else:
            event = _event_from(listing, key)
            nearby.add(event, {listing.source})  # another provider's listing later on this page joins it
            new_events.append((ids, event))
            listings_new.append((ids, None))
            continue
        if owner:
            result.changes.extend(_changes(event, listing))
            if _apply(event, listing, key, OWNED_FIELDS):
                changed[event.pk] = event
        elif _fill(event, listing):
            changed[event.pk] = event

    created = Event.objects.bulk_create([event for _, event in new_events])
    created_for = {ids: event for (ids, _), event in zip(new_events, created, strict=True)}
    result.created = [event.pk for event in created]
    for event in changed.values():
        event.updated_at = now
    if changed:
        Event.objects.bulk_update(list(changed.values()), [*OWNED_FIELDS, "source", "external_id", "updated_at"])
    result.updated = len(changed)
    EventListing.objects.bulk_create([
        EventListing(event=event or created_for[ids], source=ids[0], external_id=ids[1],
                     url=by_listing[ids].url, status=by_listing[ids].status, fetched_at=now)
        for ids, event in listings_new
    ])
    if listings_seen:
        EventListing.objects.bulk_update(listings_seen, ["url", "status", "fetched_at", "removed_at"])

    listed = {**created_for, **{ids: stored.event for ids, stored in known.items()}}
    _performers_link({event.pk: by_listing[ids] for ids, event in listed.items()})

    notice_ids = notices.changes_record(changes=result.changes)
    notice_ids += notices.announcements_record(event_ids=result.created, now=now)
    notices.notices_deliver_on_commit(notice_ids)
    return result


def _listings(by_listing: dict) -> dict[tuple[str, str], EventListing]:
    found = {}
    for source in {source for source, _ in by_listing}:
        ids = [external_id for listed_by, external_id in by_listing if listed_by == source]
        for listing in (EventListing.objects.select_for_update(of=("self", "event")).select_related("event")
                        .filter(source=source, external_id__in=ids)):
            found[(listing.source, listing.external_id)] = listing
    return found


def _nearby(listings: list[ProviderEvent], loaded: dict[int, Event]) -> _Nearby:
    """The stored shows the page's new listings may join: same dedupe key, starting within a day of one of
    them (a day covers any zone's offset for the date-only match)."""
    nearby = _Nearby()
    if not listings:
        return nearby
    near = Q()
    for listing in listings:
        near |= Q(dedupe_key=dedupe_key(listing), starts_at__range=(listing.starts_at - timedelta(days=1),
                                                                    listing.starts_at + timedelta(days=1)))
    events = list(Event.objects.select_for_update().filter(near).exclude(source=Event.Source.INTERNAL)
                  .defer("search_document").order_by("pk"))
    sources: dict[int, set[str]] = {}
    for event_id, source in EventListing.objects.filter(event__in=events, removed_at__isnull=True) \
            .values_list("event_id", "source"):
        sources.setdefault(event_id, set()).add(source)
    for event in events:
        nearby.add(loaded.get(event.pk, event), sources.get(event.pk, set()))
    return nearby


def _events_by_own_id(by_listing: dict) -> dict[tuple[str, str], Event]:
    # An event whose listing row is gone still carries the provider's id.
    found = {}
    for source in {source for source, _ in by_listing}:
        ids = [external_id for listed_by, external_id in by_listing if listed_by == source]
        for event in Event.objects.select_for_update().filter(source=source, external_id__in=ids):
            found[(event.source, event.external_id)] = event
    return found


def _event_from(listing: ProviderEvent, key: str) -> Event:
    event = Event(source=listing.source, external_id=listing.external_id, moderation=Event.Moderation.APPROVED)
    _apply(event, listing, key, OWNED_FIELDS)
    return event


def _values(listing: ProviderEvent, key: str) -> dict:
    return {
        "title": listing.title or ", ".join(listing.performer_names)[:300], "performer_names": listing.performer_names,
        "venue": listing.venue, "address": listing.address, "city": listing.city, "country": listing.country,
        "latitude": listing.latitude, "longitude": listing.longitude, "starts_at": listing.starts_at,
        "time_announced": listing.time_announced, "venue_time_zone": listing.venue_time_zone, "dedupe_key": key,
        "ticket_url": listing.ticket_url, "image_url": listing.image_url, "price_min_cents": listing.price_min_cents,
        "price_max_cents": listing.price_max_cents, "currency": listing.currency, "genres": list(listing.genres),
        "status": listing.status,
    }


def _apply(event: Event, listing: ProviderEvent, key: str, fields) -> bool:
    values, changed = _values(listing, key), False
    for name in fields:
        if getattr(event, name) != values[name]:
            setattr(event, name, values[name])
            changed = True
    return changed


def _fill(event: Event, listing: ProviderEvent) -> bool:
    values, changed = _values(listing, event.dedupe_key), False
    for name in FILLABLE_FIELDS:
        if getattr(event, name) in (None, "", []) and values[name] not in (None, "", []):
            setattr(event, name, values[name])
            changed = True
    if event.price_min_cents is None and listing.price_min_cents is not None:
        event.price_min_cents, event.price_max_cents = listing.price_min_cents, listing.price_max_cents
        event.currency = listing.currency
        changed = True
    return changed


def _changes(event: Event, listing: ProviderEvent) -> list[EventChange]:
    """What a listener who saved `event` should hear now that its owner lists it as `listing`."""
    detail = listing.starts_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%MZ")
    if listing.status != event.status and listing.status in (Event.Status.CANCELLED, Event.Status.POSTPONED):
        return [EventChange(event.pk, listing.status, detail)]
    if listing.status != Event.Status.CANCELLED and listing.starts_at != event.starts_at:
        return [EventChange(event.pk, "rescheduled", detail)]
    return []


def _performers_link(listings: dict[int, ProviderEvent]) -> None:
    """Link each event's performers to our artists: by Spotify id when the provider gives one, else by name."""
    spotify_ids = {p.spotify_id for listing in listings.values() for p in listing.performers if p.spotify_id}
    name_keys = {name_key(p.name) for listing in listings.values() for p in listing.performers}
    by_spotify, by_name = listening_selectors.artist_ids_matching(spotify_ids=spotify_ids, name_keys=name_keys)
    through = Event.performers.through
    rows = []
    for event_id, listing in listings.items():
        for performer in listing.performers:
            artist_id = by_spotify.get(performer.spotify_id) or by_name.get(name_key(performer.name))
            if artist_id:
                rows.append(through(event_id=event_id, artist_id=artist_id))
    through.objects.bulk_create(rows, ignore_conflicts=True)


# --- fetching ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class PlannedFetch:
    source: str
    query: EventQuery


@dataclass(frozen=True)
class FetchOutcome:
    """How a fetch went; when `retry_in_seconds` is set, fetch again from `resume_page` after that long."""

    pages: int
    stored: int
    resume_page: int | None = None
    retry_in_seconds: int | None = None
    attempt: int = 0
    reason: str = ""


def events_fetch(*, source: str, query: EventQuery, page: int | None = None, attempt: int = 0,
                 max_pages: int | None = None, now: datetime | None = None) -> FetchOutcome:
    """Fetch and store `source`'s events for `query`, page by page (each page its own transaction), from
    `page` on. A 429 or our daily quota stops at the page reached and says when to resume; so does a provider
    that keeps failing, with a growing wait, until it has failed FETCH_MAX_ATTEMPTS times."""
    max_pages = max_pages or settings.EVENT_FETCH_MAX_PAGES
    pages = stored = 0
    while pages < max_pages:
        try:
            result = events_page(source, query, page)
        except ProviderNotConfigured as exc:
            return FetchOutcome(pages, stored, reason=str(exc))
        except RateLimited as exc:
            return FetchOutcome(pages, stored, resume_page=page, attempt=attempt, reason=str(exc),
                                retry_in_seconds=max(math.ceil(exc.retry_after_seconds), 1))
        except ServiceUnavailable as exc:
            if attempt + 1 >= FETCH_MAX_ATTEMPTS:
                logger.warning("event fetch given up", extra={"source": source, "query": query.as_json(),
                                                             "page": page, "reason": str(exc)})
                return FetchOutcome(pages, stored, reason=f"gave up: {exc}")
            return FetchOutcome(pages, stored, resume_page=page, attempt=attempt + 1, reason=str(exc),
                                retry_in_seconds=FETCH_RETRY_BASE_SECONDS * 2 ** attempt)
        events_ingest(events=result.events, now=now)
        pages, stored = pages + 1, stored + len(result.events)
        if result.errors:
            logger.warning("event provider refused a query", extra={"source": source, "errors": result.errors})
        if result.next_page is None:
            break
        page = result.next_page
    return FetchOutcome(pages, stored)


def events_fetch_plan(*, today: date | None = None) -> list[PlannedFetch]:
    """What the 6-hourly beat fetches: every country our listeners live in, then the artists most of them
    play most (all-time period totals), from each provider over the coming EVENT_FETCH_DAYS_AHEAD days.
    Ticketmaster's share is cut to what its daily quota still allows for this run."""
    today = today or timezone.now().date()
    until = today + timedelta(days=settings.EVENT_FETCH_DAYS_AHEAD)
    countries = account_selectors.listener_countries()
    artists = listening_selectors.artists_most_listened(limit=settings.EVENT_FETCH_TOP_ARTISTS)
    queries = [EventQuery(country=str(country), starts_from=today, starts_until=until) for country in countries]
    queries += [EventQuery(keyword=artist.name, starts_from=today, starts_until=until) for artist in artists]
    plan = []
    for source in settings.EVENT_PROVIDERS:
        chosen = queries
        if source == ticketmaster.SOURCE:
            # Each query may take up to EVENT_FETCH_MAX_PAGES calls.
            chosen = queries[:ticketmaster.run_budget() // settings.EVENT_FETCH_MAX_PAGES]
        plan += [PlannedFetch(source, query) for query in chosen]
    return plan
