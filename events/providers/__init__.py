"""Concert providers: each client module turns its service's answers into the same plain `ProviderEvent`.

Ingestion (events/ingest.py) knows nothing of Ticketmaster's or JamBase's shapes; a provider module knows
nothing of our models. `events_page(source, query, page)` is the one way in, so the fetch task can page
through any provider the same way.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache

from events.venue_time import TIME_ZONES, zone_for_country
from rewrapped.outbound import Outbound

# The providers' show statuses -> ours. Anything else ("rescheduled", "onsale") is a scheduled show: a new
# date is seen by comparing the start.
STATUSES = {"cancelled": "cancelled", "canceled": "cancelled", "postponed": "postponed"}

# What providers put where they have no genre (Ticketmaster's "Undefined" and "Other", a blank "-"): not a
# genre to show, search or recommend by.
PLACEHOLDER_GENRES = frozenset({"other", "others", "undefined", "unknown", "miscellaneous", "misc", "n/a", "none",
                                "null", "-"})


@dataclass(frozen=True)
class Performer:
    name: str
    spotify_id: str | None = None


@dataclass(frozen=True)
class ProviderEvent:
    """One provider's listing of a show, normalized: start in UTC plus the venue's zone, ISO-2 country,
    prices in cents, our status names."""

    source: str
    external_id: str
    title: str
    url: str
    starts_at: datetime  # aware, UTC
    venue_time_zone: str
    venue: str
    city: str
    country: str  # ISO 3166-1 alpha-2
    address: str = ""
    latitude: float | None = None
    longitude: float | None = None
    performers: tuple[Performer, ...] = ()
    genres: tuple[str, ...] = ()
    status: str = "scheduled"
    price_min_cents: int | None = None
    price_max_cents: int | None = None
    currency: str = ""
    image_url: str = ""
    ticket_url: str = ""
    # False when the provider gives only the day: starts_at is then the venue's local midnight.
    time_announced: bool = True

    @property
    def performer_names(self) -> list[str]:
        return [performer.name for performer in self.performers]

    @property
    def local_date(self) -> date:
        return self.starts_at.astimezone(zoneinfo.ZoneInfo(self.venue_time_zone)).date()


@dataclass(frozen=True)
class EventQuery:
    """What to ask a provider for. Every field is optional; providers ignore what they cannot filter on."""

    keyword: str = ""  # an artist's name, for artist queries
    country: str = ""
    city: str = ""
    genre: str = ""
    starts_from: date | None = None
    starts_until: date | None = None

    def as_json(self) -> dict:
        """For task arguments (JSON only)."""
        return {
            "keyword": self.keyword, "country": self.country, "city": self.city, "genre": self.genre,
            "starts_from": self.starts_from.isoformat() if self.starts_from else None,
            "starts_until": self.starts_until.isoformat() if self.starts_until else None,
        }

    @classmethod
    def from_json(cls, data: dict) -> EventQuery:
        return cls(
            keyword=data.get("keyword") or "", country=data.get("country") or "", city=data.get("city") or "",
            genre=data.get("genre") or "",
            starts_from=date.fromisoformat(data["starts_from"]) if data.get("starts_from") else None,
            starts_until=date.fromisoformat(data["starts_until"]) if data.get("starts_until") else None,
        )


@dataclass(frozen=True)
class ProviderPage:
    events: list[ProviderEvent]
    page: int
    next_page: int | None  # None: this was the last page we may ask for
    total: int = 0
    skipped: int = 0  # listings we could not place (no venue, country or date)
    errors: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Lookup:
    """A provider's answer about one of its listings, asked for by id."""

    listed: bool  # False: the provider no longer knows the id (its 404)
    event: ProviderEvent | None = None  # None while listed: a listing we cannot place (no venue or date)


class ProviderNotConfigured(Exception):
    """The provider has no API key: fetching from it is skipped, not retried."""


class LookupRefused(Exception):
    """The provider refused to look up this one id (a 400): the listing is asked about again another day."""


def events_page(source: str, query: EventQuery, page: int | None = None) -> ProviderPage:
    """One page of `source`'s events matching `query` (its first page when `page` is None)."""
    module = _provider(source)
    return module.events_page(query, module.FIRST_PAGE if page is None else page)


