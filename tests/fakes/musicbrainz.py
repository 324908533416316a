"""A fake MusicBrainz web service on 127.0.0.1: artist search (`/ws/2/artist/?query=artist:"NAME"&fmt=json`)
in MusicBrainz's JSON shape, with faults to inject. Tests point MUSICBRAINZ_API_BASE at `fake.url`."""

from __future__ import annotations

import re
import uuid

from tests.fakes.server import FakeServer, JsonHandler

_PHRASE = re.compile(r'^artist:"((?:[^"\\]|\\.)*)"$')


class FakeMusicBrainz(FakeServer):
    def __init__(self):
        super().__init__(_handler_for(self))
        self.artists: dict[str, dict] = {}  # casefolded query name -> the best hit MusicBrainz gives for it
        self.requests: list[tuple[str, dict, str]] = []  # (path, query, User-Agent)

    def reset(self) -> None:
        with self._lock:
            self.artists.clear()
            self.requests.clear()
            self.faults.clear()

    # --- test controls -----------------------------------------------------------------
    def add_artist(self, name: str, tags: dict[str, int], *, score: int = 100, found_by: str | None = None) -> dict:
        """An artist with these tags (name -> vote count), the best hit (with `score`) for a search for
        `found_by` (its own name unless given: a search can land on another artist)."""
        artist = {
            "id": str(uuid.uuid4()), "type": "Group", "score": score, "name": name, "sort-name": name,
            "tags": [{"count": count, "name": tag} for tag, count in tags.items()],
        }
        with self._lock:
            self.artists[(found_by or name).casefold()] = artist
        return artist

    def fail(self, status: int, *, retry_after: int | None = None, times: int = 1) -> None:
        """The next `times` searches get `status` (a 429 carries Retry-After)."""
        self.fault_add("/", status, retry_after=retry_after, times=times)

    def searched(self) -> list[str]:
        """The artist names searched for, in order."""
        return [_phrase(query.get("query", "")) for path, query, _ in self.requests if path == "/ws/2/artist/"]


def _phrase(query: str) -> str | None:
    match = _PHRASE.match(query)
    return re.sub(r"\\(.)", r"\1", match.group(1)) if match else None


def _handler_for(fake: FakeMusicBrainz):
    class Handler(JsonHandler):
        def do_GET(self):
            path, query = self._path_and_query()
            agent = self.headers.get("User-Agent", "")
            fake.requests.append((path, query, agent))
            if path != "/ws/2/artist/":
                return self._send(404, {"error": "Not Found"})
            # MusicBrainz turns away clients that do not say who they are (and python-requests' default).
            if not agent or agent.startswith("python-requests"):
                return self._send(403, {"error": "Your requests are being blocked: set a meaningful User-Agent"})
            fault = fake.take_fault(path)
            if fault:
                headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else {}
                return self._send(fault.status, {"error": "Your requests are exceeding the allowable rate limit."
                                                 if fault.status in (429, 503) else "Error"}, headers)
            if query.get("fmt") != "json":
                return self._send(400, {"error": "this fake speaks only fmt=json"})
            name = _phrase(query.get("query", ""))
            if name is None:
                return self._send(400, {"error": "query must be artist:\"NAME\""})
            hit = fake.artists.get(name.casefold())
            artists = [hit] if hit and int(query.get("limit", 25)) >= 1 else []
            self._send(200, {"created": "2026-01-01T00:00:00.000Z", "count": len(artists), "offset": 0,
                             "artists": artists})

    return Handler
