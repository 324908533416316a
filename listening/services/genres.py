"""Genres from the second source: MusicBrainz tags for artists Spotify gave none (or that have no Spotify id,
such as artists known only from account-data imports).

Whether MusicBrainz was asked about an artist lives in the cache (Redis), one key per artist and source
holding when it was asked, for 30 days: a miss is not asked again before then, and a lost key costs only one
more lookup. A walk position in the cache lets each run start where the last one stopped, so a long tail of
misses does not hide newer artists.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

import requests
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from listening.models import Artist, ArtistGenre, Genre
from listening.musicbrainz import MusicBrainzArtist, artist_search, musicbrainz_outbound
from listening.names import name_key
from listening.services.periods import artist_genres_add

logger = logging.getLogger(__name__)

SOURCE = ArtistGenre.Source.MUSICBRAINZ
ASK_AGAIN_AFTER = timedelta(days=30)
MIN_SCORE = 90  # MusicBrainz's own confidence (0–100); below it, the best hit is often another artist
TAGS_KEPT = 5
SCAN_PER_RUN = 1000  # candidates one run looks at while skipping those asked recently
_SCAN_CHUNK = 200
_WALK_KEY = f"genres:{SOURCE.value}:after-artist"


def musicbrainz_genres_fetch(*, now: datetime | None = None, limit: int | None = None) -> int:
    """Ask MusicBrainz about up to `limit` (MUSICBRAINZ_LOOKUPS_PER_SYNC) artists without genres and store the
    tags of confident matches as their genres; returns how many artists got genres.

    Never raises for MusicBrainz being unavailable: a 429 (which pauses the service for every process) or
    a MusicBrainz that keeps failing stops this step only, and the artists not yet asked are left for a
    later run."""
    if SOURCE not in settings.GENRE_SOURCES or musicbrainz_outbound().paused_for() > 0:
        return 0
    now = now or timezone.now()
    artists = _claim(limit if limit is not None else settings.MUSICBRAINZ_LOOKUPS_PER_SYNC, now)
    found = asked = 0
    try:
        for artist in artists:
            genres = _genres_of(artist_search(artist.name), artist)
            asked += 1
            if genres:
                _genres_store(artist, genres)
                found += 1
    except requests.RequestException as exc:
        cache.delete_many([_asked_key(artist.pk) for artist in artists[asked:]])
        logger.warning("musicbrainz genres deferred", extra={"reason": str(exc), "left": len(artists) - asked})
    return found


def _candidates():
    """Artists without genres that the sources before MusicBrainz have had their turn at."""
    artists = Artist.objects.filter(artistgenre__isnull=True)
    sources = list(settings.GENRE_SOURCES)
    if ArtistGenre.Source.SPOTIFY in sources[:sources.index(SOURCE)]:
        # Spotify first: an artist it has an id for waits until Spotify has been asked.
        artists = artists.filter(Q(spotify_id__isnull=True) | Q(genres_fetched_at__isnull=False))
    return artists


def _claim(limit: int, now: datetime) -> list[Artist]:
    """Up to `limit` candidates not asked in ASK_AGAIN_AFTER, each marked asked now (an atomic add, so two
    runs at once never ask about the same artist)."""
    claimed: list[Artist] = []
    after = cache.get(_WALK_KEY) or 0
    scanned = 0
    while len(claimed) < limit and scanned < SCAN_PER_RUN:
        chunk = list(_candidates().filter(pk__gt=after).order_by("pk").only("pk", "name", "name_key")[:_SCAN_CHUNK])
        if not chunk:
            after = 0  # the end of the catalog: the next run starts from the beginning
            break
        asked = cache.get_many([_asked_key(artist.pk) for artist in chunk])
        for artist in chunk:
            after = artist.pk
            if _asked_key(artist.pk) not in asked and cache.add(
                _asked_key(artist.pk), now.isoformat(), timeout=int(ASK_AGAIN_AFTER.total_seconds())
            ):
                claimed.append(artist)
                if len(claimed) >= limit:
                    break
        scanned += len(chunk)
    cache.set(_WALK_KEY, after, timeout=None)
    return claimed


def _genres_of(match: MusicBrainzArtist | None, artist: Artist) -> list[str]:
    """The match's most-given tags, lower-cased, when it is confidently this artist; else none."""
    if match is None or match.score < MIN_SCORE or name_key(match.name) != artist.name_key:
        return []
    ranked = sorted((-count, " ".join(tag.lower().split())[:100]) for tag, count in match.tags.items() if count >= 1)
    genres: list[str] = []
    for _, genre in ranked:
        if genre and genre not in genres:
            genres.append(genre)
    return genres[:TAGS_KEPT]


@transaction.atomic
def _genres_store(artist: Artist, genres: list[str]) -> None:
    Genre.objects.bulk_create([Genre(name=name) for name in genres], ignore_conflicts=True)
    genre_ids = Genre.objects.filter(name__in=genres).values_list("id", flat=True)
    artist_genres_add(pairs=[(artist.pk, genre_id) for genre_id in genre_ids], source=SOURCE)


def _asked_key(artist_id: int) -> str:
    return f"genres:{SOURCE.value}:asked:{artist_id}"
