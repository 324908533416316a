"""The audio-features provider client: songs' valence and energy by Spotify id, from a Spotify-compatible API
(ReccoBeats' `GET /v1/audio-features?ids=…`), sent through the shared outbound base.

Spotify's own audio-features endpoint is closed to new apps. ReccoBeats answers `{"content": [...]}` with one
object per song it knows (songs it does not know are simply left out), each naming the song by its ReccoBeats
id and its Spotify link (`href`), with Spotify's features on Spotify's scales: valence and energy 0 … 1.
It takes at most 40 ids a call and answers 429 with Retry-After when pressed (rewrapped.outbound's
RateLimited); answers are cached for a week, as a song's features do not change.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings

from rewrapped.outbound import Outbound

SERVICE = "audio-features"
AUDIO_FEATURES = "/v1/audio-features"
IDS_PER_CALL = 40
CACHE_SECONDS = 7 * 24 * 3600


@dataclass(frozen=True)
class AudioFeatures:
    """A song's place on the circumplex as the provider measured it, on our scale (−1 … +1)."""

    spotify_id: str
    valence: float
    energy: float


def audio_features_configured() -> bool:
    return bool(settings.AUDIO_FEATURES_API_BASE)


def audio_features_outbound() -> Outbound:
    return _outbound(settings.AUDIO_FEATURES_API_BASE, settings.AUDIO_FEATURES_RATE_PER_SECOND)


@lru_cache(maxsize=8)
def _outbound(base_url: str, rate_per_second: float) -> Outbound:
    return Outbound(service=SERVICE, base_url=base_url, rate_per_second=rate_per_second,
                    cache={AUDIO_FEATURES: CACHE_SECONDS})


def audio_features(spotify_ids: list[str]) -> dict[str, AudioFeatures]:
    """The features the provider knows for these songs, by Spotify id (unknown songs are missing). Raises
    RateLimited / ServiceUnavailable when the provider asks us to wait or keeps failing."""
    found: dict[str, AudioFeatures] = {}
    unique = list(dict.fromkeys(spotify_ids))
    for start in range(0, len(unique), IDS_PER_CALL):
        batch = unique[start:start + IDS_PER_CALL]
        response = audio_features_outbound().request(
            "GET", AUDIO_FEATURES, params={"ids": ",".join(batch)}, headers={"Accept": "application/json"},
        )
        if response.status_code != 200:
            continue  # a batch it refuses (none of them known, an id it cannot read) has no features
        asked = set(batch)
        for item in response.json().get("content") or []:
            spotify_id = _spotify_id(item.get("href") or "")
            if spotify_id in asked and _is_fraction(item.get("valence")) and _is_fraction(item.get("energy")):
                found[spotify_id] = AudioFeatures(
                    spotify_id=spotify_id, valence=round(2 * item["valence"] - 1, 4),
                    energy=round(2 * item["energy"] - 1, 4),
                )
    return found


def _spotify_id(href: str) -> str:
    # "https://open.spotify.com/track/<id>": the id is what follows the last slash, before any query.
    return href.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]


def _is_fraction(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and 0 <= value <= 1
