"""The daily roll-ups, kept by folding plays in as they are added (never by re-reading all history)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta

from django.db import connection, transaction

from accounts.models import User
from listening.selectors.stats import stats_version_key
from rewrapped.redis import version_bump

# Serializes writers of one user's history (an import and a sync at once), so the dedupe window and the
# roll-up rows see one writer at a time. Other users are not blocked.
USER_HISTORY_LOCK = 0x5EC0


def history_lock(cursor, user_id: int) -> None:
    """Take the user's history lock until the transaction ends. Everything their stats are read from changes
    only under it, so the stats cached for them are read again (listening/api/stats.py)."""
    cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [USER_HISTORY_LOCK, user_id])
    version_bump(stats_version_key(user_id))


def fold_ctes(source: str) -> str:
    """CTEs that add the plays of `source` (a CTE or subquery with user_id-less columns kind, track_id,
    artist_id, album_id, ended_at, ms_played, skipped) to every roll-up, grouped by the user's local day.
    The statement using them passes %(user_id)s and %(time_zone)s."""
    rollups = "\n".join(
        f"""), rollup_{item} AS (
    INSERT INTO listening_daily{item}plays AS r (user_id, day, {item}_id, plays, ms_played)
    SELECT %(user_id)s, day, {item}_id, count(*), sum(ms_played) FROM local_plays
    WHERE {item}_id IS NOT NULL GROUP BY day, {item}_id
    ON CONFLICT (user_id, day, {item}_id)
    DO UPDATE SET plays = r.plays + excluded.plays, ms_played = r.ms_played + excluded.ms_played"""
        for item in ("track", "artist", "album")
    )
    return f"""local_plays AS MATERIALIZED (
    SELECT kind, track_id, artist_id, album_id, ms_played, skipped,
           (ended_at AT TIME ZONE %(time_zone)s)::date AS day,
           extract(hour FROM ended_at AT TIME ZONE %(time_zone)s)::smallint AS hour
    FROM {source}
), rollup_hourly AS (
    INSERT INTO listening_hourlylistening AS r (user_id, day, hour, kind, plays, ms_played, skips)
    SELECT %(user_id)s, day, hour, kind, count(*), sum(ms_played), count(*) FILTER (WHERE skipped)
    FROM local_plays GROUP BY day, hour, kind
    ON CONFLICT (user_id, day, hour, kind) DO UPDATE SET
        plays = r.plays + excluded.plays, ms_played = r.ms_played + excluded.ms_played, skips = r.skips + excluded.skips
{rollups})"""


ROLLUP_TABLES = (
    "listening_hourlylistening", "listening_dailytrackplays", "listening_dailyartistplays", "listening_dailyalbumplays",
)


def rollups_refold(cursor, *, user: User, days: Iterable[date]) -> None:
    """Fold the plays of these local days again, after plays of them changed or went (a pairing, an undone
    import): their roll-up rows become what their plays now give. Inside the caller's transaction and lock."""
    days = sorted(set(days))
    if not days:
        return
    # Local days lie within a day of the UTC day: the (user, time) index narrows to these, the day test picks.
    params = {"user_id": user.pk, "time_zone": user.time_zone, "days": days,
              "first": datetime.combine(days[0] - timedelta(days=1), time.min, UTC),
              "last": datetime.combine(days[-1] + timedelta(days=2), time.min, UTC)}
    for table in ROLLUP_TABLES:
        cursor.execute(f"DELETE FROM {table} WHERE user_id = %(user_id)s AND day = ANY(%(days)s)", params)
    cursor.execute(
        "WITH day_plays AS (SELECT kind, track_id, artist_id, album_id, ended_at, ms_played, skipped "
        "FROM listening_play WHERE user_id = %(user_id)s AND ended_at >= %(first)s AND ended_at < %(last)s "
        "AND (ended_at AT TIME ZONE %(time_zone)s)::date = ANY(%(days)s)), " + fold_ctes("day_plays") + " SELECT 1",
        params,
    )


@transaction.atomic
def rollups_rebuild(*, user: User) -> None:
    """Fold all of a user's plays again, after their time zone changed or tracks were merged, and rebuild the
    period totals and sessions from them."""
    params = {"user_id": user.pk, "time_zone": user.time_zone}
    with connection.cursor() as cursor:
        history_lock(cursor, user.pk)
        for table in ROLLUP_TABLES:
            cursor.execute(f"DELETE FROM {table} WHERE user_id = %(user_id)s", params)
        cursor.execute(
            "WITH user_plays AS (SELECT kind, track_id, artist_id, album_id, ended_at, ms_played, skipped "
            "FROM listening_play WHERE user_id = %(user_id)s), "
            + fold_ctes("user_plays") + " SELECT 1",
            params,
        )
    from listening.services.periods import period_totals_rebuild

    period_totals_rebuild(user=user)


def rollups_audit(*, since) -> list[int]:
    """Compare the roll-ups of everyone who listened since `since` with their plays, and rebuild any
    that disagree (a play deleted by hand, a bug): returns the ids of users rebuilt. Run nightly."""
    with connection.cursor() as cursor:
        cursor.execute(
            """WITH active AS (SELECT DISTINCT user_id FROM listening_play WHERE ended_at >= %s),
                    played AS (SELECT p.user_id, count(*) AS plays, coalesce(sum(p.ms_played), 0) AS ms
                               FROM listening_play p JOIN active USING (user_id) GROUP BY p.user_id),
                    rolled AS (SELECT h.user_id, sum(h.plays) AS plays, sum(h.ms_played) AS ms
                               FROM listening_hourlylistening h JOIN active USING (user_id) GROUP BY h.user_id)
               SELECT played.user_id FROM played LEFT JOIN rolled USING (user_id)
               WHERE rolled.plays IS DISTINCT FROM played.plays OR rolled.ms IS DISTINCT FROM played.ms""",
            [since],
        )
        drifted = [user_id for (user_id,) in cursor.fetchall()]
    for user in User.objects.filter(pk__in=drifted):
        rollups_rebuild(user=user)
    return drifted
