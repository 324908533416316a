"""A fake MusicBrainz web service on 127.0.0.1: artist search (`/ws/2/artist/?query=artist:"NAME"&fmt=json`)
in MusicBrainz's JSON shape, with faults to inject. Tests point MUSICBRAINZ_API_BASE at `fake.url`."""

from __future__ import annotations

import json
import re
import threading
import uuid
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

_PHRASE = re.compile(r'^artist:"((?:[^"\\]|\\.)*)"$')


@dataclass
class Fault:
    status: int
    retry_after: int | None
    times: int


class FakeMusicBrainz:
    def __init__(self):
        self.artists: dict[str, dict] = {}  # casefolded query name -> the best hit MusicBrainz gives for it
        self.requests: list[tuple[str, dict, str]] = []  # (path, query, User-Agent)
        self.faults: list[Fault] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> FakeMusicBrainz:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

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
        with self._lock:
            self.faults.append(Fault(status, retry_after, times))

    def searched(self) -> list[str]:
        """The artist names searched for, in order."""
        return [_phrase(query.get("query", "")) for path, query, _ in self.requests if path == "/ws/2/artist/"]

    def _take_fault(self) -> Fault | None:
        with self._lock:
            if not self.faults:
                return None
            fault = self.faults[0]
            fault.times -= 1
            if fault.times <= 0:
                self.faults.pop(0)
            return fault


def _phrase(query: str) -> str | None:
    match = _PHRASE.match(query)
    return re.sub(r"\\(.)", r"\1", match.group(1)) if match else None


def _handler_for(fake: FakeMusicBrainz):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format, *args):  # keep test output quiet
            pass

        def _send(self, status: int, body: dict, headers: dict | None = None) -> None:
            payload = json.dumps(body).encode()
            self.send_response(status)
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def do_GET(self):
            parts = urlsplit(self.path)
            query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
            agent = self.headers.get("User-Agent", "")
            fake.requests.append((parts.path, query, agent))
            if parts.path != "/ws/2/artist/":
                return self._send(404, {"error": "Not Found"})
            # MusicBrainz turns away clients that do not say who they are (and python-requests' default).
            if not agent or agent.startswith("python-requests"):
                return self._send(403, {"error": "Your requests are being blocked: set a meaningful User-Agent"})
            fault = fake._take_fault()
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
