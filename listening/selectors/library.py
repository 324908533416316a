"""Reads for a user's library: playlists, favourites, ratings, starter picks. Every write is in
listening/services/library.py."""

from __future__ import annotations

from django.db.models import Count, Exists, Max, OuterRef, Prefetch, QuerySet, Subquery
from django.shortcuts import get_object_or_404

from accounts.models import User
from listening.models import Favourite, Playlist, PlaylistItem, StarterPick, Track, TrackRating

STARTER_PICKS_MAX = 50
STARTER_PICKS_WARN_FROM = 45


def playlists_of(*, user: User) -> QuerySet[Playlist]:
    return Playlist.objects.filter(user=user).annotate(track_count=Count("items"))


def playlist_of(*, user: User, public_id) -> Playlist:
    """The user's own playlist, or 404: another user's playlist is as good as missing, for everyone."""
    return get_object_or_404(Playlist, public_id=public_id, user=user)


def playlist_items(*, playlist: Playlist) -> list[PlaylistItem]:
    return list(playlist.items.select_related("track__artist", "track__album").order_by("position"))


def favourites_of(*, user: User) -> QuerySet[Favourite]:
    return Favourite.objects.filter(user=user).select_related("track__artist", "track__album")


def ratings_of(*, user: User) -> QuerySet[TrackRating]:
    return TrackRating.objects.filter(user=user).select_related("track__artist", "track__album").order_by("-rated_at")


def starter_picks_of(*, user: User) -> QuerySet[StarterPick]:
    return StarterPick.objects.filter(user=user).select_related("track__artist", "track__album")


def starter_picks_summary(*, user: User) -> dict:
    """The user's picks with the count, the limit and, once they near it, a warning to show."""
    picks = list(starter_picks_of(user=user))
    return {"count": len(picks), "limit": STARTER_PICKS_MAX, "warning": starter_picks_warning(len(picks)),
            "picks": picks}


def starter_picks_warning(count: int) -> str:
    if count >= STARTER_PICKS_MAX:
        return f"You have picked {STARTER_PICKS_MAX} songs, the most there can be. Remove one to pick another."
    if count >= STARTER_PICKS_WARN_FROM:
        left = STARTER_PICKS_MAX - count
        return f"Only {left} pick{'s' if left != 1 else ''} left: keep them for the songs you love most."
    return ""


def with_library_marks(tracks: QuerySet[Track], *, user: User) -> QuerySet[Track]:
    """Tracks annotated with what this user did with them: is_favourite, is_picked and my_stars."""
    return tracks.annotate(
        is_favourite=Exists(Favourite.objects.filter(user=user, track=OuterRef("pk"))),
        is_picked=Exists(StarterPick.objects.filter(user=user, track=OuterRef("pk"))),
        my_stars=Subquery(TrackRating.objects.filter(user=user, track=OuterRef("pk")).values("stars")[:1]),
    )


def library_export(user: User) -> dict:
    """The user's library for the "download my data" export."""

    def track(track: Track) -> dict:
        return {"id": str(track.public_id), "name": track.name, "artist": track.artist.name,
                "spotify_id": track.spotify_id}

    items = PlaylistItem.objects.select_related("track__artist").order_by("position")
    playlists = Playlist.objects.filter(user=user).prefetch_related(Prefetch("items", queryset=items))
    return {
        "favourites": [
            {"track": track(f.track), "added_at": f.created_at.isoformat()} for f in favourites_of(user=user)
        ],
        "ratings": [
            {"track": track(r.track), "stars": r.stars, "rated_at": r.rated_at.isoformat()}
            for r in ratings_of(user=user)
        ],
        "starter_picks": [
            {"track": track(p.track), "picked_at": p.created_at.isoformat()} for p in starter_picks_of(user=user)
        ],
        "playlists": [
            {
                "id": str(p.public_id), "name": p.name, "description": p.description,
                "created_at": p.created_at.isoformat(), "spotify_id": p.spotify_id or None,
                "exported_at": p.exported_at.isoformat() if p.exported_at else None,
                "tracks": [track(item.track) for item in p.items.all()],
            }
            for p in playlists.order_by("created_at")
        ],
    }


def library_stamp(*, user: User) -> str:
    """A value that changes whenever the user's favourites, ratings or starter picks do, for what is cached from
    them (the mood recommender's candidates)."""
    parts = [model.objects.filter(user=user).aggregate(n=Count("id"), at=Max(stamp))
             for model, stamp in ((Favourite, "created_at"), (TrackRating, "rated_at"), (StarterPick, "created_at"))]
    return "-".join(f"{part['n']}.{part['at'].timestamp() if part['at'] else 0:.6f}" for part in parts)
