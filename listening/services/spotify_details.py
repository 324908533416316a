"""What Spotify's catalog says of songs and artists we know by id: a song's album and cover (GET /v1/tracks),
an artist's picture and genres (GET /v1/artists), each asked 50 ids a call, Spotify's limit.

The sync asks with the listener's token; everyone else's songs and artists (imports, which know ids but not
covers or genres) are fetched by `spotify_catalog_fetch` with the app's own token, queued after an import
and by beat. A stamp on each row (Track.details_fetched_at, Artist.genres_fetched_at) says it was fetched,
so nothing is asked twice, whoever asks.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from redis.exceptions import LockError

from accounts.services import SpotifyUnavailable, spotify_app_token
from listening.models import Artist, ArtistGenre, Genre, Track
from listening.services.genres import musicbrainz_genres_fetch
from listening.services.periods import artist_genres_add
from listening.services.spotify_catalog import spotify_artists_store, spotify_tracks_store
from listening.spotify import ARTISTS_PER_REQUEST, TRACKS_PER_REQUEST, SpotifyForApp
from rewrapped.outbound import RateLimited, ServiceUnavailable
from rewrapped.redis import redis_client

logger = logging.getLogger(__name__)

FETCH_LOCK_SECONDS = 15 * 60  # the task's time limit

Fetch = Callable[[list[str]], dict[str, dict | None]]


def spotify_catalog_fetch(*, now: datetime | None = None) -> dict[str, int]:
    """Fetch up to SPOTIFY_CATALOG_BATCHES_PER_RUN batches of never-fetched songs and of never-fetched artists
    with the app's token, then MusicBrainz genres for artists Spotify gave none, as the sync does. Returns
    how many songs and artists were fetched.

    Spotify asking us to wait or failing ends the run early: what was fetched is stored, the rest waits for
    the next run. Does nothing without a Spotify app, or while another run is at it."""
    now = now or timezone.now()
    done = {"tracks": 0, "artists": 0}
    lock = redis_client().lock("lock:spotify-catalog-fetch", timeout=FETCH_LOCK_SECONDS, blocking=False)
    if not lock.acquire():
        return done
    try:
        token = spotify_app_token()
        if token is not None:
            api = SpotifyForApp(token)
            batches = settings.SPOTIFY_CATALOG_BATCHES_PER_RUN
            done["tracks"] = spotify_tracks_fetch(fetch=api.tracks, now=now, batches=batches)
            done["artists"] = spotify_artists_fetch(fetch=api.artists, now=now, batches=batches)
    except (RateLimited, ServiceUnavailable, SpotifyUnavailable) as exc:
        logger.warning("spotify catalog fetch deferred", extra={"reason": str(exc), **done})
    finally:
        try:
            lock.release()
        except LockError:  # it outlived its timeout; whoever holds it now keeps it
            pass
    musicbrainz_genres_fetch(now=now)
    return done


def spotify_tracks_fetch(*, fetch: Fetch, now: datetime, batches: int) -> int:
    """Store Spotify's track objects (album, cover, duration) for up to `batches` × 50 songs never fetched;
    a song Spotify no longer knows is stamped too, so it is not asked about again."""
    fetched = 0
    for _ in range(batches):
        ids = list(
            Track.objects.filter(spotify_id__isnull=False, details_fetched_at__isnull=True)
            .order_by("id").values_list("spotify_id", flat=True)[:TRACKS_PER_REQUEST]
        )
        if not ids:
            break
        found = fetch(ids)
        spotify_tracks_store(tracks=[track for track in found.values() if track], now=now)
        Track.objects.filter(spotify_id__in=ids, details_fetched_at__isnull=True).update(details_fetched_at=now)
        fetched += len(ids)
    return fetched


def spotify_artists_fetch(*, fetch: Fetch, now: datetime, batches: int) -> int:
    """Store Spotify's artist objects (picture, and genres when Spotify is a genre source) for up to
    `batches` × 50 artists never fetched."""
    fetched = 0
    for _ in range(batches):
        ids = list(
            Artist.objects.filter(spotify_id__isnull=False, genres_fetched_at__isnull=True)
            .order_by("id").values_list("spotify_id", flat=True)[:ARTISTS_PER_REQUEST]
        )
        if not ids:
            break
        found = fetch(ids)
        spotify_artists_store(artists=[artist for artist in found.values() if artist])
        spotify_genres_store(artists=found, now=now)
        fetched += len(ids)
    return fetched


@transaction.atomic
def spotify_genres_store(*, artists: dict[str, dict | None], now: datetime) -> None:
    """Genres as Spotify lists them (when Spotify is a genre source); an artist Spotify lists none for
    (common now) or does not know is still marked fetched, so it is not asked about again."""
    genres = {
        spotify_id: {" ".join(g.lower().split())[:100] for g in (artist or {}).get("genres") or [] if g.strip()}
        for spotify_id, artist in artists.items()
    } if ArtistGenre.Source.SPOTIFY in settings.GENRE_SOURCES else {}
    names = set().union(*genres.values()) if genres else set()
    Genre.objects.bulk_create([Genre(name=name) for name in names], ignore_conflicts=True)
    genre_ids = dict(Genre.objects.filter(name__in=names).values_list("name", "id"))
    artist_ids = dict(Artist.objects.filter(spotify_id__in=list(artists)).values_list("spotify_id", "id"))
    artist_genres_add(
        pairs=[
            (artist_ids[spotify_id], genre_ids[name])
            for spotify_id, names_of in genres.items() if spotify_id in artist_ids for name in names_of
        ],
        source=ArtistGenre.Source.SPOTIFY,
    )
    Artist.objects.filter(pk__in=artist_ids.values()).update(genres_fetched_at=now)
