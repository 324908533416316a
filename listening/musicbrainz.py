"""The MusicBrainz web service client (artist search with tags), sent through the shared outbound base.

MusicBrainz allows one request a second per application and turns away clients that do not name themselves
in the User-Agent, so every call carries MUSICBRAINZ_USER_AGENT and shares one Redis bucket of
MUSICBRAINZ_RATE_PER_SECOND. A 429 or 503 surfaces as rewrapped.outbound's RateLimited / ServiceUnavailable;
answers are cached for a day, as Spotify's artist lookups are.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings

from rewrapped.outbound import Outbound

SERVICE = "musicbrainz"
SEARCH_CACHE_SECONDS = 24 * 3600
ARTIST_SEARCH = "/ws/2/artist"


@dataclass(frozen=True)
class MusicBrainzArtist:
    """MusicBrainz's best match for a name: how sure it is (score, 0–100) and its folksonomy tags."""

    mbid: str
    name: str
    score: int
    tags: dict[str, int]  # tag name -> how many editors gave it


def musicbrainz_outbound() -> Outbound:
    return _outbound(settings.MUSICBRAINZ_API_BASE, settings.MUSICBRAINZ_RATE_PER_SECOND)


@lru_cache(maxsize=8)
def _outbound(base_url: str, rate_per_second: float) -> Outbound:
    return Outbound(
        service=SERVICE, base_url=base_url, rate_per_second=rate_per_second, burst=1,
        cache={ARTIST_SEARCH: SEARCH_CACHE_SECONDS},
    )


def artist_search(name: str) -> MusicBrainzArtist | None:
    """The best-scoring artist MusicBrainz finds for `name`, or None when it finds none (or refuses the
    query). Raises RateLimited / ServiceUnavailable when MusicBrainz asks us to wait or keeps failing."""
    response = musicbrainz_outbound().request(
        "GET", f"{ARTIST_SEARCH}/",
        params={"query": f'artist:"{_quoted(name)}"', "fmt": "json", "limit": 1},
        headers={"User-Agent": settings.MUSICBRAINZ_USER_AGENT, "Accept": "application/json"},
    )
    if response.status_code != 200:
        return None
    artists = response.json().get("artists") or []
    if not artists:
        return None
    best = artists[0]
    return MusicBrainzArtist(
        mbid=best.get("id") or "", name=best.get("name") or "", score=int(best.get("score") or 0),
        tags={tag["name"]: int(tag.get("count") or 0) for tag in best.get("tags") or [] if tag.get("name")},
    )


def _quoted(name: str) -> str:
    # Inside a Lucene phrase only the backslash and the double quote need escaping.
    return name.replace("\\", "\\\\").replace('"', '\\"')
