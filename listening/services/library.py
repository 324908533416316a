"""Writes for a user's own library: favourites, ratings, playlists (and their export to Spotify), starter picks.

Every function acts on rows the caller already scoped to the user (listening.selectors.playlist_of); none of
them looks another user's rows up."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from spotipy import SpotifyException

from accounts import selectors as account_selectors
from accounts.models import User
from accounts.services import spotify_access_token
from accounts.spotify.tokens import SpotifyUnavailable
from listening.models import Favourite, Playlist, PlaylistItem, StarterPick, Track, TrackRating
from listening.selectors.library import STARTER_PICKS_MAX
from listening.spotify import spotify_client
from rewrapped.api import ApplicationError

logger = logging.getLogger(__name__)

PLAYLIST_MAX_TRACKS = 1000
PLAYLISTS_MAX = 500
# Spotify adds at most 100 items per request.
SPOTIFY_ADD_BATCH = 100


# --- favourites and ratings ------------------------------------------------------------------------------
def favourite_add(*, user: User, track: Track) -> Favourite:
    """Mark a track as a favourite; marking it again changes nothing."""
    favourite, _ = Favourite.objects.get_or_create(user=user, track=track)
    return favourite


def favourite_remove(*, user: User, track: Track) -> None:
    Favourite.objects.filter(user=user, track=track).delete()


def rating_set(*, user: User, track: Track, stars: int) -> TrackRating:
    if not isinstance(stars, int) or not 1 <= stars <= 5:
        raise ApplicationError("Rate a song from 1 to 5 stars.", code="invalid_rating",
                               fields={"stars": ["Choose 1 to 5 stars."]})
    rating, _ = TrackRating.objects.update_or_create(user=user, track=track, defaults={"stars": stars})
    return rating


def rating_remove(*, user: User, track: Track) -> None:
    TrackRating.objects.filter(user=user, track=track).delete()


# --- playlists -------------------------------------------------------------------------------------------
def _clean_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise ApplicationError("Give the playlist a name.", code="invalid", fields={"name": ["A name is required."]})
    if len(name) > 100:
        raise ApplicationError("Keep the name to 100 characters.", code="invalid",
                               fields={"name": ["At most 100 characters."]})
    return name


def _clean_description(description: str) -> str:
    description = (description or "").strip()
    if len(description) > 300:
        raise ApplicationError("Keep the description to 300 characters.", code="invalid",
                               fields={"description": ["At most 300 characters."]})
    return description


@transaction.atomic
def playlist_create(*, user: User, name: str, description: str = "") -> Playlist:
    name, description = _clean_name(name), _clean_description(description)
    # The user row is the lock that keeps two requests from both slipping under the limit.
    User.objects.select_for_update().filter(pk=user.pk).first()
    if Playlist.objects.filter(user=user).count() >= PLAYLISTS_MAX:
        raise ApplicationError(f"You can keep up to {PLAYLISTS_MAX} playlists. Delete one to make room.",
                               code="too_many_playlists")
    return Playlist.objects.create(user=user, name=name, description=description)


def playlist_rename(*, playlist: Playlist, name: str | None = None, description: str | None = None) -> Playlist:
    """Change the name, the description, or both (None leaves one as it is)."""
    fields = ["updated_at"]
    if name is not None:
        playlist.name = _clean_name(name)
        fields.append("name")
    if description is not None:
        playlist.description = _clean_description(description)
        fields.append("description")
    playlist.save(update_fields=fields)
    return playlist


def playlist_delete(*, playlist: Playlist) -> None:
    """Delete the playlist here; a copy exported to Spotify stays in the user's Spotify account."""
    playlist.delete()


def _locked(playlist: Playlist) -> list[int]:
    """Lock the playlist for this transaction (concurrent edits queue up, so positions never clash) and
    return its track ids in order."""
    Playlist.objects.select_for_update().filter(pk=playlist.pk).first()
    return list(playlist.items.order_by("position").values_list("track_id", flat=True))


def _touch(playlist: Playlist) -> None:
    playlist.updated_at = timezone.now()
    Playlist.objects.filter(pk=playlist.pk).update(updated_at=playlist.updated_at)


@transaction.atomic
def playlist_tracks_add(*, playlist: Playlist, tracks: list[Track]) -> int:
    """Append tracks to the end of the playlist, skipping any it already holds. Returns how many were added.
    Over the length limit nothing is added."""
    current = _locked(playlist)
    present = set(current)
    new: list[Track] = []
    for track in tracks:
        if track.pk not in present:
            present.add(track.pk)
            new.append(track)
    if len(current) + len(new) > PLAYLIST_MAX_TRACKS:
        raise ApplicationError(
            f"A playlist holds up to {PLAYLIST_MAX_TRACKS} songs; this one has {len(current)}.",
            code="playlist_full", fields={"tracks": [f"At most {PLAYLIST_MAX_TRACKS - len(current)} more."]},
        )
    PlaylistItem.objects.bulk_create(
        PlaylistItem(playlist=playlist, track=track, position=len(current) + offset) for offset, track in enumerate(new)
    )
    if new:
        _touch(playlist)
    return len(new)


@transaction.atomic
def playlist_track_remove(*, playlist: Playlist, track: Track) -> None:
    order = _locked(playlist)
    if track.pk not in order:
        return
    _write_order(playlist, [track_id for track_id in order if track_id != track.pk], removed=track.pk)


