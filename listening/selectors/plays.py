"""A listener's plays one by one: the history, newest first, a page at a time."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Count, Q

from accounts.models import User
from listening.models import Play, Track
from listening.periods import Period


def recent_plays(*, user: User, before: tuple[datetime, int] | None = None, limit: int = 50) -> list[Play]:
    """Newest plays first; `before` is the (ended_at, id) of the last play already shown."""
    plays = Play.objects.filter(user=user).select_related("track__artist", "track__album", "episode")
    if before:
        ended_at, play_id = before
        plays = plays.filter(Q(ended_at__lt=ended_at) | Q(ended_at=ended_at, id__lt=play_id))
    return list(plays.order_by("-ended_at", "-id")[:limit])


def history_cursor(play: Play) -> str:
    """Where the next page of history starts: after this play."""
    return f"{play.ended_at.isoformat()}~{play.pk}"


def history_cursor_parse(value: str | None) -> tuple[datetime, int] | None:
    """The (ended_at, id) a history cursor names, or None if it is not one."""
    try:
        moment, play_id = (value or "").split("~")
        ended_at = datetime.fromisoformat(moment)
        return (ended_at, int(play_id)) if ended_at.tzinfo else None
    except ValueError:
        return None


def has_history(*, user: User) -> bool:
    """Whether the listener has any play yet (imported or synced)."""
    return Play.objects.filter(user=user).exists()


def _skips_in(user: User, period: Period):
    start, until = period.utc_bounds(user.time_zone)
    plays = Play.objects.filter(user=user, kind=Play.Kind.MUSIC)
    if start:
        plays = plays.filter(ended_at__gte=start)
    if until:
        plays = plays.filter(ended_at__lt=until)
    return plays


def skip_counts(*, user: User, period: Period) -> dict:
    """Music plays in the period, how many were skipped (skips), and how many say whether they were (only the extended
    streaming history and sync do; account data does not)."""
    return _skips_in(user, period).aggregate(
        plays=Count("id"), skips=Count("id", filter=Q(skipped=True)),
        known=Count("id", filter=Q(skipped__isnull=False)),
    )


def top_skipped(*, user: User, period: Period) -> list[dict]:
    """Tracks by how often they were skipped in the period: [{"track": Track, "skips": n}], most first."""
    rows = list(_skips_in(user, period).filter(skipped=True).values("track_id").annotate(skips=Count("id")))
    tracks = Track.objects.select_related("artist").in_bulk([row["track_id"] for row in rows])
    return [{"track": tracks[row["track_id"]], "skips": row["skips"]} for row in rows]


def music_play_rows(*, user: User | None = None, since: datetime | None = None, until: datetime | None = None):
    """Music plays as (user_id, track_id, artist_id, ended_at, ms_played, skipped) tuples, each listener's in time
    order; everyone's when `user` is None (the recommender's co-listening model), streamed, not loaded at once."""
    plays = Play.objects.filter(kind=Play.Kind.MUSIC, track__isnull=False)
    if user is not None:
        plays = plays.filter(user=user)
    if since is not None:
        plays = plays.filter(ended_at__gte=since)
    if until is not None:
        plays = plays.filter(ended_at__lt=until)
    return (plays.order_by("user_id", "ended_at", "id")
            .values_list("user_id", "track_id", "artist_id", "ended_at", "ms_played", "skipped")
            .iterator(chunk_size=20_000))


def track_ids_played_since(*, user: User, since: datetime) -> set[int]:
    """The songs the listener played since `since` (the play-time index reads only those)."""
    return set(Play.objects.filter(user=user, ended_at__gte=since, track__isnull=False)
               .values_list("track_id", flat=True))
