"""A fake Ticketmaster Discovery API v2 on 127.0.0.1: event search (`/discovery/v2/events.json`) with its
filters and page/size paging (size × page < 1000, as Ticketmaster enforces), event lookup with the real 404
error body, an apikey check, and faults to inject. Tests point TICKETMASTER_API_BASE at `fake.url`."""

from __future__ import annotations

import copy
import re
import zoneinfo
from datetime import UTC, datetime

from tests.fakes import fixture_json
from tests.fakes.server import FakeEventProvider, JsonHandler

SEARCH = "/discovery/v2/events.json"
DETAIL = re.compile(r"^/discovery/v2/events/([^/]+?)(?:\.json)?$")
LIST_FIXTURE = "events_api/tm_sdkjs__discovery_v2_event_all-200.body.json"
NOT_FOUND_FIXTURE = "events_api/tm_sdkjs__discovery_v2_event_find-404.body.json"
TEMPLATE_FIXTURE = "events_api/tm_ticketchamp__discovery_v2_events_ladygaga_2017.json"


def recorded_events() -> list[dict]:
    """The twenty events of the recorded search answer."""
    return fixture_json(LIST_FIXTURE)["_embedded"]["events"]


def tm_event(
    *, id: str, name: str, performers: list[str], local: str, time_zone: str = "Europe/Amsterdam",
    venue: str = "Ziggo Dome", city: str = "Amsterdam", country: str = "NL", status: str = "onsale",
    price: tuple[float, float] | None = (45.0, 89.5), currency: str = "EUR", genre: str = "Rock",
    spotify_ids: dict[str, str] | None = None,
) -> dict:
    """A Discovery event in the recorded shape (the Lady Gaga answer), at `local` wall-clock time."""
    event = copy.deepcopy(fixture_json(TEMPLATE_FIXTURE)["_embedded"]["events"][0])
    starts = datetime.fromisoformat(local).replace(tzinfo=zoneinfo.ZoneInfo(time_zone))
    event.update(id=id, name=name, url=f"https://www.ticketmaster.example/event/{id}")
    event["dates"]["start"].update(
        localDate=f"{starts:%Y-%m-%d}", localTime=f"{starts:%H:%M:%S}",
        dateTime=starts.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    )
    event["dates"]["timezone"] = time_zone
    event["dates"]["status"] = {"code": status}
    event["classifications"][0]["genre"]["name"] = genre
    event["classifications"][0]["subGenre"]["name"] = genre
    if price:
        event["priceRanges"] = [{"type": "standard", "currency": currency, "min": price[0], "max": price[1]}]
    else:
        event.pop("priceRanges", None)
    place = event["_embedded"]["venues"][0]
    place.update(name=venue, city={"name": city}, timezone=time_zone,
                 country={"name": country, "countryCode": country})
    template = event["_embedded"]["attractions"][0]
    attractions = []
    for index, performer in enumerate(performers):
        attraction = copy.deepcopy(template)
        attraction.update(name=performer, id=f"{id}-a{index}")
        attraction.pop("externalLinks", None)
        if spotify_ids and performer in spotify_ids:
            attraction["externalLinks"] = {"spotify": [{"url": f"https://open.spotify.com/artist/{spotify_ids[performer]}"}]}
        attractions.append(attraction)
    event["_embedded"]["attractions"] = attractions
    return event


