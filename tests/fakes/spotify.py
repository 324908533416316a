"""A fake Spotify (Accounts service + Web API) on 127.0.0.1, speaking Spotify's wire format.

Shapes come from the recorded responses in ../shared/fixtures/spotify_api/. Tests point
SPOTIFY_ACCOUNTS_BASE / SPOTIFY_API_BASE at `fake.url`; allauth, requests and spotipy run unchanged.
"""

from __future__ import annotations

import base64
import copy
import json
import random
import secrets
import string
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qs, urlencode, urlsplit

from tests.fakes import fixture_json
from tests.fakes.server import FakeServer, JsonHandler

ACCESS_TOKEN_SECONDS = 3600


@dataclass
class SpotifyUser:
    profile: dict
    played: list[dict] = field(default_factory=list)  # recently-played items, newest first
    playlists: dict[str, dict] = field(default_factory=dict)


@dataclass
class Grant:
    user_id: str | None  # None for client-credentials tokens
    expires_at: float
    scope: str = ""
    uses_left: int | None = None  # Web API calls this token still answers before it expires


class FakeSpotify(FakeServer):
    def __init__(self, *, client_id: str = "fake-client-id", client_secret: str = "fake-client-secret"):
        super().__init__(_handler_for(self))
        self.client_id, self.client_secret = client_id, client_secret
        self.users: dict[str, SpotifyUser] = {}
        self.catalog: dict[str, dict] = {}  # songs Spotify knows besides the recorded and played ones, by id
        self.access_tokens: dict[str, Grant] = {}
        self.refresh_tokens: dict[str, tuple[str, str]] = {}  # refresh token -> (user id, scope)
        self.codes: dict[str, tuple[str, str, str]] = {}  # code -> (user id, redirect_uri, scope)
        self.requests: list[tuple[str, str, dict]] = []  # (method, path, form or query)
        self.signed_in_user: str | None = None
        self.deny_consent = False
        self.rotate_refresh_tokens = False
    # --- lifecycle ---------------------------------------------------------------------
    def reset(self) -> None:
        with self._lock:
            self.users.clear()
            self.catalog.clear()
            self.access_tokens.clear()
            self.refresh_tokens.clear()
            self.codes.clear()
            self.requests.clear()
            self.faults.clear()
            self.signed_in_user = None
            self.deny_consent = False
            self.rotate_refresh_tokens = False

    # --- test controls -----------------------------------------------------------------
    def add_user(self, profile: dict | None = None, *, played: list[dict] | None = None) -> SpotifyUser:
        profile = profile or fixture_json("spotify_api/swajava__GetCurrentUsersProfileRequest.json")
        if played is None:
            played = recorded_plays()
        user = SpotifyUser(profile=copy.deepcopy(profile), played=sorted(played, key=_played_ms, reverse=True))
        with self._lock:
            self.users[profile["id"]] = user
        return user

    def add_tracks(self, tracks: list[dict]) -> None:
        """Songs GET /v1/tracks (and their artists, GET /v1/artists) answers for, as an export may name them."""
        with self._lock:
            self.catalog.update({track["id"]: track for track in tracks})

    def sign_in_as(self, user_id: str) -> None:
        """Who is 'logged in to spotify.com' when the browser reaches /authorize."""
        self.signed_in_user = user_id

    def issue_tokens(self, user_id: str, *, expires_in: int = ACCESS_TOKEN_SECONDS, scope: str = "") -> tuple[str, str]:
        """Tokens as if the user had just authorized us: (access token, refresh token)."""
        access, refresh = secrets.token_urlsafe(24), secrets.token_urlsafe(32)
        with self._lock:
            self.access_tokens[access] = Grant(user_id, time.time() + expires_in, scope)
            self.refresh_tokens[refresh] = (user_id, scope)
        return access, refresh

    def expire(self, access_token: str, *, after_requests: int = 0) -> None:
        """The token dies now, or after answering `after_requests` more Web API calls (a token can die
        before its stated expiry, e.g. when the user signs out everywhere)."""
        grant = self.access_tokens[access_token]
        if after_requests:
            grant.uses_left = after_requests
        else:
            grant.expires_at = 0

    def revoke(self, refresh_token: str) -> None:
        self.refresh_tokens.pop(refresh_token, None)

    def fail(self, path_prefix: str, status: int, *, retry_after: int | None = None, times: int = 1,
             after: int = 0) -> None:
        """The next `times` requests under `path_prefix` get `status` (429 carries Retry-After), once
        `after` of them have been answered normally."""
        self.fault_add(path_prefix, status, retry_after=retry_after, times=times, after=after)

    def count(self, method: str, path: str, **form) -> int:
        return sum(
            1
            for m, p, data in self.requests
            if m == method and p == path and all(data.get(k) == v for k, v in form.items())
        )

    # --- internals used by the handler -------------------------------------------------
    def grant_for(self, token: str) -> Grant | None:
        return self.access_tokens.get(token)

    def new_access_token(self, user_id: str | None, scope: str = "") -> str:
        token = secrets.token_urlsafe(24)
        self.access_tokens[token] = Grant(user_id, time.time() + ACCESS_TOKEN_SECONDS, scope)
        return token


