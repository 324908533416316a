"""Reads of a user's listening history."""

from django.db.models import Count, Sum

from accounts.models import User
from listening.models import Artist, Play


def listening_totals(*, user: User) -> dict:
    totals = Play.objects.filter(user=user, kind=Play.Kind.MUSIC).aggregate(
        plays=Count("id"), ms=Sum("ms_played"), artists=Count("artist", distinct=True)
    )
    return {"plays": totals["plays"], "minutes": (totals["ms"] or 0) // 60000, "artists": totals["artists"]}


def top_artists(*, user: User, limit: int = 5) -> list[dict]:
    """The user's most played artists of all time: [{"artist", "plays", "minutes"}], most plays first."""
    counts = (
        Play.objects.filter(user=user, kind=Play.Kind.MUSIC)
        .values("artist_id")
        .annotate(plays=Count("id"), ms=Sum("ms_played"))
        .order_by("-plays", "artist_id")[:limit]
    )
    artists = Artist.objects.in_bulk([row["artist_id"] for row in counts])
    return [{"artist": artists[row["artist_id"]], "plays": row["plays"], "minutes": row["ms"] // 60000} for row in counts]
