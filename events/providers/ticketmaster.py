"""The Ticketmaster Discovery API v2 client (event search and event lookup), through the shared outbound base.

Ticketmaster gives a key 5 requests a second and 5,000 a day. The per-second rate is the shared Redis bucket
of rewrapped.outbound; the daily quota is a Redis counter per UTC day that every process increments before
calling, so the fetch task defers until tomorrow instead of being refused. Deep paging is capped by
Ticketmaster at size × page < 1000: we never ask past it. Searches are not cached: a listing changing
(cancelled, a new date) is exactly what we fetch for.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
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
from rewrapped.outbound import Outbound, RateLimited
from rewrapped.redis import redis_client

SOURCE = "ticketmaster"
FIRST_PAGE = 0  # Ticketmaster numbers pages from 0
EVENT_SEARCH = "/discovery/v2/events.json"
EVENT_DETAIL = "/discovery/v2/events/{id}.json"
PAGE_SIZE = 100
DEEP_PAGING_LIMIT = 1000  # size × page must stay below this
NOT_FOUND = "DIS1004"  # the error code of Discovery's 404 for an id it does not know
RUNS_PER_DAY = 4  # the fetch and the listing recheck both run every 6 hours


def ticketmaster_outbound() -> Outbound:
    return provider_outbound(SOURCE, settings.TICKETMASTER_API_BASE, settings.TICKETMASTER_RATE_PER_SECOND)


# --- the daily quota ---------------------------------------------------------------------------------------
def _day_key(now: datetime) -> str:
    return f"outbound:{SOURCE}:calls:{now.astimezone(UTC):%Y-%m-%d}"


def calls_left_today(*, now: datetime | None = None) -> int:
    used = redis_client().get(_day_key(now or datetime.now(UTC)))
    return max(settings.TICKETMASTER_DAILY_LIMIT - int(used or 0), 0)


def run_budget(*, lookups: bool = False) -> int:
    """The calls one of the day's four 6-hourly runs may spend on searches (or, with `lookups`, on looking
    listings up by id): together a quarter of the day, a fifth of it for lookups, never more than is left."""
    run = min(calls_left_today(), settings.TICKETMASTER_DAILY_LIMIT // RUNS_PER_DAY)
    for_lookups = run // 5
    return for_lookups if lookups else run - for_lookups


def _count_call(now: datetime | None = None) -> None:
    now = now or datetime.now(UTC)
    key = _day_key(now)
    pipe = redis_client().pipeline()
    pipe.incr(key)
    pipe.expire(key, 2 * 24 * 3600)
    used, _ = pipe.execute()
    if used > settings.TICKETMASTER_DAILY_LIMIT:
        tomorrow = datetime.combine(now.astimezone(UTC).date() + timedelta(days=1), time.min, UTC)
        raise RateLimited(SOURCE, (tomorrow - now).total_seconds(), by_service=False)


def _get(path: str, params: dict):
    if not settings.TICKETMASTER_API_KEY:
        raise ProviderNotConfigured("TICKETMASTER_API_KEY is not set")
    outbound = ticketmaster_outbound()
    # While a 429's pause lasts no call goes out, so none may be counted against the day either.
    if (paused := outbound.paused_for()) > outbound.max_wait_seconds:
        raise RateLimited(SOURCE, paused)
    _count_call()
    return outbound.request(
        "GET", path, params={**params, "apikey": settings.TICKETMASTER_API_KEY},
        headers={"Accept": "application/json"},
    )


# --- calls -------------------------------------------------------------------------------------------------
def last_page(size: int = PAGE_SIZE) -> int:
    """The last page Ticketmaster serves at this size (size × page < 1000)."""
    return (DEEP_PAGING_LIMIT - 1) // size


def events_page(query: EventQuery, page: int = FIRST_PAGE, *, size: int = PAGE_SIZE) -> ProviderPage:
    """One page of music events matching `query`. Raises RateLimited / ServiceUnavailable (defer on them)."""
    if page > last_page(size):
        return ProviderPage(events=[], page=page, next_page=None)
    params = {"size": size, "page": page, "sort": "date,asc", "classificationName": query.genre or "music"}
    if query.keyword:
        params["keyword"] = query.keyword
    if query.country:
        params["countryCode"] = query.country
    if query.city:
        params["city"] = query.city
    if query.starts_from:
        params["startDateTime"] = f"{query.starts_from:%Y-%m-%d}T00:00:00Z"
    if query.starts_until:
        params["endDateTime"] = f"{query.starts_until:%Y-%m-%d}T23:59:59Z"
    response = _get(EVENT_SEARCH, params)
    if response.status_code != 200:
        return ProviderPage(events=[], page=page, next_page=None, errors=error_messages(json_body(response)))
    return parse_page(response.json(), size=size)


def event_lookup(external_id: str) -> Lookup:
    """One event by its Ticketmaster id; not listed when Ticketmaster answers its 404 "resource not found"."""
    response = _get(EVENT_DETAIL.format(id=quote(external_id, safe="")), {})
    body = json_body(response)
    return lookup_answer(
        response, not_found=NOT_FOUND in {error.get("code") for error in body.get("errors") or []},
        errors=error_messages(body), event=parsed_one(parse_event, body),
    )


# --- parsing -----------------------------------------------------------------------------------------------
def parse_page(body: dict, *, size: int = PAGE_SIZE) -> ProviderPage:
    # An empty result has no `_embedded` at all.
    raw = (body.get("_embedded") or {}).get("events") or []
    events = parsed(parse_event, raw)
    page_info = body.get("page") or {}
    number = int(page_info.get("number") or 0)
    total_pages = int(page_info.get("totalPages") or 0)
    size = int(page_info.get("size") or size)
    following = number + 1
    has_next = following < total_pages and following <= last_page(size)
    return ProviderPage(
        events=events, page=number, next_page=following if has_next else None,
        total=int(page_info.get("totalElements") or 0), skipped=len(raw) - len(events),
    )


def parse_event(raw: dict) -> ProviderEvent | None:
    """A Discovery event as a ProviderEvent; None when it has no venue with a country or no start date."""
    embedded = raw.get("_embedded") or {}
    venue = (embedded.get("venues") or [None])[0]
    dates = raw.get("dates") or {}
    start = dates.get("start") or {}
    if not venue or not (venue.get("country") or {}).get("countryCode") or not start.get("localDate"):
        return None
    country = venue["country"]["countryCode"].upper()[:2]
    named_zone = dates.get("timezone") or venue.get("timezone")
    time_zone = venue_zone(named_zone, country)
    announced = not (start.get("timeTBA") or start.get("noSpecificTime") or start.get("dateTBA")
                     or start.get("dateTBD")) and bool(start.get("localTime") or start.get("dateTime"))
    if announced and start.get("localTime") and time_zone == named_zone:
        # The venue's clock, as the ticket prints it: recorded answers carry a dateTime that is that same
        # clock read as UTC ("01:00:00" in Chicago as "01:00:00Z"), never the other way round.
        starts_at = local_to_utc(start["localDate"], start["localTime"], time_zone)
    elif announced and start.get("dateTime"):
        starts_at = datetime.fromisoformat(start["dateTime"]).astimezone(UTC)
    else:  # time to be announced: the local day is known
        starts_at = local_to_utc(start["localDate"], None, time_zone)
    ranges = raw.get("priceRanges") or []
    price_min, price_max = price_range([r.get("min") for r in ranges], [r.get("max") for r in ranges])
    location = venue.get("location") or {}
    return ProviderEvent(
        source=SOURCE,
        external_id=clip(raw["id"], 100),
        title=clip(raw.get("name"), 300),
        url=clip(raw.get("url"), 1000),
        starts_at=starts_at,
        venue_time_zone=time_zone,
        venue=clip(venue.get("name"), 300),
        city=clip((venue.get("city") or {}).get("name"), 120),
        country=country,
        address=clip((venue.get("address") or {}).get("line1"), 300),
        latitude=number(location.get("latitude")),
        longitude=number(location.get("longitude")),
        performers=tuple(_performer(attraction) for attraction in embedded.get("attractions") or []
                         if attraction.get("name")),
        genres=_genres(raw.get("classifications") or []),
        status=STATUSES.get(((dates.get("status") or {}).get("code") or "").lower(), "scheduled"),
        price_min_cents=price_min,
        price_max_cents=price_max,
        currency=clip(ranges[0].get("currency"), 3).upper() if ranges else "",
        image_url=_best_image(raw.get("images") or []),
        ticket_url=clip(raw.get("url"), 1000),
        time_announced=announced,
    )


def error_messages(body: dict) -> list[str]:
    """Ticketmaster's error bodies as readable lines: the Discovery API's {"errors": [{"code", "detail"}]} and
    the gateway's {"fault": {"faultstring"}} (a wrong key, say)."""
    lines = [f"{error.get('code', '')}: {error.get('detail', '')}" for error in body.get("errors") or []]
    if fault := (body.get("fault") or {}).get("faultstring"):
        lines.append(fault)
    return lines


def _performer(attraction: dict) -> Performer:
    links = (attraction.get("externalLinks") or {}).get("spotify") or []
    spotify_id = next((found for link in links if (found := spotify_artist_id(link.get("url") or ""))), None)
    return Performer(name=clip(attraction["name"], 300), spotify_id=spotify_id)


def _genres(classifications: list[dict]) -> tuple[str, ...]:
    return genre_names((classification.get(level) or {}).get("name")
                       for classification in classifications for level in ("genre", "subGenre"))


def _best_image(images: list[dict]) -> str:
    # The widest 16:9 picture, preferring the event's own over Ticketmaster's category fallback.
    if not images:
        return ""
    best = max(images, key=lambda image: (not image.get("fallback"), image.get("ratio") == "16_9",
                                          int(image.get("width") or 0)))
    url = best.get("url") or ""
    # Many listings still name their picture over http; the same host serves it over https, which is the only
    # way a page served over https may show it.
    if url.startswith("http://s1.ticketm.net/"):
        url = "https://" + url.removeprefix("http://")
    return clip(url, 1000)