def recorded_plays() -> list[dict]:
    """Recently-played items from both recorded responses (22 plays, 2017 and 2023)."""
    items = []
    for name in ("zmb3__player_recently_played.json", "swajava__GetCurrentUsersRecentlyPlayedTracksRequest.json"):
        items += fixture_json(f"spotify_api/{name}")["items"]
    return items


def recorded_tracks() -> list[dict]:
    """The distinct songs of the recorded plays."""
    return list({item["track"]["id"]: item["track"] for item in recorded_plays()}.values())


def new_tracks(count: int, *, seed: int = 1) -> list[dict]:
    """`count` songs Spotify would know, each by its own artist: recorded track objects with fresh ids
    and names, for histories larger than the recordings."""
    rng = random.Random(seed)
    shapes = recorded_tracks()
    tracks = []
    for number in range(count):
        track = copy.deepcopy(shapes[number % len(shapes)])
        track_id, artist_id, album_id = (_spotify_id(rng) for _ in range(3))
        artist = {**track["artists"][0], "id": artist_id, "name": f"Band {seed}-{number}",
                  "uri": f"spotify:artist:{artist_id}", "href": f"https://api.spotify.com/v1/artists/{artist_id}"}
        track.update(id=track_id, name=f"Song {seed}-{number}", uri=f"spotify:track:{track_id}", artists=[artist],
                     external_ids={"isrc": f"QZ{seed:03d}{number:07d}"[:12]})
        track["album"] = {**track["album"], "id": album_id, "name": f"Album {seed}-{number}",
                          "uri": f"spotify:album:{album_id}", "artists": [artist]}
        tracks.append(track)
    return tracks


def plays_of(tracks: list[dict], *, count: int, start: datetime, every: timedelta = timedelta(minutes=4)) -> list[dict]:
    """`count` recently-played items cycling through `tracks`, one every `every` from `start`."""
    return [
        {"track": tracks[number % len(tracks)], "context": None,
         "played_at": (start + number * every).isoformat(timespec="milliseconds").replace("+00:00", "Z")}
        for number in range(count)
    ]


def _spotify_id(rng: random.Random) -> str:
    return "".join(rng.choices(string.ascii_letters + string.digits, k=22))


def _played_ms(item: dict) -> int:
    played = datetime.fromisoformat(item["played_at"].replace("Z", "+00:00"))
    return int(played.timestamp() * 1000)


