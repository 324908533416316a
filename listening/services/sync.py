"""Spotify sync: beat queues one run per connected user, spread over the interval; a run adds the plays
since the stored cursor through the same write path as imports, takes the day's top-artist and top-track
snapshots and profile, looks up songs known only by name, and fetches genres for artists that lack them
(Spotify's, then MusicBrainz tags for artists Spotify gave none: listening/services/genres.py).

Spotify asking us to wait (429 + Retry-After, however long) or failing after our retries defers the run
(`SpotifySync.deferred_until`); every page of plays is stored as it arrives, so nothing fetched is lost
and the next run picks up from the cursor.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from functools import partial
from zoneinfo import ZoneInfo

from allauth.socialaccount.models import SocialAccount, SocialToken
from django.conf import settings
from django.db import transaction
from django.db.models import F, Q, Sum
from django.db.models.functions import Greatest
from django.utils import timezone
from redis.exceptions import LockError

from accounts.models import User
from accounts.services import spotify_access_token, spotify_token_refresh
from accounts.spotify.tokens import SpotifyUnavailable
from listening.imports import PlayRow
from listening.models import DailyTrackPlays, Play, SpotifySync, TopSnapshot, Track
from listening.names import name_key
from listening.services.genres import musicbrainz_genres_fetch
from listening.services.plays import plays_add
from listening.services.spotify_catalog import spotify_artists_store, spotify_tracks_store
from listening.services.spotify_details import spotify_artists_fetch, spotify_genres_store
from listening.spotify import PAGE_LIMIT, SpotifyException, SpotifyForUser, spotify_outbound
from rewrapped.outbound import RateLimited, ServiceUnavailable
from rewrapped.redis import redis_client

logger = logging.getLogger(__name__)

SYNC_LOCK_SECONDS = 15 * 60  # the run task's time limit
MAX_PAGES = 40  # recently played pages one run follows; Spotify keeps far fewer
SEARCH_AGAIN_AFTER = timedelta(days=30)  # a song Spotify search did not find is not looked up again before
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def spotify_sync_dispatch(*, now: datetime | None = None) -> int:
    """Queue a sync for every connected user who is not deferred, spread over the sync interval so the
    runs do not all hit Spotify at once. Nothing is queued while Spotify has asked the app to wait."""
    from listening.tasks import spotify_sync_run

    now = now or timezone.now()
    if spotify_outbound().paused_for() > 0:
        return 0
    due = list(
        User.objects.filter(
            socialaccount__provider="spotify", socialaccount__socialtoken__isnull=False, spotify_broken_at__isnull=True,
        )
        .exclude(spotify_sync__deferred_until__gt=now)
        .order_by("pk").values_list("pk", flat=True).distinct()
    )
    interval = settings.SPOTIFY_SYNC_EVERY_MINUTES * 60
    spread = interval * 0.8
    for position, user_id in enumerate(due):
        countdown = int(position * spread / len(due))
        # A run still queued when the next dispatch comes is dropped, not doubled.
        spotify_sync_run.apply_async(kwargs={"user_id": user_id}, countdown=countdown, expires=countdown + interval)
    return len(due)


def spotify_sync_run(*, user: User, now: datetime | None = None) -> SpotifySync:
    """One sync of one user. Does nothing while the user's sync is deferred or another run holds it."""
    now = now or timezone.now()
    sync, _ = SpotifySync.objects.get_or_create(user=user)
    if sync.deferred_until and sync.deferred_until > now:
        return sync
    lock = redis_client().lock(f"lock:spotify-sync:{user.pk}", timeout=SYNC_LOCK_SECONDS, blocking=False)
    if not lock.acquire():
        return sync
    try:
        _run(sync, now)
    finally:
        try:
            lock.release()
        except LockError:  # it outlived its timeout; whoever holds it now keeps it
            pass
    sync.refresh_from_db()
    return sync


