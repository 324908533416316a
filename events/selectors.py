"""Reads of events: what listeners may see, the search, saved events and recommendations, and promoters'
events with their analytics."""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from urllib.parse import urlencode, urlsplit

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db.models import F, Prefetch, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from accounts.hooks import ExportFile, csv_file, json_file
from accounts.models import User
from events.genres import GenreTags, PerformerKeys, genre_filter, genre_tag, performer_key, tag_matches
from events.models import Event, EventInteraction, EventMetricsDaily, EventNotice, SavedEvent
from events.targeting import listener_matches, listener_taste, targeting_reaches
from events.venue_time import venue_time_iso
from listening import selectors as listening_selectors
from rewrapped.names import name_key

SEARCH_CONFIG = "simple"
RECOMMENDED = 12
SPONSORED_SLOTS = (1, 5, 9)  # where sponsored events go in "Recommended for you", besides the taste matches
# What a genre the listener says they like weighs, as a share of their taste: about a top-five genre's.
INTEREST_WEIGHT = 0.1


def listed_events() -> QuerySet[Event]:
    """Events any listener may see: approved ones, cancelled included (they show as cancelled)."""
    return Event.objects.filter(moderation=Event.Moderation.APPROVED)


def upcoming_events(*, country: str | None = None, limit: int = 5) -> list[Event]:
    events = listed_events().filter(status=Event.Status.SCHEDULED, starts_at__gte=timezone.now())
    if country:
        events = events.filter(country=country)
    return list(events.order_by("starts_at")[:limit])


def event_for(*, user: User, public_id, or_saved: bool = False) -> Event:
    """One event this user, or a visitor, may see (404 otherwise): listed ones, and a promoter's own or any
    for staff, so they can look at a draft before it is approved. Another promoter's draft is as if it did not
    exist.
    `or_saved` also finds one the user saved that has since been withdrawn, so they can unsave it."""
    event = Event.objects.prefetch_related(_performers()).filter(public_id=public_id).first()
    if event is None:
        raise Http404("No such event.")
    if event.moderation == Event.Moderation.APPROVED or user.is_staff or (
        user.is_authenticated and event.promoter_id == user.pk
    ):
        return event
    if or_saved and SavedEvent.objects.filter(user=user, event=event).exists():
        return event
    raise Http404("No such event.")


@dataclass(frozen=True)
class EventFilters:
    q: str = ""
    country: str = ""
    city: str = ""
    start: date | None = None
    end: date | None = None
    genre: str = ""
    sort: str = "date"  # or "relevance" (needs q)


def event_search(*, filters: EventFilters, user: User | None, offset: int = 0, limit: int = 20,
                 exclude: Iterable[int] = ()) -> list[Event]:
    """Listed events matching every filter given, but those in `exclude` (shown elsewhere on the page).
    Without dates, the ones still to come. Dates are the listener's own days (a show at 23:30 on the 4th in
    their time zone is on the 4th). A genre matches the tags holding its words: "indie" finds "Indie Pop"."""
    events = listed_events().exclude(pk__in=list(exclude))
    tz = _zone(getattr(user, "time_zone", "UTC"))
    if filters.start:
        events = events.filter(starts_at__gte=datetime.combine(filters.start, time.min, tzinfo=tz))
    elif not filters.end:
        events = events.filter(starts_at__gte=timezone.now())
    if filters.end:
        events = events.filter(starts_at__lt=datetime.combine(filters.end + timedelta(days=1), time.min, tzinfo=tz))
    if filters.country:
        events = events.filter(country=filters.country)
    if filters.city:
        events = events.filter(city__iexact=filters.city.strip())
    if filters.genre:
        events = events.filter(genre_filter(genre_tag(filters.genre)))
    events = events.order_by("starts_at", "pk")
    if filters.q.strip():
        query = SearchQuery(filters.q.strip(), config=SEARCH_CONFIG, search_type="websearch")
        events = events.filter(search_document=query)
        if filters.sort == "relevance":
            events = events.annotate(rank=SearchRank(F("search_document"), query)).order_by("-rank", "starts_at", "pk")
    # Target artists too: recording the page's impressions checks each sponsored event's targeting.
    return list(events.prefetch_related(_performers(), "target_artists")[offset:offset + limit])


def _performers() -> Prefetch:
    return Prefetch("performers", queryset=listening_selectors.artists_by_name())


