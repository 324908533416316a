"""Period totals and listening sessions: what lets a million-play history answer a dashboard in milliseconds.

Both are derived from the plays (through the daily roll-ups for the totals). A bulk import marks them out of date
and a worker rebuilds them once it has committed; small additions (sync) fold into them as they are added; a
nightly beat task rebuilds everyone's whose rolling windows moved on. Readers use them only while they are current
(`PeriodTotalsState`), and fall back to the daily roll-ups otherwise, so a figure is never stale, only slower.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

from django.db import connection, transaction

from accounts.models import User
from listening.models import PeriodTotalsState
from listening.periods import PRESETS, user_today
from listening.selectors.stats import SESSION_GAP
from listening.services.rollups import history_lock

ROLLING = {key: days for key, (_, days) in PRESETS.items() if days}
PERIOD_ITEMS = ("track", "artist", "album")
PERIOD_TABLES = (
    "listening_periodtrackplays", "listening_periodartistplays", "listening_periodalbumplays",
    "listening_periodgenreplays", "listening_perioditemcounts", "listening_listeningsession",
)


def _period_keys(day: str) -> str:
    """The periods a local day falls into, as a LATERAL VALUES list over the SQL expression `day`."""
    rolling = ", ".join(f"(CASE WHEN {day} >= %(start_{key})s THEN '{key}' END)" for key in ROLLING)
    return f"(VALUES ('all'), (to_char({day}, 'YYYY')), (to_char({day}, 'YYYY-MM')), {rolling})"


def rolling_starts(built_on: date) -> dict:
    """The first day of each rolling window ending on `built_on`, as statement parameters."""
    return {f"start_{key}": built_on - timedelta(days=days - 1) for key, days in ROLLING.items()}


def _upsert(table: str, item: str) -> str:
    return f"""INSERT INTO {table} AS r (user_id, {item}_id, period, plays, ms_played, first_day, last_day)"""


_ADD_ON_CONFLICT = """
    DO UPDATE SET plays = r.plays + excluded.plays, ms_played = r.ms_played + excluded.ms_played,
                  first_day = least(r.first_day, excluded.first_day),
                  last_day = greatest(r.last_day, excluded.last_day)"""


def period_fold_ctes() -> str:
    """CTEs (after fold_ctes, which defines local_plays) that add the new plays to the period totals. The
    statement passes %(user_id)s and rolling_starts()."""
    item_ctes = "".join(
        f"""
), period_{item} AS (
    {_upsert(f"listening_period{item}plays", item)}
    SELECT %(user_id)s, {item}_id, period, count(*), sum(ms_played), min(day), max(day) FROM period_local
    WHERE {item}_id IS NOT NULL GROUP BY {item}_id, period
    ON CONFLICT (user_id, {item}_id, period){_ADD_ON_CONFLICT}
    RETURNING period, xmax = 0 AS added"""
        for item in PERIOD_ITEMS
    )
    return f"""period_local AS MATERIALIZED (
    SELECT p.period, l.track_id, l.artist_id, l.album_id, l.ms_played, l.day
    FROM local_plays l CROSS JOIN LATERAL {_period_keys("l.day")} AS p(period)
    WHERE l.kind = 'music' AND p.period IS NOT NULL{item_ctes}
), period_genre AS (
    {_upsert("listening_periodgenreplays", "genre")}
    SELECT %(user_id)s, g.genre_id, l.period, count(*), sum(l.ms_played), min(l.day), max(l.day)
    FROM period_local l JOIN listening_artistgenre g ON g.artist_id = l.artist_id GROUP BY g.genre_id, l.period
    ON CONFLICT (user_id, genre_id, period){_ADD_ON_CONFLICT}
), period_counts AS (
    -- xmax = 0: the row was inserted, not updated, so the period has one more distinct track or artist.
    INSERT INTO listening_perioditemcounts AS r (user_id, period, tracks, artists)
    SELECT %(user_id)s, period, count(*) FILTER (WHERE kind = 'track'), count(*) FILTER (WHERE kind = 'artist')
    FROM (SELECT period, 'track' AS kind FROM period_track WHERE added
          UNION ALL SELECT period, 'artist' FROM period_artist WHERE added) new_items
    GROUP BY period
    ON CONFLICT (user_id, period)
    DO UPDATE SET tracks = r.tracks + excluded.tracks, artists = r.artists + excluded.artists
)"""


# Sessions from the plays ending inside any of the windows [%(from)s[i], %(until)s[i]]: a new one starts when a
# play starts more than the gap after the previous one ended. Windows hold whole sessions and lie more than a gap
# apart, so numbering their plays together splits them correctly.
_SESSIONS_INSERT = """
INSERT INTO listening_listeningsession (user_id, started_at, ended_at, plays)
SELECT %(user_id)s, min(started_at), max(ended_at), count(*) FROM (
    SELECT started_at, ended_at,
           count(*) FILTER (WHERE previous_end IS NULL OR started_at - previous_end > %(gap)s)
               OVER (ORDER BY ended_at, id) AS session
    FROM (SELECT id, ended_at, ended_at - ms_played * interval '1 millisecond' AS started_at,
                 lag(ended_at) OVER (ORDER BY ended_at, id) AS previous_end
          FROM (SELECT DISTINCT p.id, p.ended_at, p.ms_played  -- one index range per window
                FROM unnest(%(from)s::timestamptz[], %(until)s::timestamptz[]) AS w(first, last)
                CROSS JOIN LATERAL (
                    SELECT id, ended_at, ms_played FROM listening_play
                    WHERE user_id = %(user_id)s AND ended_at BETWEEN w.first AND w.last
                ) p) in_windows
         ) plays
) numbered GROUP BY session
"""


def listening_stretches(plays: list[tuple[datetime, datetime]]) -> Iterator[tuple[datetime, datetime]]:
    """(start, end) of each run of the (start, end)-sorted plays with no silence longer than a session's gap."""
    start, end = plays[0]
    for play_start, play_end in plays[1:]:
        if play_start - end > SESSION_GAP:
            yield start, end
            start = play_start
        end = max(end, play_end)
    yield start, end


def sessions_refresh(cursor, *, user: User, plays: list[tuple[datetime, datetime]]) -> None:
    """Recompute the sessions that just-added plays ((start, end) pairs) may join or split: the sessions within a
    gap of them are replaced by those made from all their plays, in two statements however scattered they are."""
    stretches = list(listening_stretches(sorted(plays)))
    params = {"user_id": user.pk, "gap": SESSION_GAP, "from": [s for s, _ in stretches],
              "until": [e for _, e in stretches]}
    cursor.execute(
        """WITH stretch AS (
               SELECT * FROM unnest(%(from)s::timestamptz[], %(until)s::timestamptz[]) AS s(first, last)
           ), touched AS (
               DELETE FROM listening_listeningsession x USING stretch s
               WHERE x.user_id = %(user_id)s AND x.ended_at >= s.first - %(gap)s AND x.started_at <= s.last + %(gap)s
               RETURNING x.started_at, x.ended_at
           )
           SELECT least(s.first, min(t.started_at)), greatest(s.last, max(t.ended_at)) FROM stretch s
           LEFT JOIN touched t ON t.ended_at >= s.first - %(gap)s AND t.started_at <= s.last + %(gap)s
           GROUP BY s.first, s.last""",
        params,
    )
    windows = cursor.fetchall()
    params["from"], params["until"] = [first for first, _ in windows], [last for _, last in windows]
    cursor.execute(_SESSIONS_INSERT, params)


@transaction.atomic
def period_totals_rebuild(*, user: User) -> PeriodTotalsState:
    """Rebuild a user's period totals (from the daily roll-ups) and sessions (from the plays), with the rolling
    windows ending today in their time zone."""
    built_on = user_today(user)
    params = {"user_id": user.pk, "gap": SESSION_GAP, "from": [datetime.min.replace(tzinfo=UTC)],
              "until": [datetime.max.replace(tzinfo=UTC)], **rolling_starts(built_on)}
    with connection.cursor() as cursor:
        history_lock(cursor, user.pk)
        for table in PERIOD_TABLES:
            cursor.execute(f"DELETE FROM {table} WHERE user_id = %(user_id)s", params)
        for item in PERIOD_ITEMS:
            cursor.execute(
                f"""{_upsert(f"listening_period{item}plays", item)}
                    SELECT %(user_id)s, d.{item}_id, p.period, sum(d.plays), sum(d.ms_played), min(d.day), max(d.day)
                    FROM listening_daily{item}plays d CROSS JOIN LATERAL {_period_keys("d.day")} AS p(period)
                    WHERE d.user_id = %(user_id)s AND p.period IS NOT NULL GROUP BY d.{item}_id, p.period""",
                params,
            )
        cursor.execute(
            f"""{_upsert("listening_periodgenreplays", "genre")}
                SELECT %(user_id)s, g.genre_id, p.period, sum(d.plays), sum(d.ms_played), min(d.day), max(d.day)
                FROM listening_dailyartistplays d JOIN listening_artistgenre g ON g.artist_id = d.artist_id
                CROSS JOIN LATERAL {_period_keys("d.day")} AS p(period)
                WHERE d.user_id = %(user_id)s AND p.period IS NOT NULL GROUP BY g.genre_id, p.period""",
            params,
        )
        cursor.execute(
            """INSERT INTO listening_perioditemcounts (user_id, period, tracks, artists)
               SELECT %(user_id)s, period, coalesce(t.n, 0), coalesce(a.n, 0)
               FROM (SELECT period, count(*) AS n FROM listening_periodtrackplays WHERE user_id = %(user_id)s
                     GROUP BY period) t
               FULL JOIN (SELECT period, count(*) AS n FROM listening_periodartistplays WHERE user_id = %(user_id)s
                          GROUP BY period) a USING (period)""",
            params,
        )
        cursor.execute(_SESSIONS_INSERT, params)
    state, _ = PeriodTotalsState.objects.update_or_create(user=user, defaults={"built_on": built_on})
    user.period_totals = state  # readers holding this user see it current at once
    return state


def period_totals_due() -> list[int]:
    """Ids of users whose period totals are out of date: marked by a bulk import, never built though they have
    listened, or built before today in their time zone (the rolling windows have moved on)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT u.id FROM accounts_user u LEFT JOIN listening_periodtotalsstate s ON s.user_id = u.id
               WHERE (s.user_id IS NOT NULL AND (s.built_on IS NULL
                                                 OR s.built_on < (now() AT TIME ZONE u.time_zone)::date))
                  OR (s.user_id IS NULL AND EXISTS (SELECT 1 FROM listening_hourlylistening h WHERE h.user_id = u.id))
               ORDER BY u.id"""
        )
        return [user_id for (user_id,) in cursor.fetchall()]