def _run(sync: SpotifySync, now: datetime) -> None:
    user = sync.user
    sync.last_run_at, sync.last_error, sync.deferred_until = now, "", None
    try:
        token = spotify_access_token(user=user)
        if token is None:
            sync.last_error = "Not connected to Spotify, or the user has to reconnect."
        else:
            api = SpotifyForUser(token, renew=partial(_token_renew, user))
            _recently_played(api, sync)
            _tops_and_profile(api, user, now)
            _tracks_resolve(api, user, now)
            spotify_artists_fetch(fetch=api.artists, now=now, batches=settings.SPOTIFY_GENRE_BATCHES_PER_SYNC)
            # The second source defers itself when MusicBrainz asks us to wait: never the plays or the run.
            musicbrainz_genres_fetch(now=now)
            sync.last_success_at = now
    except RateLimited as exc:
        sync.deferred_until = now + timedelta(seconds=max(int(exc.retry_after_seconds + 0.999), 1))
        sync.last_error = str(exc)
    except (ServiceUnavailable, SpotifyUnavailable) as exc:
        sync.deferred_until = now + timedelta(seconds=settings.SPOTIFY_SYNC_RETRY_SECONDS)
        sync.last_error = f"Spotify unavailable: {exc}"
    except SpotifyException as exc:
        if exc.http_status == 401:  # the refresh token was refused too: the user must reconnect
            sync.last_error = "Spotify refused our tokens; the user has to reconnect."
        else:
            sync.deferred_until = now + timedelta(seconds=settings.SPOTIFY_SYNC_RETRY_SECONDS)
            sync.last_error = f"Spotify answered {exc.http_status}: {exc.msg}"[:1000]
    if sync.last_error:
        logger.warning("spotify sync incomplete", extra={
            "user_id": user.pk, "reason": sync.last_error, "deferred_until": sync.deferred_until,
        })
    # The cursor and counter were saved page by page; only the run's outcome is written here.
    sync.save(update_fields=["last_run_at", "last_success_at", "deferred_until", "last_error"])


def _token_renew(user: User) -> str | None:
    """A fresh access token after Spotify said ours expired; None when the user must reconnect."""
    token = (
        SocialToken.objects.filter(account__user=user, account__provider="spotify")
        .select_related("account__user").first()
    )
    if token is None:
        return None
    refreshed = spotify_token_refresh(token=token)
    return refreshed.token if refreshed else None


# --- recently played -------------------------------------------------------------------------------------
def _recently_played(api: SpotifyForUser, sync: SpotifySync) -> None:
    cursor = sync.played_after_ms
    page = api.recently_played(after_ms=cursor)
    first_page_full = len(page["items"]) >= PAGE_LIMIT
    newest = cursor
    # Backwards through `next` (before-cursors) until the stored cursor is reached. The cursor moves only
    # once the whole stretch is stored: a run cut short stores what it fetched, and the next run fetches
    # the stretch again, adding only what is missing.
    for _ in range(MAX_PAGES):
        fresh = [item for item in page["items"] if _played_ms(item) > cursor]
        if fresh:
            _plays_store(sync, fresh)
            newest = max(newest, *map(_played_ms, fresh))
        if not fresh or len(fresh) < len(page["items"]) or not page.get("next"):
            break
        page = api.next_page(page)
    SpotifySync.objects.filter(pk=sync.pk).update(played_after_ms=Greatest(F("played_after_ms"), newest))
    if not cursor:
        return
    # Forwards: asked for plays after a cursor, Spotify answers the oldest of them first, so a full page
    # means more may follow; each page moves the cursor with its plays.
    full = first_page_full
    for _ in range(MAX_PAGES):
        if not full:
            break
        page = api.recently_played(after_ms=newest)
        fresh = [item for item in page["items"] if _played_ms(item) > newest]
        if not fresh:
            break
        newest = max(newest, *map(_played_ms, fresh))
        _plays_store(sync, fresh, cursor_ms=newest)
        full = len(page["items"]) >= PAGE_LIMIT


def _plays_store(sync: SpotifySync, items: list[dict], *, cursor_ms: int | None = None) -> int:
    # Recently played lists tracks only; anything else (or a track without a name) cannot be a music play.
    songs = [item for item in items if (item.get("track") or {}).get("type", "track") == "track"
             and item["track"].get("name")]
    # Catalog first (its own lock, its own transaction): name-only rows of these songs are claimed, so
    # plays imported by name and these plays by id meet in one track and the dedupe sees them.
    spotify_tracks_store(tracks=[item["track"] for item in songs if not item["track"].get("is_local")])
    rows = [_play_row(item) for item in songs]
    with transaction.atomic():
        summary = plays_add(user=sync.user, rows=rows)
        changes = {"plays_added": F("plays_added") + summary.added}
        if cursor_ms:
            changes["played_after_ms"] = Greatest(F("played_after_ms"), cursor_ms)
        SpotifySync.objects.filter(pk=sync.pk).update(**changes)
    return summary.added