def _handler_for(fake: FakeSpotify):
    class Handler(JsonHandler):
        # --- plumbing ------------------------------------------------------------------
        def _api_error(self, status: int, message: str, headers: dict | None = None) -> None:
            self._send(status, {"error": {"status": status, "message": message}}, headers)

        def _read_body(self) -> bytes:
            return self.rfile.read(int(self.headers.get("Content-Length") or 0))

        def _dispatch(self, method: str) -> None:
            path, query = self._path_and_query()
            body = self._read_body() if method in ("POST", "PUT") else b""
            form = query
            if self.headers.get("Content-Type", "").startswith("application/x-www-form-urlencoded"):
                form = {key: values[-1] for key, values in parse_qs(body.decode()).items()}
            fake.requests.append((method, path, form))

            fault = fake.take_fault(path)
            if fault:
                headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else {}
                messages = {429: "API rate limit exceeded", 500: "Server error", 503: "Service unavailable"}
                return self._api_error(fault.status, messages.get(fault.status, "Error"), headers)

            if path == "/authorize" and method == "GET":
                return self._authorize(query)
            if path == "/api/token" and method == "POST":
                return self._token(form)
            if path.startswith("/v1/"):
                grant = self._bearer()
                if grant is None:
                    return
                json_body = json.loads(body) if body and "json" in self.headers.get("Content-Type", "") else {}
                return self._web_api(method, path, query, json_body, grant)
            self._api_error(404, "Service not found")

        def do_GET(self):
            self._dispatch("GET")

        def do_POST(self):
            self._dispatch("POST")

        def do_PUT(self):
            self._dispatch("PUT")

        # --- Accounts service ----------------------------------------------------------
        def _authorize(self, query: dict) -> None:
            if query.get("client_id") != fake.client_id:
                return self._send(400, {"error": "invalid_client", "error_description": "Invalid client"})
            redirect_uri = query.get("redirect_uri", "")
            if urlsplit(redirect_uri).hostname == "localhost":
                # Spotify refuses `localhost`; loopback literals such as 127.0.0.1 are allowed.
                return self._send(400, {"error": "invalid_request", "error_description": "Insecure redirect URI"})
            if query.get("response_type") != "code":
                return self._send(400, {"error": "unsupported_response_type"})
            state = {"state": query["state"]} if "state" in query else {}
            if fake.deny_consent:
                params = {"error": "access_denied", **state}
            else:
                code = secrets.token_urlsafe(16)
                fake.codes[code] = (fake.signed_in_user, redirect_uri, query.get("scope", ""))
                params = {"code": code, **state}
            self._send(302, None, {"Location": f"{redirect_uri}?{urlencode(params)}"})

        def _client_ok(self, form: dict) -> bool:
            client_id, secret = form.get("client_id"), form.get("client_secret")
            header = self.headers.get("Authorization", "")
            if header.startswith("Basic "):
                client_id, _, secret = base64.b64decode(header[6:]).decode().partition(":")
            return client_id == fake.client_id and secret == fake.client_secret

        def _token(self, form: dict) -> None:
            if not self._client_ok(form):
                return self._send(400, fixture_json("spotify_api/swajava__auth-invalid-client.json"))
            grant_type = form.get("grant_type")
            if grant_type == "authorization_code":
                entry = fake.codes.pop(form.get("code", ""), None)
                if entry is None or entry[1] != form.get("redirect_uri"):
                    return self._send(400, {"error": "invalid_grant", "error_description": "Invalid authorization code"})
                user_id, _, scope = entry
                refresh = secrets.token_urlsafe(32)
                fake.refresh_tokens[refresh] = (user_id, scope)
                return self._send(200, {
                    "access_token": fake.new_access_token(user_id, scope), "token_type": "Bearer",
                    "scope": scope, "expires_in": ACCESS_TOKEN_SECONDS, "refresh_token": refresh,
                })
            if grant_type == "refresh_token":
                entry = fake.refresh_tokens.get(form.get("refresh_token", ""))
                if entry is None:
                    return self._send(400, {"error": "invalid_grant", "error_description": "Invalid refresh token"})
                user_id, scope = entry
                answer = {"access_token": fake.new_access_token(user_id, scope), "token_type": "Bearer",
                          "scope": scope, "expires_in": ACCESS_TOKEN_SECONDS}
                if fake.rotate_refresh_tokens:
                    fake.refresh_tokens.pop(form["refresh_token"])
                    answer["refresh_token"] = secrets.token_urlsafe(32)
                    fake.refresh_tokens[answer["refresh_token"]] = entry
                return self._send(200, answer)
            if grant_type == "client_credentials":
                return self._send(200, {"access_token": fake.new_access_token(None), "token_type": "Bearer",
                                        "expires_in": ACCESS_TOKEN_SECONDS})
            self._send(400, {"error": "unsupported_grant_type", "error_description": f"grant_type: {grant_type}"})

        # --- Web API -------------------------------------------------------------------
        def _bearer(self) -> Grant | None:
            header = self.headers.get("Authorization", "")
            if not header.startswith("Bearer "):
                self._api_error(401, "No token provided")
                return None
            grant = fake.grant_for(header[7:])
            if grant is None:
                self._api_error(401, "Invalid access token")
                return None
            with fake._lock:
                if grant.uses_left is not None:
                    if grant.uses_left <= 0:
                        grant.expires_at = 0
                    grant.uses_left -= 1
            if grant.expires_at < time.time():
                self._api_error(401, "The access token expired")
                return None
            return grant

        def _web_api(self, method: str, path: str, query: dict, body: dict, grant: Grant) -> None:
            segments = path.strip("/").split("/")[1:]  # drop "v1"
            user = fake.users.get(grant.user_id) if grant.user_id else None
            if segments[:1] == ["me"] and user is None:
                return self._api_error(403, "This endpoint needs a user token")
            match (method, segments):
                case ("GET", ["me"]):
                    return self._send(200, user.profile)
                case ("GET", ["me", "player", "recently-played"]):
                    return self._recently_played(user, query)
                case ("GET", ["me", "top", ("artists" | "tracks") as kind]):
                    return self._top(kind, query)
                case ("GET", ["artists", artist_id]):
                    return self._artist(artist_id)
                case ("GET", ["artists"]):
                    ids = [i for i in query.get("ids", "").split(",") if i]
                    if not ids or len(ids) > 50:
                        return self._api_error(400, "invalid ids: between 1 and 50 are allowed")
                    return self._send(200, {"artists": [self._artist_object(i) for i in ids]})
                case ("GET", ["tracks"]):
                    ids = [i for i in query.get("ids", "").split(",") if i]
                    if not ids or len(ids) > 50:
                        return self._api_error(400, "invalid ids: between 1 and 50 are allowed")
                    return self._send(200, {"tracks": [self._track_object(i) for i in ids]})
                case ("GET", ["me", "playlists"]):
                    items = list(user.playlists.values())
                    return self._send(200, self._page(items, query, f"{fake.url}/v1/me/playlists"))
                case ("POST", ["me", "playlists"]) | ("POST", ["users", _, "playlists"]):
                    return self._create_playlist(user, body)
                case ("GET", ["playlists", playlist_id, ("items" | "tracks")]):
                    playlist = self._playlist(playlist_id)
                    if playlist is not None:
                        items = playlist["_items"]
                        return self._send(200, self._page(items, query, f"{fake.url}/v1/playlists/{playlist_id}/items"))
                    return None
                case ("POST", ["playlists", playlist_id, ("items" | "tracks")]):
                    return self._add_items(playlist_id, body, query)
                case ("GET", ["search"]):
                    return self._search(query)
            self._api_error(404, "Service not found")

        def _recently_played(self, user: SpotifyUser, query: dict) -> None:
            if "after" in query and "before" in query:
                return self._api_error(400, "Only one of after or before may be specified")
            try:
                limit = int(query.get("limit", 20))
            except ValueError:
                return self._api_error(400, "Invalid limit")
            if not 1 <= limit <= 50:
                return self._api_error(400, "Invalid limit")
            items = user.played
            if "after" in query:
                after = int(query["after"])
                newer = [item for item in items if _played_ms(item) > after]
                page = newer[-limit:]  # the `limit` plays right after the cursor
            else:
                before = int(query.get("before", 2**62))
                page = [item for item in items if _played_ms(item) < before][:limit]
            href = f"{fake.url}/v1/me/player/recently-played?{urlencode(query)}"
            cursors = {"after": str(_played_ms(page[0])), "before": str(_played_ms(page[-1]))} if page else None
            older = page and any(_played_ms(item) < _played_ms(page[-1]) for item in items)
            next_url = (
                f"{fake.url}/v1/me/player/recently-played?{urlencode({'before': cursors['before'], 'limit': limit})}"
                if older and "after" not in query else None
            )
            self._send(200, {"items": page, "next": next_url, "cursors": cursors, "limit": limit, "href": href})

        def _top(self, kind: str, query: dict) -> None:
            if query.get("time_range", "medium_term") not in ("short_term", "medium_term", "long_term"):
                return self._api_error(400, "Invalid time range")
            recorded = fixture_json(f"spotify_api/swajava__GetUsersTop{kind.capitalize()}Request.json")
            self._send(200, self._page(recorded["items"], query, f"{fake.url}/v1/me/top/{kind}"))

        def _artist_object(self, artist_id: str) -> dict | None:
            known = [fixture_json("spotify_api/swajava__GetArtistRequest.json"),
                     fixture_json("spotify_api/zmb3__find_artist.json"),
                     *fixture_json("spotify_api/swajava__GetSeveralArtistsRequest.json")["artists"],
                     *fixture_json("spotify_api/swajava__GetUsersTopArtistsRequest.json")["items"]]
            for artist in known:
                if artist["id"] == artist_id:
                    return artist
            # Artists of songs the fake knows: full objects, without genres, as Spotify now answers for most
            # artists.
            for track in self._known_tracks():
                for artist in track["artists"]:
                    if artist["id"] == artist_id:
                        return {**artist, "followers": {"href": None, "total": 0}, "genres": [],
                                "images": [], "popularity": 0}
            return None

        def _known_tracks(self) -> list[dict]:
            return [*fake.catalog.values(), *(item["track"] for user in list(fake.users.values()) for item in user.played)]

        def _track_object(self, track_id: str) -> dict | None:
            known = [*self._known_tracks(), *recorded_tracks(),
                     *fixture_json("spotify_api/swajava__GetUsersTopTracksRequest.json")["items"]]
            return next((track for track in known if track["id"] == track_id), None)

        def _artist(self, artist_id: str) -> None:
            artist = self._artist_object(artist_id)
            if artist is None:
                return self._api_error(404, "Resource not found" if len(artist_id) == 22 else "invalid id")
            self._send(200, artist)

        def _page(self, items: list, query: dict, href: str) -> dict:
            limit = min(max(int(query.get("limit", 20)), 1), 50)
            offset = max(int(query.get("offset", 0)), 0)
            page = [{k: v for k, v in item.items() if not k.startswith("_")} for item in items[offset:offset + limit]]
            more = offset + limit < len(items)
            return {
                "href": f"{href}?offset={offset}&limit={limit}", "items": page, "limit": limit, "offset": offset,
                "total": len(items), "previous": None if offset == 0 else f"{href}?offset={max(offset - limit, 0)}&limit={limit}",
                "next": f"{href}?offset={offset + limit}&limit={limit}" if more else None,
            }

        def _create_playlist(self, user: SpotifyUser, body: dict) -> None:
            if not body.get("name"):
                return self._api_error(400, "Missing required field: name")
            playlist_id = secrets.token_hex(11)
            playlist = {
                "id": playlist_id, "name": body["name"], "description": body.get("description", ""),
                "public": body.get("public", True), "collaborative": False, "type": "playlist",
                "uri": f"spotify:playlist:{playlist_id}", "href": f"{fake.url}/v1/playlists/{playlist_id}",
                "external_urls": {"spotify": f"https://open.spotify.com/playlist/{playlist_id}"},
                "owner": {"id": user.profile["id"], "display_name": user.profile.get("display_name"), "type": "user"},
                "tracks": {"href": f"{fake.url}/v1/playlists/{playlist_id}/items", "total": 0},
                "snapshot_id": secrets.token_urlsafe(12), "_items": [],
            }
            user.playlists[playlist_id] = playlist
            self._send(201, {k: v for k, v in playlist.items() if not k.startswith("_")})

        def _playlist(self, playlist_id: str) -> dict | None:
            for user in fake.users.values():
                if playlist_id in user.playlists:
                    return user.playlists[playlist_id]
            self._api_error(404, "Resource not found")
            return None

        def _add_items(self, playlist_id: str, body: dict, query: dict) -> None:
            playlist = self._playlist(playlist_id)
            if playlist is None:
                return
            # Spotify takes {"uris": [...]}, a bare JSON array (what spotipy sends), or ?uris=a,b.
            uris = body if isinstance(body, list) else body.get("uris")
            uris = uris or [uri for uri in query.get("uris", "").split(",") if uri]
            if not uris or len(uris) > 100:
                return self._api_error(400, "You can add a maximum of 100 tracks per request.")
            if any(not uri.startswith(("spotify:track:", "spotify:episode:")) for uri in uris):
                return self._api_error(400, "Invalid track uri")
            now = datetime.now(timezone.utc).isoformat().replace("+00:00", "Z")
            playlist["_items"] += [{"added_at": now, "track": {"uri": uri}} for uri in uris]
            playlist["tracks"]["total"] = len(playlist["_items"])
            playlist["snapshot_id"] = secrets.token_urlsafe(12)
            self._send(201, {"snapshot_id": playlist["snapshot_id"]})

        def _search(self, query: dict) -> None:
            if not query.get("q") or not query.get("type"):
                return self._api_error(400, "No search query" if not query.get("q") else "Missing parameter type")
            words = query["q"].lower().replace("artist:", " ").replace("track:", " ").split()
            tracks = [item["track"] for item in recorded_plays()]
            tracks += fixture_json("spotify_api/swajava__GetUsersTopTracksRequest.json")["items"]
            tracks += [item["track"] for user in list(fake.users.values()) for item in user.played]
            seen, hits = set(), []
            for track in tracks:
                text = (track["name"] + " " + " ".join(a["name"] for a in track["artists"])).lower()
                if track["id"] not in seen and all(word in text for word in words):
                    seen.add(track["id"])
                    hits.append(track)
            answer = {}
            if "track" in query["type"].split(","):
                answer["tracks"] = self._page(hits, query, f"{fake.url}/v1/search")
            self._send(200, answer)

    return Handler
