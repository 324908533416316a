"""What every fake outside service shares: a threaded HTTP server on 127.0.0.1 answering JSON, and the
faults a test injects (a status, with Retry-After for 429s, for the next few requests under a path)."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


@dataclass
class Fault:
    path_prefix: str
    status: int
    retry_after: int | None
    times: int
    after: int = 0  # matching requests answered normally before the fault starts


class FakeServer:
    """Serves `handler_class` (a JsonHandler whose `fake` is this object) once started."""

    def __init__(self, handler_class: type[JsonHandler]):
        self.faults: list[Fault] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler_class)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self):
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def fault_add(self, path_prefix: str, status: int, *, retry_after: int | None, times: int, after: int = 0) -> None:
        with self._lock:
            self.faults.append(Fault(path_prefix, status, retry_after, times, after))

    def take_fault(self, path: str) -> Fault | None:
        """The fault this request meets, if any, counted as used."""
        with self._lock:
            for fault in self.faults:
                if path.startswith(fault.path_prefix) and fault.after > 0:
                    fault.after -= 1
                    return None
                if path.startswith(fault.path_prefix) and fault.times > 0:
                    fault.times -= 1
                    if fault.times == 0:
                        self.faults.remove(fault)
                    return fault
        return None


class FakeEventProvider(FakeServer):
    """A fake concert provider: serves the events a test adds (and changes), and keeps the requests it got."""

    def __init__(self, handler_class: type[JsonHandler]):
        super().__init__(handler_class)
        self.events: list[dict] = []
        self.requests: list[tuple[str, dict]] = []  # (path, query)
        self._events_lock = threading.Lock()

    def reset(self) -> None:
        with self._lock:
            self.events.clear()
            self.requests.clear()
            self.faults.clear()

    def add(self, *events: dict) -> None:
        with self._events_lock:
            self.events.extend(events)

    def remove(self, event_id: str) -> None:
        """The provider stops listing the event: gone from searches, and 404 when asked for by id."""
        with self._events_lock:
            self.events[:] = [event for event in self.events if self.listing_id(event) != event_id]

    def listing_id(self, event: dict) -> str:
        raise NotImplementedError


class JsonHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):  # keep test output quiet
        pass

    def _path_and_query(self) -> tuple[str, dict[str, str]]:
        """The request's path, and its query with the last value of each name."""
        parts = urlsplit(self.path)
        return parts.path, {key: values[-1] for key, values in parse_qs(parts.query).items()}

    def _send(self, status: int, body: dict | None = None, headers: dict | None = None) -> None:
        payload = b"" if body is None else json.dumps(body).encode()
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        if body is not None:
            self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)