class FakeTicketmaster(FakeEventProvider):
    api_key = "fake-ticketmaster-key"

    def __init__(self):
        super().__init__(_handler_for(self))

    def listing_id(self, event: dict) -> str:
        return event["id"]

    # --- test controls -----------------------------------------------------------------
    def change(self, event_id: str, **changes) -> dict:
        """Edit a listed event in place: status="cancelled", or local="2026-07-02T21:00" for a new date."""
        with self._events_lock:
            event = next(event for event in self.events if event["id"] == event_id)
            if "status" in changes:
                event["dates"]["status"] = {"code": changes["status"]}
            if "local" in changes:
                zone = zoneinfo.ZoneInfo(event["dates"]["timezone"])
                starts = datetime.fromisoformat(changes["local"]).replace(tzinfo=zone)
                event["dates"]["start"].update(
                    localDate=f"{starts:%Y-%m-%d}", localTime=f"{starts:%H:%M:%S}",
                    dateTime=starts.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                )
            return event

    def fail(self, status: int, *, retry_after: int | None = None, times: int = 1, after: int = 0) -> None:
        """The next `times` calls (after `after` good ones) get `status` (a 429 carries Retry-After)."""
        self.fault_add("/discovery/", status, retry_after=retry_after, times=times, after=after)

    def searches(self) -> list[dict]:
        return [query for path, query in self.requests if path == SEARCH]

    def lookups(self) -> list[str]:
        return [match.group(1) for path, _ in self.requests if (match := DETAIL.match(path))]

    # --- what the server answers -------------------------------------------------------
    def search(self, query: dict) -> tuple[int, dict]:
        size, page = int(query.get("size", 20)), int(query.get("page", 0))
        if size * page >= 1000:
            return 400, {"errors": [{
                "code": "DIS1035", "status": "400",
                "detail": "API Limits Exceeded: Max paging depth exceeded. (page * size) must be less than 1,000",
                "_links": {"about": {"href": "/discovery/v2/errors.html#DIS1035"}},
            }]}
        with self._events_lock:
            matching = [event for event in self.events if _matches(event, query)]
        matching.sort(key=lambda event: event["dates"]["start"].get("dateTime") or "")
        chunk = matching[page * size:(page + 1) * size]
        total_pages = -(-len(matching) // size) if size else 0
        body = {
            "_links": {"self": {"href": f"{SEARCH}?page={page}&size={size}"}},
            "page": {"size": size, "totalElements": len(matching), "totalPages": total_pages, "number": page},
        }
        if page + 1 < total_pages:
            body["_links"]["next"] = {"href": f"{SEARCH}?page={page + 1}&size={size}"}
        if chunk:  # Ticketmaster leaves `_embedded` out of an empty answer
            body["_embedded"] = {"events": copy.deepcopy(chunk)}
        return 200, body

    def find(self, event_id: str) -> tuple[int, dict]:
        with self._events_lock:
            found = next((event for event in self.events if event["id"] == event_id), None)
        if found:
            return 200, copy.deepcopy(found)
        body = fixture_json(NOT_FOUND_FIXTURE)
        body["errors"][0]["detail"] = f"Resource not found with provided criteria (locale=en-us, id={event_id})"
        return 404, body


def _matches(event: dict, query: dict) -> bool:
    embedded = event.get("_embedded") or {}
    venue = (embedded.get("venues") or [{}])[0]
    if keyword := query.get("keyword", "").casefold():
        names = [event.get("name", ""), *(a.get("name", "") for a in embedded.get("attractions") or [])]
        if not any(keyword in name.casefold() for name in names):
            return False
    if (code := query.get("countryCode")) and (venue.get("country") or {}).get("countryCode") != code:
        return False
    if (city := query.get("city")) and ((venue.get("city") or {}).get("name") or "").casefold() != city.casefold():
        return False
    if classification := query.get("classificationName", "").casefold():
        names = {
            (c.get(level) or {}).get("name", "").casefold()
            for c in event.get("classifications") or [] for level in ("segment", "genre", "subGenre")
        }
        if classification not in names:
            return False
    starts = (event.get("dates") or {}).get("start", {}).get("dateTime") or ""
    if (since := query.get("startDateTime")) and starts < since:
        return False
    if (until := query.get("endDateTime")) and starts > until:
        return False
    return True


def _handler_for(fake: FakeTicketmaster):
    class Handler(JsonHandler):
        def do_GET(self):
            path, query = self._path_and_query()
            fake.requests.append((path, query))
            if query.get("apikey") != fake.api_key:
                return self._send(401, {"fault": {"faultstring": "Invalid ApiKey",
                                                  "detail": {"errorcode": "oauth.v2.InvalidApiKey"}}})
            fault = fake.take_fault(path)
            if fault:
                headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else {}
                return self._send(fault.status, {"fault": {"faultstring": "Rate limit quota violation"
                                                           if fault.status == 429 else "Service unavailable"}},
                                  headers)
            if path == SEARCH:
                return self._send(*fake.search(query))
            if match := DETAIL.match(path):
                return self._send(*fake.find(match.group(1)))
            # What the API gateway answers for a path no API serves.
            return self._send(404, {"fault": {
                "faultstring": f"Unable to identify proxy for host: default and url: {path}",
                "detail": {"errorcode": "messaging.adaptors.http.flow.ApplicationNotFound"},
            }})

    return Handler