@transaction.atomic
def playlist_reorder(*, playlist: Playlist, tracks: list[Track]) -> None:
    """Put the playlist's tracks in exactly this order; the list must hold each of its tracks once."""
    order = _locked(playlist)
    wanted = [track.pk for track in tracks]
    if len(wanted) != len(set(wanted)) or set(wanted) != set(order):
        raise ApplicationError(
            "List every song of the playlist exactly once, in the new order.", code="invalid_order",
            fields={"tracks": ["Must hold each song of the playlist once."]},
        )
    if wanted != order:
        _write_order(playlist, wanted)


@transaction.atomic
def playlist_track_move(*, playlist: Playlist, track: Track, position: int) -> None:
    """Move one track to a position (0 is the top); positions past either end stop at the end."""
    order = _locked(playlist)
    if track.pk not in order:
        raise ApplicationError("That song is not in this playlist.", code="not_in_playlist")
    order.remove(track.pk)
    order.insert(max(0, min(position, len(order))), track.pk)
    _write_order(playlist, order)


def _write_order(playlist: Playlist, track_ids: list[int], *, removed: int | None = None) -> None:
    # The (playlist, position) rule is checked at commit, so every position can move in one statement.
    if removed is not None:
        PlaylistItem.objects.filter(playlist=playlist, track_id=removed).delete()
    items = list(PlaylistItem.objects.filter(playlist=playlist))
    position = {track_id: index for index, track_id in enumerate(track_ids)}
    moved = [item for item in items if item.position != position[item.track_id]]
    for item in moved:
        item.position = position[item.track_id]
    PlaylistItem.objects.bulk_update(moved, ["position"])
    _touch(playlist)


# --- export to Spotify -----------------------------------------------------------------------------------
@dataclass
class PlaylistExport:
    """What an export did, as the user is told."""

    playlist: Playlist
    exported: int
    skipped: int  # songs with no Spotify id, which Spotify cannot hold

    @property
    def spotify_url(self) -> str:
        return f"https://open.spotify.com/playlist/{self.playlist.spotify_id}"


def playlist_export(*, playlist: Playlist) -> PlaylistExport:
    """Copy the playlist into the owner's Spotify account as a new Spotify playlist, and remember it.

    Songs Spotify does not know (imported by name only) are left out and counted. Nothing is recorded unless
    the whole export succeeded; Spotify's API cannot delete a playlist, so a failure part-way may leave an
    incomplete copy there, which the next export replaces with a fresh one."""
    uris = [
        f"spotify:track:{spotify_id}"
        for spotify_id in playlist.items.order_by("position").values_list("track__spotify_id", flat=True)
        if spotify_id
    ]
    total = playlist.items.count()
    if not uris:
        raise ApplicationError(
            "None of these songs can be found on Spotify yet, so there is nothing to export.", code="nothing_to_export"
        )
    if not account_selectors.spotify_sign_in_configured():
        raise ApplicationError("Exporting to Spotify is not set up on this site, so the playlist stays here.",
                               code="spotify_not_configured", status_code=409)
    try:
        token = spotify_access_token(user=playlist.user)
    except SpotifyUnavailable:
        raise _spotify_unavailable() from None
    if token is None:
        raise ApplicationError(
            "Connect your Spotify account (Profile → Connected accounts) to export playlists to it.",
            code="spotify_not_connected", status_code=409,
        )
    client = spotify_client(token)
    try:
        created = client.current_user_playlist_create(
            playlist.name, public=False, description=playlist.description or "Made with Re-Wrapped"
        )
        for start in range(0, len(uris), SPOTIFY_ADD_BATCH):
            client.playlist_add_items(created["id"], uris[start:start + SPOTIFY_ADD_BATCH])
    except SpotifyException as exc:
        logger.warning("playlist export failed", extra={"playlist_id": playlist.pk, "status": exc.http_status,
                                                        "reason": str(exc.msg)[:200]})
        if exc.http_status in (401, 403):
            raise ApplicationError(
                "Spotify did not let us add a playlist to your account. Reconnect Spotify "
                "(Profile → Connected accounts) and try again.", code="spotify_not_allowed", status_code=409,
            ) from None
        raise _spotify_unavailable() from None
    except OSError:  # requests' connection errors and timeouts
        raise _spotify_unavailable() from None
    playlist.spotify_id = created["id"][:32]
    playlist.exported_at = timezone.now()
    playlist.save(update_fields=["spotify_id", "exported_at"])
    return PlaylistExport(playlist=playlist, exported=len(uris), skipped=total - len(uris))


def _spotify_unavailable() -> ApplicationError:
    return ApplicationError(
        "Spotify is not answering right now. Nothing was exported; try again in a few minutes.",
        code="spotify_unavailable", status_code=503,
    )


# --- starter picks ---------------------------------------------------------------------------------------
@transaction.atomic
def starter_pick_add(*, user: User, track: Track) -> StarterPick:
    """Add a song the user loves to their starter picks (at most STARTER_PICKS_MAX); picking it again changes
    nothing."""
    # The user row is the lock: two quick picks cannot both take the fiftieth place.
    User.objects.select_for_update().filter(pk=user.pk).first()
    existing = StarterPick.objects.filter(user=user, track=track).first()
    if existing:
        return existing
    if StarterPick.objects.filter(user=user).count() >= STARTER_PICKS_MAX:
        raise ApplicationError(
            f"You have picked {STARTER_PICKS_MAX} songs, the most there can be. Remove one to pick another.",
            code="too_many_picks", fields={"track": [f"At most {STARTER_PICKS_MAX} picks."]},
        )
    return StarterPick.objects.create(user=user, track=track)


def starter_pick_remove(*, user: User, track: Track) -> None:
    StarterPick.objects.filter(user=user, track=track).delete()