def artist_genres_add(*, pairs: list[tuple[int, int]], source: str) -> int:
    """Record that artists belong to genres ((artist id, genre id) pairs; ones already known are skipped) and add
    those artists' plays to the genre's period totals of everyone who played them. Returns how many were new."""
    if not pairs:
        return 0
    with connection.cursor() as cursor:
        cursor.execute(
            f"""WITH added AS (
                    INSERT INTO listening_artistgenre (artist_id, genre_id, source)
                    SELECT artist_id, genre_id, %(source)s
                    FROM unnest(%(artists)s::bigint[], %(genres)s::bigint[]) AS n(artist_id, genre_id)
                    ON CONFLICT DO NOTHING
                    RETURNING artist_id, genre_id
                ), folded AS (
                    {_upsert("listening_periodgenreplays", "genre")}
                    SELECT a.user_id, added.genre_id, a.period, sum(a.plays), sum(a.ms_played), min(a.first_day),
                           max(a.last_day)
                    FROM added JOIN listening_periodartistplays a ON a.artist_id = added.artist_id
                    GROUP BY a.user_id, added.genre_id, a.period
                    ON CONFLICT (user_id, genre_id, period){_ADD_ON_CONFLICT}
                )
                SELECT count(*) FROM added""",
            {"source": source, "artists": [a for a, _ in pairs], "genres": [g for _, g in pairs]},
        )
        return cursor.fetchone()[0]
