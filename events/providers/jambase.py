"""The JamBase Data API v3 client (event search), through the shared outbound base.

JamBase answers schema.org-shaped events: `startDate` is the venue's wall clock (sometimes only a day) and
the venue's zone is `location.address.x-timezone`, so the UTC start is computed here. The key travels as a
bearer token; pages are numbered from 1 and hold at most 100 events.
"""

from __future__ import annotations

from functools import lru_cache

from django.conf import settings

from events.providers import (
    EventQuery,
    Performer,
    ProviderEvent,
    ProviderNotConfigured,
    ProviderPage,
    clip,
    parsed,
    local_to_utc,
    price_range,
    spotify_artist_id,
    time_zone_or_utc,
)
from rewrapped.outbound import Outbound

SOURCE = "jambase"
FIRST_PAGE = 1
EVENT_SEARCH = "/v3/events"
PAGE_SIZE = 100  # JamBase's maximum perPage
STATUSES = {"cancelled": "cancelled", "canceled": "cancelled", "postponed": "postponed"}


def jambase_outbound() -> Outbound:
    return _outbound(settings.JAMBASE_API_BASE, settings.JAMBASE_RATE_PER_SECOND)


@lru_cache(maxsize=8)
def _outbound(base_url: str, rate_per_second: float) -> Outbound:
    return Outbound(service=SOURCE, base_url=base_url, rate_per_second=rate_per_second)


def events_page(query: EventQuery, page: int = FIRST_PAGE, *, size: int = PAGE_SIZE) -> ProviderPage:
    """One page of concerts matching `query`. Raises RateLimited / ServiceUnavailable (defer on them)."""
    if not settings.JAMBASE_API_KEY:
        raise ProviderNotConfigured("JAMBASE_API_KEY is not set")
    params = {"page": page, "perPage": min(size, PAGE_SIZE)}
    if query.keyword:
        params["artistName"] = query.keyword
    if query.country:
        params["geoCountryIso2"] = query.country
    if query.starts_from:
        params["eventDateFrom"] = query.starts_from.isoformat()
    if query.starts_until:
        params["eventDateTo"] = query.starts_until.isoformat()
    response = jambase_outbound().request(
        "GET", EVENT_SEARCH, params=params,
        headers={"Authorization": f"Bearer {settings.JAMBASE_API_KEY}", "Accept": "application/json"},
    )
    try:
        body = response.json()
    except ValueError:  # an HTML error page from a proxy
        body = {}
    if response.status_code != 200 or body.get("success") is False:
        errors = [str(error.get("message") or error) for error in body.get("errors") or []]
        return ProviderPage(events=[], page=page, next_page=None, errors=errors or [f"HTTP {response.status_code}"])
    return parse_page(body)


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
    time_zone = time_zone_or_utc(address.get("x-timezone"))
    local_date, _, local_time = raw["startDate"].partition("T")
    geo = location.get("geo") or {}
    offers = raw.get("offers") or []
    priced = [offer.get("priceSpecification") or {} for offer in offers]
    price_min, price_max = price_range(
        [spec.get("minPrice") or spec.get("price") for spec in priced],
        [spec.get("maxPrice") or spec.get("price") for spec in priced],
    )
    currency = next((spec["priceCurrency"] for spec in priced if spec.get("priceCurrency")), "")
    performers = sorted(raw.get("performer") or [], key=lambda p: p.get("x-performanceRank") or 999)
    genres: list[str] = []
    for performer in performers:
        for genre in performer.get("genre") or []:
            if genre and genre.lower() not in genres:
                genres.append(genre.lower()[:60])
    return ProviderEvent(
        source=SOURCE,
        # "jambase:11138525": the prefix names the id space, the number is the listing.
        external_id=clip(raw["identifier"].removeprefix("jambase:"), 100),
        title=clip(raw.get("name"), 300),
        url=clip(raw.get("url"), 1000),
        starts_at=local_to_utc(local_date, local_time or None, time_zone),
        venue_time_zone=time_zone,
        venue=clip(location.get("name"), 300),
        city=clip(address.get("addressLocality"), 120),
        country=country.upper(),
        address=clip(address.get("streetAddress"), 300),
        latitude=_float(geo.get("latitude")),
        longitude=_float(geo.get("longitude")),
        performers=tuple(_performer(performer) for performer in performers if performer.get("name")),
        genres=tuple(genres),
        status=STATUSES.get((raw.get("eventStatus") or "").lower(), "scheduled"),
        price_min_cents=price_min,
        price_max_cents=price_max,
        currency=clip(currency, 3).upper(),
        image_url=clip(raw.get("image"), 1000),
        ticket_url=_ticket_url(offers),
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


def _float(value) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None
