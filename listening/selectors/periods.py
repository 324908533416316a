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


def _edges_sql(item: str) -> str:
    """CTE `edge`: the days a period has at its edges (from the daily roll-ups), summed per item for each edge
    (n): one index range of days each."""
    rows = (
        "SELECT artist_id, plays, ms_played FROM listening_dailyartistplays" if item == "genre"
        else f"SELECT {item}_id, plays, ms_played FROM listening_daily{item}plays"
    )
    genre = "JOIN listening_artistgenre g ON g.artist_id = d.artist_id" if item == "genre" else ""
    item_id = "g.genre_id" if item == "genre" else f"d.{item}_id"
    return f"""edge AS MATERIALIZED (
        SELECT e.n, {item_id} AS item_id, sum(d.plays)::bigint AS plays, sum(d.ms_played)::bigint AS ms_played
        FROM unnest(%(from)s::date[], %(to)s::date[]) WITH ORDINALITY AS e(first, last, n)
        CROSS JOIN LATERAL ({rows} WHERE user_id = %(user)s AND day BETWEEN e.first AND e.last) d {genre}
        GROUP BY e.n, {item_id}
    )"""


def _parts_params(user: User, parts) -> dict:
    keys, days = parts
    return {"user": user.pk, "keys": keys, "from": [a for a, _ in days], "to": [b for _, b in days],
            "parts": len(keys) + len(days)}


def _item(kind: str) -> str:
    return "genre" if kind == "genres" else TOP_KINDS[kind][1]


def parts_top_rows(user: User, kind: str, parts, *, by: str, offset: int, limit: int) -> list[dict]:
    """The top items of a period made of parts, summing only the items that can be among them: any item in the
    top `offset + limit` has at least the most any one part gives its `offset + limit`-th item (the bar), so it
    has at least bar / parts in some part. Long tails of items played a few times are never summed."""
    item, measure = _item(kind), "ms_played" if by == "minutes" else "plays"
    order = "ms DESC, plays DESC" if by == "minutes" else "plays DESC, ms DESC"
    totals = f"listening_period{item}plays"
    with connection.cursor() as cursor:
        cursor.execute(
            f"""WITH {_edges_sql(item)}, bar AS (
                    SELECT coalesce(max(value), 0) AS low FROM (
                        SELECT (SELECT {measure} FROM {totals} WHERE user_id = %(user)s AND period = k
                                ORDER BY {measure} DESC OFFSET %(rank)s - 1 LIMIT 1) AS value
                        FROM unnest(%(keys)s::text[]) AS k
                        UNION ALL
                        SELECT {measure} FROM (
                            SELECT {measure}, row_number() OVER (PARTITION BY n ORDER BY {measure} DESC) AS place
                            FROM edge) ranked
                        WHERE place = %(rank)s
                    ) part_values
                ), candidates AS MATERIALIZED (
                    SELECT t.{item}_id AS item_id FROM bar, {totals} t
                    WHERE t.user_id = %(user)s AND t.period = ANY(%(keys)s::text[])
                      AND t.{measure} >= (bar.low + %(parts)s - 1) / %(parts)s
                    UNION
                    SELECT item_id FROM bar, edge WHERE {measure} >= (bar.low + %(parts)s - 1) / %(parts)s
                )
                SELECT item_id, sum(plays)::bigint AS plays, sum(ms_played)::bigint AS ms FROM (
                    SELECT t.{item}_id AS item_id, t.plays, t.ms_played FROM {totals} t
                    WHERE t.user_id = %(user)s AND t.period = ANY(%(keys)s::text[])
                      AND t.{item}_id IN (SELECT item_id FROM candidates)
                    UNION ALL
                    SELECT item_id, plays, ms_played FROM edge WHERE item_id IN (SELECT item_id FROM candidates)
                ) summed GROUP BY item_id ORDER BY {order}, item_id LIMIT %(limit)s OFFSET %(offset)s""",
            {**_parts_params(user, parts), "rank": offset + limit, "limit": limit, "offset": offset},
        )
        return [{"item_id": item_id, "plays": plays, "ms": ms} for item_id, plays, ms in cursor.fetchall()]


def parts_distinct(user: User, kind: str, parts) -> int:
    item = _item(kind)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""SELECT count(DISTINCT item_id) FROM (
                    SELECT {item}_id AS item_id FROM listening_period{item}plays
                    WHERE user_id = %(user)s AND period = ANY(%(keys)s::text[])
                    UNION ALL
                    SELECT d.{item}_id FROM unnest(%(from)s::date[], %(to)s::date[]) AS e(first, last)
                    CROSS JOIN LATERAL (SELECT {item}_id FROM listening_daily{item}plays
                                        WHERE user_id = %(user)s AND day BETWEEN e.first AND e.last) d
                ) items""",
            _parts_params(user, parts),
        )
        return cursor.fetchone()[0]
