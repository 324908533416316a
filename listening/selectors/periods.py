"""Which stored figures answer a period: the period totals while they are current (the whole period, or its
years and months with the days at its edges from the daily roll-ups), else the daily roll-ups alone."""

from __future__ import annotations

from datetime import date, timedelta

from django.db import connection

from accounts.models import User
from listening.models import (
    Album, Artist, DailyAlbumPlays, DailyArtistPlays, DailyTrackPlays, PeriodAlbumPlays, PeriodArtistPlays,
    PeriodGenrePlays, PeriodTotalsState, PeriodTrackPlays, Track,
)
from listening.periods import PRESETS, Period

# The tables each kind is kept in: daily roll-up, its item field and the catalog model; period totals.
TOP_KINDS = {
    "tracks": (DailyTrackPlays, "track", Track),
    "artists": (DailyArtistPlays, "artist", Artist),
    "albums": (DailyAlbumPlays, "album", Album),
}
PERIOD_KINDS = {
    "tracks": PeriodTrackPlays, "artists": PeriodArtistPlays, "albums": PeriodAlbumPlays, "genres": PeriodGenrePlays,
}


def periods_built_on(user: User) -> date | None:
    """The day the user's period totals were built, if they are current (read once per user object)."""
    try:
        return user.period_totals.built_on
    except PeriodTotalsState.DoesNotExist:
        return None


def stored_period(user: User, period: Period) -> str | None:
    """The period totals' key that holds exactly this period, if they are current: all time, a rolling preset
    (built today), a calendar year or a calendar month. None: read the daily roll-ups."""
    built_on = periods_built_on(user)
    if built_on is None:
        return None
    if period.key == "all":
        return "all"
    if period.key in PRESETS:
        return period.key if period.end == built_on else None
    keys, days = stored_parts(user, period) or ([], [])
    return keys[0] if len(keys) == 1 and not days else None


def stored_parts(user: User, period: Period) -> tuple[list[str], list[tuple[date, date]]] | None:
    """A custom period as the period totals' whole years and months plus the days left at its edges (read
    from the daily roll-ups), if the totals are current; None otherwise."""
    if periods_built_on(user) is None or not (period.start and period.end):
        return None
    keys, days, day = [], [], period.start
    while day <= period.end:
        next_month = (day.replace(day=1) + timedelta(days=32)).replace(day=1)
        if day.month == day.day == 1 and date(day.year, 12, 31) <= period.end:
            keys.append(f"{day:%Y}")
            day = date(day.year + 1, 1, 1)
        elif day.day == 1 and next_month - timedelta(days=1) <= period.end:
            keys.append(f"{day:%Y-%m}")
            day = next_month
        else:
            last = min(next_month - timedelta(days=1), period.end)
            days.append((day, last))
            day = last + timedelta(days=1)
    return keys, days


def _parts_sql(user: User, kind: str, parts) -> tuple[str, dict]:
    """The rows (item_id, plays, ms_played) of a period made of parts, to be summed per item."""
    keys, days = parts
    item = "genre" if kind == "genres" else TOP_KINDS[kind][1]
    daily = (
        "listening_dailyartistplays d JOIN listening_artistgenre g ON g.artist_id = d.artist_id" if item == "genre"
        else f"listening_daily{item}plays d"
    )
    params = {"user": user.pk, "keys": keys, **{f"from_{n}": a for n, (a, _) in enumerate(days)},
              **{f"to_{n}": b for n, (_, b) in enumerate(days)}}
    in_days = " OR ".join(f"d.day BETWEEN %(from_{n})s AND %(to_{n})s" for n in range(len(days))) or "false"
    sql = f"""SELECT {item}_id AS item_id, plays, ms_played FROM listening_period{item}plays
              WHERE user_id = %(user)s AND period = ANY(%(keys)s::text[])
              UNION ALL
              SELECT {"g.genre_id" if item == "genre" else f"d.{item}_id"}, d.plays, d.ms_played FROM {daily}
              WHERE d.user_id = %(user)s AND ({in_days})"""
    return sql, params


def parts_top_rows(user: User, kind: str, parts, *, by: str, offset: int, limit: int) -> list[dict]:
    sql, params = _parts_sql(user, kind, parts)
    order = "ms DESC, plays DESC" if by == "minutes" else "plays DESC, ms DESC"
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT item_id, sum(plays) AS plays, sum(ms_played) AS ms FROM ({sql}) parts GROUP BY item_id "
            f"ORDER BY {order}, item_id LIMIT %(limit)s OFFSET %(offset)s",
            {**params, "limit": limit, "offset": offset},
        )
        return [{"item_id": item_id, "plays": plays, "ms": ms} for item_id, plays, ms in cursor.fetchall()]


def parts_distinct(user: User, kind: str, parts) -> int:
    sql, params = _parts_sql(user, kind, parts)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(DISTINCT item_id) FROM ({sql}) parts", params)
        return cursor.fetchone()[0]
