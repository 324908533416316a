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


def music_plays_within(*, user: User, spans: list[tuple[datetime, datetime]]) -> list[Play]:
    """Songs the listener played that ended inside any of the [start, end) spans, oldest first, with their track,
    artist and album: what a higher app matches against moments of its own (the moods a listener was in)."""
    if not spans:
        return []
    inside = Q()
    for start, end in spans:
        inside |= Q(ended_at__gte=start, ended_at__lt=end)
    plays = Play.objects.filter(inside, user=user, kind=Play.Kind.MUSIC)
    plays = plays.select_related("track__artist", "track__album")
    return list(plays.order_by("ended_at", "id"))


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
