"""Who plays which artists: what the apps above listening may know of listeners' plays (events' fetch plan,
targeting and notices), and which songs listeners like one play most (the mood recommender)."""

from __future__ import annotations

from functools import reduce
from operator import or_

from django.db.models import Case, Count, F, Q, QuerySet, Sum, Value, When, Window
from django.db.models.functions import RowNumber

from accounts.models import User
from listening.models import Artist, DailyArtistPlays, PeriodArtistPlays, Play


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


def songs_of_listeners_like(*, user: User, traits: dict[str, dict], min_ms: int,
                            limit: int) -> dict[frozenset[str], tuple[int, dict[int, int]]]:
    """Other listeners who share some of `traits` (each a name and its lookups on User) with `user`, grouped by
    which ones they share: for each group, how many of them played music in full (≥ `min_ms`) and how many of
    them played each of its `limit` most shared songs. The user's own plays are never counted."""
    names = list(traits)
    shares = {name: Q(**{f"user__{field}": value for field, value in traits[name].items()}) for name in names}
    group = sum((Case(When(shares[name], then=Value(1 << bit)), default=Value(0)) for bit, name in enumerate(names)),
                Value(0))
    plays = (Play.objects.filter(reduce(or_, shares.values()), kind=Play.Kind.MUSIC, track__isnull=False,
                                 ms_played__gte=min_ms, user__is_active=True)
             .exclude(user=user).annotate(group=group))
    sizes = dict(plays.values_list("group").annotate(listeners=Count("user_id", distinct=True)).order_by())
    songs = (plays.values("group", "track_id")
             .annotate(listeners=Count("user_id", distinct=True), plays=Count("id"))
             .annotate(rank=Window(RowNumber(), partition_by=F("group"),
                                   order_by=(F("listeners").desc(), F("plays").desc(), F("track_id").asc())))
             .filter(rank__lte=limit).order_by())
    groups: dict[frozenset[str], tuple[int, dict[int, int]]] = {}
    for mask, size in sizes.items():
        shared = frozenset(name for bit, name in enumerate(names) if mask & (1 << bit))
        groups[shared] = (size, {})
    for row in songs:
        shared = frozenset(name for bit, name in enumerate(names) if row["group"] & (1 << bit))
        groups[shared][1][row["track_id"]] = row["listeners"]
    return groups
