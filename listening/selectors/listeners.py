"""Who plays which artists: what the apps above listening may know of listeners' plays (events' fetch plan,
targeting and notices)."""

from __future__ import annotations

from django.db.models import Count, QuerySet, Sum

from accounts.models import User
from listening.models import Artist, DailyArtistPlays, PeriodArtistPlays


def played_any(*, user: User, artist_ids: list[int]) -> bool:
    """Whether the user ever played any of these artists (the daily roll-ups hold the whole history)."""
    return DailyArtistPlays.objects.filter(user=user, artist_id__in=artist_ids).exists()


def listener_ids_of(*, artist_ids: list[int] | set[int]) -> QuerySet:
    """The ids of users who ever played any of these artists (all-time period totals), as a subquery."""
    return PeriodArtistPlays.objects.filter(period="all", artist_id__in=artist_ids).values("user_id")


def artists_most_listened(*, limit: int) -> list[Artist]:
    """The artists most users play, then the most played, of all time: most first."""
    artist_ids = list(
        PeriodArtistPlays.objects.filter(period="all").values("artist_id")
        .annotate(listeners=Count("user_id"), plays=Sum("plays"))
        .order_by("-listeners", "-plays", "artist_id").values_list("artist_id", flat=True)[:limit]
    )
    artists = Artist.objects.in_bulk(artist_ids)
    return [artists[pk] for pk in artist_ids if pk in artists]