def _zone(name: str) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(name or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def saved_ids(*, user: User, events: list[Event]) -> set[int]:
    """Which of these events the user saved: one query for a whole page."""
    if not user.is_authenticated or not events:
        return set()
    return set(SavedEvent.objects.filter(user=user, event__in=events).values_list("event_id", flat=True))


def saved_events(*, user: User, when: str = "upcoming", offset: int = 0, limit: int = 50) -> list[Event]:
    """The user's saved events still to come (soonest first) or past (latest first). Only approved ones: an
    event whose promoter edited it after approval waits for review again, and its unreviewed text must not
    reach the listeners who saved it. It comes back once approved (and can be unsaved meanwhile)."""
    events = Event.objects.filter(saves__user=user, moderation=Event.Moderation.APPROVED).prefetch_related(
        _performers()
    )
    now = timezone.now()
    if when == "past":
        events = events.filter(starts_at__lt=now).order_by("-starts_at", "-pk")
    else:
        events = events.filter(starts_at__gte=now).order_by("starts_at", "pk")
    return list(events[offset:offset + limit])


# --- recommendations --------------------------------------------------------------------------------------
@dataclass
class Recommendation:
    event: Event
    score: float
    sponsored: bool
    because: list[str]


def recommended_events(*, user: User, limit: int = RECOMMENDED) -> list[Recommendation]:
    """Upcoming shows by the listener's top artists (their whole history, recent plays weighing more), in the
    genres they play and those they say they like, ranked, with shows in the listener's country (and more so
    their city) first, each with why. Sponsored shows whose targeting matches the listener are mixed in at
    fixed places, labelled, besides the taste matches and never instead of one; each show comes once."""
    taste = listener_taste(user)
    upcoming = (listed_events().filter(starts_at__gte=timezone.now())
                .exclude(status__in=Event.OFF_SALE))
    organic = _organic(user, taste, upcoming, limit)
    taken = {rec.event.pk for rec in organic}
    sponsored = [
        Recommendation(event, 0.0, True, [])
        for event in targeting_reaches(upcoming.filter(sponsored=True).exclude(pk__in=taken), user)
        .prefetch_related(_performers(), "target_artists").order_by("starts_at", "pk")[:20]
        if listener_matches(event, user)
    ][:len(SPONSORED_SLOTS)]
    mixed = list(organic)
    for slot, rec in zip(SPONSORED_SLOTS, sponsored, strict=False):
        mixed.insert(min(slot, len(mixed)), rec)
    return mixed


def _organic(user: User, taste, upcoming: QuerySet[Event], limit: int) -> list[Recommendation]:
    interests = {genre_tag(interest): interest.strip() for interest in user.interests if genre_tag(interest)}
    if not taste.artists and not taste.genres and not interests:
        return []
    # Performers by name too: a show fetched before the listener's history named its artist is not linked.
    by_key = {performer_key(name): pk for pk, name in taste.names.items() if pk in taste.artists}
    matches = Q(performers__in=list(taste.artists)) | Q(performer_keys__overlap=list(by_key))
    if taste.genres:
        matches |= Q(genre_tags__overlap=list(taste.genres))
    for wanted in interests:
        matches |= genre_filter(wanted)
    candidates = (
        upcoming.alias(performer_keys=PerformerKeys()).annotate(genre_tags=GenreTags())
        .filter(matches).distinct().prefetch_related(_performers()).order_by("starts_at", "pk")[:300]
    )
    country, city = str(user.country or ""), name_key(user.city or "")
    recommendations = []
    for event in candidates:
        artists = {artist.pk for artist in event.performers.all() if artist.pk in taste.artists}
        artists |= {by_key[key] for key in map(performer_key, event.performer_names) if key in by_key}
        genres = [tag for tag in event.genre_tags if tag in taste.genres]
        liked = [said for wanted, said in interests.items()
                 if wanted not in genres and any(tag_matches(tag, wanted) for tag in event.genre_tags)]
        score = (2 * sum(taste.artists[pk] for pk in artists) + sum(taste.genres[tag] for tag in genres)
                 + INTEREST_WEIGHT * len(liked))
        if country and event.country == country:
            score *= 2
            if city and name_key(event.city) == city:
                score *= 1.5
        by_plays = sorted(artists, key=lambda pk: -taste.plays[pk])
        because = [_played(taste.names[pk], taste.plays[pk]) for pk in by_plays]
        because += [f"You like {genre}" for genre in (*genres, *liked)]
        recommendations.append(Recommendation(event, score, event.sponsored, because[:2]))
    recommendations.sort(key=lambda rec: (-rec.score, rec.event.starts_at))
    return recommendations[:limit]


def _played(name: str, plays: int) -> str:
    return f"You played {name} once" if plays == 1 else f"You played {name} {plays:,} times"


# --- how an event is shown --------------------------------------------------------------------------------
def map_url(event: Event) -> str:
    """OpenStreetMap at the venue: its coordinates when known, a search for its address otherwise."""
    if event.latitude is not None and event.longitude is not None:
        lat, lon = f"{event.latitude:.5f}", f"{event.longitude:.5f}"
        return f"https://www.openstreetmap.org/?{urlencode({'mlat': lat, 'mlon': lon})}#map=16/{lat}/{lon}"
    place = ", ".join(part for part in (event.venue, event.address, event.city, event.country.name) if part)
    return f"https://www.openstreetmap.org/search?{urlencode({'query': place})}"


def ticket_url(event: Event) -> str | None:
    """The event's own ticket page, if it is an https address and the show may still go ahead; nothing else
    is ever redirected to."""
    parts = urlsplit(event.ticket_url or "")
    return event.ticket_url if event.on_sale and parts.scheme == "https" and parts.netloc else None


def price_label(event: Event) -> str:
    """"€25.00 – €60.00" style, in the event's currency; empty when no price is known."""
    if event.price_min_cents is None and event.price_max_cents is None:
        return ""
    amounts = sorted({cents for cents in (event.price_min_cents, event.price_max_cents) if cents is not None})
    currency = event.currency or ""
    return " – ".join(f"{cents / 100:,.2f} {currency}".strip() for cents in amounts)


# --- promoters' events and their analytics ----------------------------------------------------------------
def promoter_events(*, promoter: User) -> QuerySet[Event]:
    """A promoter's own events on Re-Wrapped, in every state of review."""
    return Event.objects.filter(promoter=promoter, source=Event.Source.INTERNAL)


# What the Event Metrics Log counts (events/metrics.py rolls it up); pages never read the raw interactions.
COUNTS = ("impressions", "views", "saves", "ticket_clicks")


def _sums(prefix: str = "") -> dict:
    return {name: Coalesce(Sum(f"{prefix}{name}"), 0) for name in COUNTS}


def _with_rates(row: dict) -> dict:
    impressions = row["impressions"]
    engaged = row["views"] + row["saves"] + row["ticket_clicks"]
    return {
        **row,
        "ctr": row["ticket_clicks"] / impressions if impressions else None,
        "engagement": engaged / impressions if impressions else None,
    }


def promoter_events_totals(*, events: QuerySet[Event]) -> list[dict]:
    """Totals and rates per event, for the comparison chart and the table under it, in one query."""
    rows = events.order_by("starts_at").values(
        "pk", "public_id", "title", "starts_at", "venue_time_zone", "moderation", "rejection_reason"
    ).annotate(
        **_sums("daily_metrics__")
    )
    return [_with_rates(row) for row in rows]


def event_totals(*, events: Iterable[Event] | QuerySet[Event]) -> dict:
    """Totals and rates of one or more events together."""
    return _with_rates(EventMetricsDaily.objects.filter(event__in=events).aggregate(**_sums()))


def event_daily_series(*, event: Event) -> list[dict]:
    """One point per UTC day from the first with any interaction to the last, both audiences together, oldest
    first; a day without any is zeros, so a chart of it never puts the 3rd next to the 5th."""
    rows = {
        row["day"]: row for row in EventMetricsDaily.objects.filter(event=event).values("day").annotate(**_sums())
    }
    if not rows:
        return []
    first, last = min(rows), max(rows)
    days = (first + timedelta(days=n) for n in range((last - first).days + 1))
    return [{**rows.get(day, dict.fromkeys(COUNTS, 0)), "day": day.isoformat()} for day in days]


def targeting_effectiveness(*, events: Iterable[Event] | QuerySet[Event]) -> dict:
    """How well targeting reached its audience: the share of impressions shown to listeners who matched it,
    and the engagement (views, saves and ticket clicks per impression) of matched and unmatched listeners.
    Interactions of events that were not sponsored when they happened carry no audience and are left out."""
    audiences = {
        row["targeted"]: _with_rates(row)
        for row in EventMetricsDaily.objects.filter(event__in=events, targeted__isnull=False)
        .values("targeted").annotate(**_sums()).order_by()
    }
    empty = _with_rates(dict.fromkeys(COUNTS, 0))
    targeted, untargeted = audiences.get(True, empty), audiences.get(False, empty)
    impressions = targeted["impressions"] + untargeted["impressions"]
    return {
        "reach": targeted["impressions"] / impressions if impressions else None,
        "targeted": targeted,
        "untargeted": untargeted,
    }


# The event's start on the venue's clock (ISO 8601 with its offset then); the interactions' days are UTC days.
CSV_HEADER = ["event", "event_id", "starts_at", "venue_time_zone", "day_utc", "audience", "impressions", "views",
              "saves", "ticket_clicks", "listeners", "ctr"]
AUDIENCES = {True: "targeted", False: "not targeted", None: "not sponsored"}


def metrics_csv_rows(*, events: QuerySet[Event]) -> Iterable[list]:
    """The Event Metrics Log of `events` as CSV rows: a header, then one row per event, day and audience."""
    yield CSV_HEADER
    rows = (
        EventMetricsDaily.objects.filter(event__in=events)
        .select_related("event").only("event__title", "event__public_id", "event__starts_at", "event__venue_time_zone",
                                      "day", "targeted", *COUNTS, "listeners")
        .order_by("event__starts_at", "event_id", "day", "targeted")
    )
    for row in rows.iterator(chunk_size=2000):
        event = row.event
        ctr = f"{row.ticket_clicks / row.impressions:.4f}" if row.impressions else ""
        yield [_cell(event.title), event.public_id, venue_time_iso(event.starts_at, event.venue_time_zone),
               event.venue_time_zone, row.day.isoformat(), AUDIENCES[row.targeted], row.impressions, row.views,
               row.saves, row.ticket_clicks, row.listeners, ctr]


def _cell(text: str) -> str:
    """A title a spreadsheet would run as a formula (=, +, -, @) is kept as text."""
    return f"'{text}" if text[:1] in ("=", "+", "-", "@") else text


# --- the "download my data" export (accounts.data_export) ----------------------------------------------------
def data_export_files(user: User) -> list[ExportFile]:
    return [
        json_file("events/saved_events.json",
                  "The shows you saved, with when you saved them; starts are on the venue's clock, with its zone.",
                  lambda: [{"saved_at": saved.created_at, "event": _event_export(saved.event)}
                           for saved in SavedEvent.objects.filter(user=user).select_related("event")
                           .order_by("created_at")]),
        json_file("events/notices.json",
                  "What we told you about shows (a saved show moved or cancelled, an artist you play announced one).",
                  lambda: [{"sent_at": notice.created_at, "kind": notice.get_kind_display(), "detail": notice.detail,
                            "event": _event_export(notice.event)}
                           for notice in EventNotice.objects.filter(user=user).select_related("event")
                           .order_by("created_at")]),
        csv_file("events/interactions.csv",
                 "Each time a show was listed for you, you opened it, saved it or clicked for tickets (UTC), and "
                 "whether a promoter's targeting matched you then (empty: not a sponsored show).",
                 ["at", "kind", "event", "event_title", "targeted"],
                 lambda: _interaction_rows(user)),
        json_file("events/promoted_events.json", "The shows you put on Re-Wrapped as a promoter, and their review.",
                  lambda: [{**_event_export(event), "moderation": event.moderation,
                            "rejection_reason": event.rejection_reason, "submitted_at": event.submitted_at}
                           for event in Event.objects.filter(promoter=user).order_by("starts_at")]),
    ]


def _interaction_rows(user: User) -> Iterable[tuple]:
    interactions = (EventInteraction.objects.filter(user=user).order_by("at", "id")
                    .values_list("at", "kind", "event__public_id", "event__title", "targeted"))
    for at, kind, event_id, title, targeted in interactions.iterator(chunk_size=2000):
        yield at.isoformat(), kind, event_id, _cell(title), targeted


def _event_export(event: Event) -> dict:
    return {"id": str(event.public_id), "title": event.title, "performers": event.performer_names,
            "venue": event.venue, "city": event.city, "country": str(event.country),
            "starts_at": venue_time_iso(event.starts_at, event.venue_time_zone), "time_zone": event.venue_time_zone,
            "status": event.get_status_display(), "tickets": event.ticket_url or None}