def _play_row(item: dict) -> PlayRow:
    track = item["track"]
    artists = track.get("artists") or [{}]
    local = track.get("is_local") or not track.get("id")
    return PlayRow(
        source=Play.Source.SYNC,
        kind="music",
        # played_at is when the track stopped playing (spotify/web-api#613), like the exports' ts.
        ended_at=_played_ms(item) // 1000,
        # Recently played says nothing of how long it played; Spotify lists only plays that reached the end.
        ms_played=int(track.get("duration_ms") or 0),
        item_uri=None if local else track["uri"],  # local files carry no Spotify id, only names
        name=track["name"],
        artist_or_show=artists[0].get("name") or "Unknown artist",
        album=(track.get("album") or {}).get("name") or None,
    )


def _played_ms(item: dict) -> int:
    return (datetime.fromisoformat(item["played_at"]) - _EPOCH) // timedelta(milliseconds=1)


# --- tops and profile, once a day -----------------------------------------------------------------------
def _tops_and_profile(api: SpotifyForUser, user: User, now: datetime) -> None:
    today = now.astimezone(ZoneInfo(user.time_zone)).date()
    wanted = len(TopSnapshot.Kind) * len(TopSnapshot.Range)
    if TopSnapshot.objects.filter(user=user, taken_on=today).count() >= wanted:
        return
    _profile_refresh(user, api.profile())
    for kind in TopSnapshot.Kind:
        for time_range in TopSnapshot.Range:
            items = [item for item in api.top(kind.value, time_range.value) if item and item.get("id")]
            if kind == TopSnapshot.Kind.ARTISTS:
                ids = spotify_artists_store(artists=items)
                spotify_genres_store(artists={item["id"]: item for item in items}, now=now)  # full objects
            else:
                ids = spotify_tracks_store(tracks=items)
            TopSnapshot.objects.update_or_create(
                user=user, kind=kind, time_range=time_range, taken_on=today,
                defaults={"item_ids": [ids[item["id"]] for item in items if item["id"] in ids]},
            )


def _profile_refresh(user: User, profile: dict) -> None:
    """The avatar follows Spotify; a display name or country the user set is theirs and stays."""
    images = sorted(profile.get("images") or [], key=lambda image: image.get("width") or 0)
    changed = []
    if images and images[-1].get("url") and user.avatar_url != images[-1]["url"][:500]:
        user.avatar_url = images[-1]["url"][:500]
        changed.append("avatar_url")
    if not user.display_name and profile.get("display_name"):
        user.display_name = profile["display_name"][:100]
        changed.append("display_name")
    if not user.country and profile.get("country"):
        user.country = profile["country"]
        changed.append("country")
    if changed:
        user.save(update_fields=changed)
    SocialAccount.objects.filter(user=user, provider="spotify", uid=profile.get("id")).update(extra_data=profile)


# --- songs known only by name -----------------------------------------------------------------------------
def _tracks_resolve(api: SpotifyForUser, user: User, now: datetime) -> None:
    """Look up the user's most-played songs that imports knew only by name; a song found takes its Spotify
    id (or merges into the row that has it), a song not found is not asked about again for 30 days."""
    pending = list(
        DailyTrackPlays.objects.filter(user=user, track__spotify_id__isnull=True)
        .filter(Q(track__searched_at__isnull=True) | Q(track__searched_at__lt=now - SEARCH_AGAIN_AFTER))
        .values("track_id").annotate(plays=Sum("plays")).order_by("-plays", "track_id")
        .values_list("track_id", flat=True)[:settings.SPOTIFY_SEARCHES_PER_SYNC]
    )
    tracks = Track.objects.select_related("artist").in_bulk(pending)
    for track_id in pending:
        track = tracks[track_id]
        hits = api.search_tracks(name=track.name, artist=track.artist.name)
        match = next((hit for hit in hits if hit and _same_song(hit, track)), None)
        if match:
            spotify_tracks_store(tracks=[match], claims={match["id"]: track.pk})
        Track.objects.filter(pk=track.pk).update(searched_at=now)  # gone already if it was merged


def _same_song(hit: dict, track: Track) -> bool:
    # Only an exact title and artist match: a wrong match would merge two songs' histories for good, while
    # a miss only leaves the song without Spotify details.
    return name_key(hit.get("name") or "") == track.name_key and any(
        name_key(artist.get("name") or "") == track.artist.name_key for artist in hit.get("artists") or []
    )
