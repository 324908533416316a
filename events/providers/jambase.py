"""The JamBase Data API v3 client (event search and event lookup), through the shared outbound base.

JamBase answers schema.org-shaped events: `startDate` is the venue's wall clock (sometimes only a day,
sometimes with its UTC offset) and the venue's zone is `location.address.x-timezone`, so the UTC start is
computed here. The key travels as a
bearer token; pages are numbered from 1 and hold at most 100 events.
"""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import quote

from django.conf import settings

from events.providers import (
    STATUSES,
    EventQuery,
    Lookup,
    Performer,
    ProviderEvent,
    ProviderNotConfigured,
    ProviderPage,
    clip,
    genre_names,
    json_body,
    local_to_utc,
    lookup_answer,
    number,
    parsed,
    parsed_one,
    price_range,
    provider_outbound,
    spotify_artist_id,
    venue_zone,
)
from rewrapped.outbound import Outbound

SOURCE = "jambase"
FIRST_PAGE = 1
EVENT_SEARCH = "/v3/events"
EVENT_DETAIL = "/v3/events/id/jambase:{id}"
NOT_FOUND = "no_lookup_results"  # the errorCode of JamBase's 404 for an id it does not know
PAGE_SIZE = 100  # JamBase's maximum perPage
# JamBase filters by its own 18 genre slugs; the names other providers (and our artists) use for them.
GENRE_SLUGS = frozenset({
    "bluegrass", "blues", "christian", "classical", "country-music", "edm", "folk", "hip-hop-rap", "indie",
    "jamband", "jazz", "latin", "metal", "pop", "punk", "reggae", "rhythm-and-blues-soul", "rock",
})
GENRE_ALIASES = {
    "country": "country-music", "hip-hop": "hip-hop-rap", "hip-hop/rap": "hip-hop-rap", "rap": "hip-hop-rap",
    "r&b": "rhythm-and-blues-soul", "rnb": "rhythm-and-blues-soul", "soul": "rhythm-and-blues-soul",
    "electronic": "edm", "dance/electronic": "edm", "dance": "edm", "jam band": "jamband",
    "alternative": "indie", "indie rock": "indie", "heavy metal": "metal", "punk rock": "punk",
}


def jambase_outbound() -> Outbound:
    return provider_outbound(SOURCE, settings.JAMBASE_API_BASE, settings.JAMBASE_RATE_PER_SECOND)


def events_page(query: EventQuery, page: int = FIRST_PAGE, *, size: int = PAGE_SIZE) -> ProviderPage:
    """One page of concerts matching `query`. Raises RateLimited / ServiceUnavailable (defer on them)."""
    params = {"page": page, "perPage": min(size, PAGE_SIZE)}
    if query.keyword:
        params["artistName"] = query.keyword
    if query.country:
        params["geoCountryIso2"] = query.country
    if query.city:
        params["geoCityName"] = query.city
    if slug := genre_slug(query.genre):
        params["genreSlug"] = slug
    if query.starts_from:
        params["eventDateFrom"] = query.starts_from.isoformat()
    if query.starts_until:
        params["eventDateTo"] = query.starts_until.isoformat()
    response = _get(EVENT_SEARCH, params)
    body = json_body(response)
    if response.status_code != 200 or body.get("success") is False:
        return ProviderPage(events=[], page=page, next_page=None, errors=error_messages(body, response.status_code))
    return parse_page(body)


def event_lookup(external_id: str) -> Lookup:
    """One concert by its JamBase id; not listed when JamBase answers its 404 "no lookup results"."""
    response = _get(EVENT_DETAIL.format(id=quote(external_id, safe="")), {})
    body = json_body(response)
    return lookup_answer(
        response, not_found=NOT_FOUND in {error.get("errorCode") for error in body.get("errors") or []},
        errors=error_messages(body, response.status_code), event=parsed_one(parse_event, body.get("event")),
    )


def genre_slug(genre: str) -> str | None:
    """JamBase's slug for one of our genre names; None when it has none (the search is then not narrowed)."""
    name = genre.strip().lower()
    if name in GENRE_SLUGS:
        return name
    return GENRE_ALIASES.get(name) or (dashed if (dashed := name.replace(" ", "-")) in GENRE_SLUGS else None)


