"""The Spotify Web API client: spotipy builds the requests, the shared outbound base sends them.

spotipy's own retry layer is bypassed by handing it our session: it would sleep inside a worker, and it
reports an exhausted retry as a bare 429 without Retry-After. Through rewrapped.outbound every call shares
the app's Redis rate limit, a 429 pauses Spotify for all workers for as long as Spotify asks and surfaces
as RateLimited, 5xx answers are retried with backoff and then surface as ServiceUnavailable, artist
lookups are cached for a day, and every call is written to the API call log.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache, partial

import spotipy
from django.conf import settings

from rewrapped.outbound import Outbound

SERVICE = "spotify"
# Artist and track objects (genres, images, albums) change rarely and are the same for every user.
ARTIST_CACHE_SECONDS = 24 * 3600
ARTISTS_PER_REQUEST = 50  # GET /v1/artists?ids= takes at most 50
TRACKS_PER_REQUEST = 50  # GET /v1/tracks?ids= takes at most 50
PAGE_LIMIT = 50  # recently played, top items and search pages take at most 50

SpotifyException = spotipy.SpotifyException


def spotify_outbound() -> Outbound:
    return _outbound(settings.SPOTIFY_API_BASE, settings.SPOTIFY_RATE_PER_SECOND)


@lru_cache(maxsize=8)
def _outbound(base_url: str, rate_per_second: float) -> Outbound:
    return Outbound(
        service=SERVICE, base_url=base_url, rate_per_second=rate_per_second,
        cache={"/v1/artists": ARTIST_CACHE_SECONDS, "/v1/tracks": ARTIST_CACHE_SECONDS},
    )


def spotify_client(access_token: str) -> spotipy.Spotify:
    """A spotipy client for one user's access token, sending through the outbound base. 4xx answers raise
    SpotifyException as usual; a 429 or a Spotify that keeps failing raises rewrapped.outbound's
    RateLimited / ServiceUnavailable (both requests.RequestException, so OSError)."""
    client = spotipy.Spotify(auth=access_token, requests_session=spotify_outbound().session(), requests_timeout=10)
    client.prefix = f"{settings.SPOTIFY_API_BASE}/v1/"
    return client


class SpotifyForUser:
    """The calls the sync makes for one user. When Spotify says the access token expired (it can die before
    its stated expiry), `renew` is asked once for a fresh one and the call is repeated; `renew` returns None
    when the user must reconnect, and the 401 then propagates."""

    def __init__(self, access_token: str, *, renew: Callable[[], str | None]):
        self.client = spotify_client(access_token)
        self.renew = renew

    def _call(self, name: str, *args, **kwargs):
        try:
            return getattr(self.client, name)(*args, **kwargs)
        except SpotifyException as exc:
            if exc.http_status != 401:
                raise
            fresh = self.renew()
            if not fresh:
                raise
            self.client.set_auth(fresh)
            return getattr(self.client, name)(*args, **kwargs)

    def profile(self) -> dict:
        return self._call("me")

    def recently_played(self, *, after_ms: int | None = None) -> dict:
        return self._call("current_user_recently_played", limit=PAGE_LIMIT, after=after_ms or None)

    def next_page(self, page: dict) -> dict | None:
        return self._call("next", page)

    def top(self, kind: str, time_range: str) -> list[dict]:
        name = "current_user_top_artists" if kind == "artists" else "current_user_top_tracks"
        return self._call(name, limit=PAGE_LIMIT, time_range=time_range)["items"]

    def artists(self, spotify_ids: list[str]) -> dict[str, dict | None]:
        return _several(partial(self._call, "artists"), "artists", spotify_ids, ARTISTS_PER_REQUEST)

    def search_tracks(self, *, name: str, artist: str, limit: int = 5) -> list[dict]:
        # Field filters without quotes: Spotify matches each word, which tolerates punctuation differences.
        query = f"track:{name} artist:{artist}"
        return self._call("search", q=query, type="track", limit=limit)["tracks"]["items"]


class SpotifyForApp:
    """Catalog reads with the app's client-credentials token, for songs and artists no connected listener
    brought (imports)."""

    def __init__(self, access_token: str):
        self.client = spotify_client(access_token)

    def tracks(self, spotify_ids: list[str]) -> dict[str, dict | None]:
        return _several(self.client.tracks, "tracks", spotify_ids, TRACKS_PER_REQUEST)

    def artists(self, spotify_ids: list[str]) -> dict[str, dict | None]:
        return _several(self.client.artists, "artists", spotify_ids, ARTISTS_PER_REQUEST)


def _several(call: Callable[[list[str]], dict], key: str, spotify_ids: list[str],
             per_request: int) -> dict[str, dict | None]:
    """Full objects by id; None where Spotify does not know the id. Ids are sorted into batches so the same
    items make the same (cached) request whoever asks."""
    found: dict[str, dict | None] = {}
    ids = sorted(set(spotify_ids))
    for start in range(0, len(ids), per_request):
        batch = ids[start:start + per_request]
        # Spotify answers in the order asked, with null for an unknown id.
        found.update(zip(batch, call(batch)[key]))
    return found
