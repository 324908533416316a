"""A fake JamBase Data API v3 on 127.0.0.1: event search (`/v3/events`) with artistName, geoCountryIso2,
geoCityName, genreSlug and eventDateFrom/To filters, page/perPage paging (perPage ≤ 100) in JamBase's
`pagination` object, event lookup (`/v3/events/id/jambase:{id}`), its error envelope, a bearer-key check, and
faults to inject. Tests point JAMBASE_API_BASE at `fake.url`."""

from __future__ import annotations

import copy
import re
from urllib.parse import unquote, urlencode

from tests.fakes import fixture_json
from tests.fakes.server import FakeEventProvider, JsonHandler

SEARCH = "/v3/events"
DETAIL = re.compile(r"^/v3/events/id/([^/:]+):([^/]+)$")
PAGE_FIXTURE = "events_api/jambase_concert-react__events_geoStateIso_US-MA_page1.json"


def recorded_events() -> list[dict]:
    """The forty Massachusetts concerts of the recorded page."""
    return fixture_json(PAGE_FIXTURE)["events"]


def jb_event(
    *, id: str, name: str, performers: list[str], local: str, time_zone: str = "Europe/Amsterdam",
    venue: str = "Ziggo Dome", city: str = "Amsterdam", country: str = "NL", status: str = "scheduled",
    price: tuple[str, str] | None = ("45.00", "89.50"), currency: str = "EUR", genres: tuple[str, ...] = ("rock",),
) -> dict:
    """A JamBase concert in the recorded shape, at `local` wall-clock time (date only when no 'T')."""
    event = copy.deepcopy(recorded_events()[0])
    event.update(name=name, identifier=f"jambase:{id}", url=f"https://www.jambase.example/show/{id}",
                 eventStatus=status, startDate=local, endDate=local[:10])
    event["location"].update(name=venue)
    address = event["location"]["address"]
    address.update(addressLocality=city, **{"x-timezone": time_zone})
    address["addressCountry"] = {"@type": "Country", "identifier": country, "name": country}
    offer = event["offers"][0]
    offer["priceSpecification"] = (
        {"@type": "PriceSpecification", "minPrice": price[0], "maxPrice": price[1], "price": price[0],
         "priceCurrency": currency} if price else {}
    )
    event["offers"] = [offer]
    template = event["performer"][0]
    event["performer"] = [
        {**copy.deepcopy(template), "name": performer, "identifier": f"jambase:{id}-p{rank}", "genre": list(genres),
         "x-performanceRank": rank + 1, "x-isHeadliner": rank == 0, "x-performanceDate": local[:10]}
        for rank, performer in enumerate(performers)
    ]
    return event


class FakeJamBase(FakeEventProvider):
    api_key = "fake-jambase-key"

    def __init__(self):
        super().__init__(_handler_for(self))
        self.refused: set[str] = set()

    def reset(self) -> None:
        super().reset()
        self.refused.clear()

    def listing_id(self, event: dict) -> str:
        return event["identifier"].removeprefix("jambase:")

    def change(self, event_id: str, **changes) -> dict:
        """Edit a listed event in place: status="cancelled", or local="2026-07-02T21:00" for a new date."""
        with self._events_lock:
            event = next(event for event in self.events if event["identifier"] == f"jambase:{event_id}")
            if "status" in changes:
                event["eventStatus"] = changes["status"]
            if "local" in changes:
                event["previousStartDate"], event["startDate"] = event["startDate"], changes["local"]
            return event

    def fail(self, status: int, *, retry_after: int | None = None, times: int = 1, after: int = 0) -> None:
        self.fault_add("/v3/events", status, retry_after=retry_after, times=times, after=after)

    def searches(self) -> list[dict]:
        return [query for path, query in self.requests if path == SEARCH]

    def lookups(self) -> list[str]:
        return [unquote(match.group(2)) for path, _ in self.requests if (match := DETAIL.match(path))]

    def search(self, query: dict) -> tuple[int, dict]:
        page, per_page = int(query.get("page", 1)), int(query.get("perPage", 40))
        if per_page > 100 or per_page < 1 or page < 1:
            return 400, _errors("parameter_out_of_range", "perPage must be between 1 and 100")
        with self._events_lock:
            matching = [event for event in self.events if _matches(event, query)]
        matching.sort(key=lambda event: event["startDate"])
        total_pages = -(-len(matching) // per_page)

        def page_url(number: int) -> str:
            return f"https://www.jambase.com/jb-api/v3/events?{urlencode({**query, 'page': number})}"

        return 200, {
            "success": True,
            "pagination": {
                "page": page, "perPage": per_page, "totalItems": len(matching), "totalPages": total_pages,
                "nextPage": page_url(page + 1) if page < total_pages else None,
                "previousPage": page_url(page - 1) if page > 1 else None,
            },
            "events": copy.deepcopy(matching[(page - 1) * per_page:page * per_page]),
            "request": {"endpoint": SEARCH, "method": "GET", "params": query},
        }

    def refuse(self, event_id: str) -> None:
        """Answer 400 (identifier_invalid) when this id is looked up."""
        self.refused.add(event_id)

    def find(self, source: str, event_id: str) -> tuple[int, dict]:
        if source != "jambase" or event_id in self.refused:
            return 400, _errors("identifier_invalid", f"Invalid identifier: {source}:{event_id}")
        with self._events_lock:
            found = next((event for event in self.events if self.listing_id(event) == event_id), None)
        if found is None:
            return 404, _errors("no_lookup_results", f"No event found for jambase:{event_id}")
        return 200, {"success": True, "event": copy.deepcopy(found),
                     "request": {"endpoint": f"/v3/events/id/jambase:{event_id}", "method": "GET", "params": {}}}


def _errors(code: str, message: str) -> dict:
    return {"success": False, "errors": [{"errorCode": code, "errorMessage": message}]}


def _matches(event: dict, query: dict) -> bool:
    if name := query.get("artistName", "").casefold():
        if not any(name in performer.get("name", "").casefold() for performer in event.get("performer") or []):
            return False
    address = (event.get("location") or {}).get("address") or {}
    if (code := query.get("geoCountryIso2")) and (address.get("addressCountry") or {}).get("identifier") != code:
        return False
    if (city := query.get("geoCityName", "").casefold()) and city not in address.get("addressLocality", "").casefold():
        return False
    if slugs := set(filter(None, query.get("genreSlug", "").split("|"))):
        if not slugs & {genre for performer in event.get("performer") or [] for genre in performer.get("genre") or []}:
            return False
    day = event.get("startDate", "")[:10]
    if (since := query.get("eventDateFrom")) and day < since:
        return False
    if (until := query.get("eventDateTo")) and day > until:
        return False
    return True


def _handler_for(fake: FakeJamBase):
    class Handler(JsonHandler):
        def do_GET(self):
            path, query = self._path_and_query()
            fake.requests.append((path, query))
            if self.headers.get("Authorization") != f"Bearer {fake.api_key}":
                return self._send(401, _errors("unauthorized", "Invalid API key"))
            fault = fake.take_fault(path)
            if fault:
                headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else {}
                return self._send(fault.status, _errors("general_error", "Try again later"), headers)
            if path == SEARCH:
                return self._send(*fake.search(query))
            if match := DETAIL.match(path):
                return self._send(*fake.find(match.group(1), unquote(match.group(2))))
            return self._send(404, _errors("general_error", f"No route for {path}"))

    return Handler