def error_messages(body: dict, status: int) -> list[str]:
    """JamBase's error envelope ({"errors": [{"errorCode", "errorMessage"}]}) as readable lines."""
    lines = [str(error.get("errorMessage") or error.get("errorCode") or error) for error in body.get("errors") or []]
    return lines or [f"HTTP {status}"]


def _get(path: str, params: dict):
    if not settings.JAMBASE_API_KEY:
        raise ProviderNotConfigured("JAMBASE_API_KEY is not set")
    return jambase_outbound().request(
        "GET", path, params=params,
        headers={"Authorization": f"Bearer {settings.JAMBASE_API_KEY}", "Accept": "application/json"},
    )


def parse_page(body: dict) -> ProviderPage:
    raw = body.get("events") or []
    events = parsed(parse_event, raw)
    pagination = body.get("pagination") or {}
    number = int(pagination.get("page") or FIRST_PAGE)
    has_next = number < int(pagination.get("totalPages") or 0)
    return ProviderPage(
        events=events, page=number, next_page=number + 1 if has_next else None,
        total=int(pagination.get("totalItems") or 0), skipped=len(raw) - len(events),
    )


def parse_event(raw: dict) -> ProviderEvent | None:
    """A JamBase event as a ProviderEvent; None when it has no venue country or start date."""
    location = raw.get("location") or {}
    address = location.get("address") or {}
    country = (address.get("addressCountry") or {}).get("identifier") or ""
    if not raw.get("startDate") or len(country) != 2 or not raw.get("identifier"):
        return None
    time_zone = venue_zone(address.get("x-timezone"), country.upper())
    start = raw["startDate"]
    announced = "T" in start
    if announced and (given := datetime.fromisoformat(start)).tzinfo is not None:
        starts_at = given.astimezone(UTC)  # an offset pins the instant whatever the zone says
    else:
        starts_at = local_to_utc(start[:10], start.partition("T")[2] or None, time_zone)
    geo = location.get("geo") or {}
    offers = raw.get("offers") or []
    priced = [offer.get("priceSpecification") or {} for offer in offers]
    price_min, price_max = price_range(
        [spec.get("minPrice") or spec.get("price") for spec in priced],
        [spec.get("maxPrice") or spec.get("price") for spec in priced],
    )
    currency = next((spec["priceCurrency"] for spec in priced if spec.get("priceCurrency")), "")
    performers = sorted(raw.get("performer") or [], key=lambda p: p.get("x-performanceRank") or 999)
    return ProviderEvent(
        source=SOURCE,
        # "jambase:11138525": the prefix names the id space, the number is the listing.
        external_id=clip(raw["identifier"].removeprefix("jambase:"), 100),
        title=clip(raw.get("name"), 300),
        url=clip(raw.get("url"), 1000),
        starts_at=starts_at,
        venue_time_zone=time_zone,
        venue=clip(location.get("name"), 300),
        city=clip(address.get("addressLocality"), 120),
        country=country.upper(),
        address=clip(address.get("streetAddress"), 300),
        latitude=number(geo.get("latitude")),
        longitude=number(geo.get("longitude")),
        performers=tuple(_performer(performer) for performer in performers if performer.get("name")),
        genres=genre_names(genre for performer in performers for genre in performer.get("genre") or []),
        status=STATUSES.get((raw.get("eventStatus") or "").lower(), "scheduled"),
        price_min_cents=price_min,
        price_max_cents=price_max,
        currency=clip(currency, 3).upper(),
        image_url=clip(raw.get("image"), 1000),
        ticket_url=_ticket_url(offers),
        time_announced=announced,
    )


def _performer(raw: dict) -> Performer:
    # sameAs lists the artist's other profiles, as plain URLs or {"url": ...} objects.
    links = [link if isinstance(link, str) else (link or {}).get("url") or "" for link in raw.get("sameAs") or []]
    spotify_id = next((found for link in links if (found := spotify_artist_id(link))), None)
    return Performer(name=clip(raw["name"], 300), spotify_id=spotify_id)


def _ticket_url(offers: list[dict]) -> str:
    primary = [offer for offer in offers if offer.get("category") == "ticketingLinkPrimary" and offer.get("url")]
    chosen = primary or [offer for offer in offers if offer.get("url")]
    return clip(chosen[0]["url"], 1000) if chosen else ""