def event_lookup(source: str, external_id: str) -> Lookup:
    """`source`'s listing `external_id` as it stands now. Not listed only when the provider answers with its
    own "not found": a 404 from anywhere else (a wrong base URL, a gateway) says nothing about the show.
    Raises LookupRefused for a 400 about this id; ProviderNotConfigured, and requests' RequestException
    (RateLimited and ServiceUnavailable among them), when the provider cannot answer at all."""
    return _provider(source).event_lookup(external_id)


def _provider(source: str):
    from events.providers import jambase, ticketmaster

    return {ticketmaster.SOURCE: ticketmaster, jambase.SOURCE: jambase}[source]


# --- what the providers share ------------------------------------------------------------------------------
@lru_cache(maxsize=8)
def provider_outbound(source: str, base_url: str, rate_per_second: float) -> Outbound:
    """The one outbound client per provider and configuration."""
    return Outbound(service=source, base_url=base_url, rate_per_second=rate_per_second)


def json_body(response) -> dict:
    """A response's JSON object; {} for anything else (an HTML error page from a proxy, a bare list)."""
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def lookup_answer(response, *, not_found: bool, errors: list[str], event: ProviderEvent | None) -> Lookup:
    """A lookup by id as a Lookup. `not_found`: the body is the provider's own "not found", which alone
    means the listing is gone; a 400 is about this id (LookupRefused); any other failure raises."""
    if response.status_code == 404 and not_found:
        return Lookup(listed=False)
    if response.status_code == 400:
        raise LookupRefused("; ".join(errors) or "HTTP 400")
    response.raise_for_status()  # a wrong key (401) or another 404 is not an answer about the event
    return Lookup(listed=True, event=event)


def number(value) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def parsed(parse, raw: list[dict]) -> list[ProviderEvent]:
    """The listings `parse` can place; one malformed listing (a date that is not a date) is skipped like one
    without a venue, not the end of its page."""
    return [event for listing in raw if (event := parsed_one(parse, listing)) is not None]


def parsed_one(parse, listing) -> ProviderEvent | None:
    """`parse(listing)`, or None for a listing it cannot place or that is malformed."""
    try:
        return parse(listing)
    except (KeyError, ValueError, TypeError, AttributeError):
        return None


def cents(value) -> int | None:
    """'65.00', 136.0 or 251 as cents; None for blanks and nonsense (JamBase sends '' for unknown prices)."""
    if value is None or value == "":
        return None
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return None
    if not amount.is_finite() or amount < 0:
        return None
    return int((amount * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def price_range(mins: list, maxes: list) -> tuple[int | None, int | None]:
    low = [c for c in map(cents, mins) if c is not None]
    high = [c for c in map(cents, maxes) if c is not None]
    price_min = min(low) if low else None
    price_max = max(high) if high else price_min
    if price_min is None and price_max is not None:
        price_min = price_max
    if price_min is not None and price_max is not None and price_min > price_max:
        price_min, price_max = price_max, price_min
    return price_min, price_max


def venue_zone(name: str | None, country: str) -> str:
    """The venue's zone as the provider names it; failing that its country's, when the country has only one;
    UTC as the last resort (the start is then shown in UTC, and says so)."""
    if name and name in TIME_ZONES:
        return name
    return zone_for_country(country) or "UTC"


def local_to_utc(local_date: str, local_time: str | None, time_zone: str) -> datetime:
    """A venue's wall-clock start as UTC. A show known only by its day is placed at local midnight, so its
    local date (what identity and listings compare) stays right."""
    day = date.fromisoformat(local_date[:10])
    clock = time.fromisoformat(local_time) if local_time else time.min
    return datetime.combine(day, clock, zoneinfo.ZoneInfo(time_zone)).astimezone(UTC)


def genre_names(names: Iterable) -> tuple[str, ...]:
    """Genre names in lower case, each once, in order, without the providers' placeholders."""
    kept: list[str] = []
    for name in names:
        name = str(name or "").strip().lower()[:60]
        if name and name not in PLACEHOLDER_GENRES and name not in kept:
            kept.append(name)
    return tuple(kept)


def spotify_artist_id(url: str) -> str | None:
    marker = "open.spotify.com/artist/"
    if marker not in url:
        return None
    artist_id = url.split(marker, 1)[1].split("?", 1)[0].split("/", 1)[0]
    return artist_id or None


def clip(value, length: int) -> str:
    return (str(value) if value is not None else "").strip()[:length]
