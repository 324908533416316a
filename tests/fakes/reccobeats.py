"""A fake ReccoBeats on 127.0.0.1: `GET /v1/audio-features?ids=…` (Spotify ids, at most 40) in ReccoBeats'
JSON shape, songs it does not know left out, with faults to inject. Tests point AUDIO_FEATURES_API_BASE at
`fake.url`."""

from __future__ import annotations

import uuid

from tests.fakes.server import FakeServer, JsonHandler

MAX_IDS = 40


class FakeReccoBeats(FakeServer):
    def __init__(self):
        super().__init__(_handler_for(self))
        self.features: dict[str, dict] = {}  # Spotify id -> the audio-features object ReccoBeats gives
        self.requests: list[tuple[str, dict]] = []  # (path, query)

    def reset(self) -> None:
        with self._lock:
            self.features.clear()
            self.requests.clear()
            self.faults.clear()

    # --- test controls -----------------------------------------------------------------
    def add_song(self, spotify_id: str, *, valence: float, energy: float) -> dict:
        """A song ReccoBeats knows, with Spotify's valence and energy (0 … 1) and plausible other features."""
        features = {
            "id": str(uuid.uuid4()), "href": f"https://open.spotify.com/track/{spotify_id}",
            "acousticness": round(1 - energy, 3), "danceability": 0.55, "energy": energy, "instrumentalness": 0.01,
            "key": 5, "liveness": 0.11, "loudness": round(-18 + 14 * energy, 2), "mode": 1, "speechiness": 0.04,
            "tempo": round(70 + 80 * energy, 3), "valence": valence,
        }
        with self._lock:
            self.features[spotify_id] = features
        return features

    def fail(self, status: int, *, retry_after: int | None = None, times: int = 1) -> None:
        """The next `times` requests get `status` (a 429 carries Retry-After)."""
        self.fault_add("/v1/", status, retry_after=retry_after, times=times)

    def asked(self) -> list[list[str]]:
        """The ids each audio-features request asked for, in order."""
        return [query.get("ids", "").split(",") for path, query in self.requests if path == "/v1/audio-features"]


def _handler_for(fake: FakeReccoBeats):
    class Handler(JsonHandler):
        def do_GET(self):
            path, query = self._path_and_query()
            fake.requests.append((path, query))
            if path != "/v1/audio-features":
                return self._send(404, {"error": "Not Found", "status": 404, "path": path})
            fault = fake.take_fault(path)
            if fault:
                headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else {}
                return self._send(fault.status, {"error": "Too Many Requests" if fault.status == 429 else "Error",
                                                 "status": fault.status}, headers)
            ids = [spotify_id for spotify_id in query.get("ids", "").split(",") if spotify_id]
            if not ids or len(ids) > MAX_IDS:
                return self._send(400, {"error": "Bad Request", "status": 400,
                                        "message": f"ids must name 1 to {MAX_IDS} tracks"})
            self._send(200, {"content": [fake.features[i] for i in ids if i in fake.features]})

    return Handler
