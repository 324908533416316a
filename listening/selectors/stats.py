"""A listener's stats: totals, tops, the listening clock, streaks, sessions, genres over time and one item's
history. Anything spanning more than a day reads the roll-ups, not the plays."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import connection
from django.db.models import Count, F, Max, Min, Sum
from django.db.models.functions import ExtractIsoWeekDay, TruncMonth

from accounts.models import User
from listening.models import (
    Album, Artist, DailyArtistPlays, Genre, HourlyListening, PeriodGenrePlays, PeriodItemCounts, Play, Track,
)
from listening.periods import Period, period_of, period_parse, user_today
from listening.selectors.periods import (
    PERIOD_KINDS, TOP_KINDS, parts_distinct, parts_top_rows, periods_built_on, stored_parts, stored_period,
)

# A new session starts after this long without listening.
SESSION_GAP = timedelta(minutes=30)

ITEM_KINDS = {Track: "tracks", Artist: "artists", Album: "albums"}
WEEKEND = frozenset({6, 7})  # ISO weekdays


def stats_version_key(user_id: int) -> str:
    """The Redis key of the version a listener's cached stats are stored under (rewrapped.redis.versioned_get):
    listening.services.rollups.history_lock replaces it whenever their history changes."""
    return f"listening:stats-version:{user_id}"


@dataclass
class TopEntry:
    rank: int
    item: Track | Artist | Album | Genre
    plays: int
    minutes: int


def default_period(*, user: User) -> Period:
    """The period a page opens on: the shortest preset holding the latest listening, else the calendar year of
    the latest listening (an old export opens on its last year, a Wrapped of it, rather than on empty weeks or
    on all time, which would blur its years together); the last 4 weeks for a listener with none."""
    today = user_today(user)
    latest = HourlyListening.objects.filter(user=user, day__lte=today).aggregate(day=Max("day"))["day"]
    for key in ("4w", "6m", "1y"):
        period = period_parse(user=user, key=key)
        if latest is None or latest >= period.start:
            return period
    return period_of(date(latest.year, 1, 1), date(latest.year, 12, 31), str(latest.year))


def _days(queryset, period: Period, weekdays: frozenset[int] | None):
    queryset = queryset.filter(**period.day_filter())
    if weekdays:
        queryset = queryset.annotate(weekday=ExtractIsoWeekDay("day")).filter(weekday__in=weekdays)
    return queryset


def totals(*, user: User, period: Period, weekdays: frozenset[int] | None = None) -> dict:
    """Minutes and plays of music, podcasts and audiobooks, and distinct artists and tracks."""
    # Summed per kind and day, then per kind here: counting distinct days in SQL sorted every hour of the
    # period (a heavy listener's all-time totals took 31 ms that way, 8 ms this way).
    by_kind: dict[str, dict] = {}
    for row in (
        _days(HourlyListening.objects.filter(user=user), period, weekdays)
        .values_list("kind", "day").annotate(plays=Sum("plays"), ms=Sum("ms_played")).order_by()
    ):
        kind, _, plays, ms = row
        totals_of_kind = by_kind.setdefault(kind, {"plays": 0, "ms": 0, "days": 0})
        totals_of_kind["plays"] += plays
        totals_of_kind["ms"] += ms
        totals_of_kind["days"] += 1
    music = by_kind.get(Play.Kind.MUSIC, {})
    distinct = _distinct_items(user, period, weekdays)
    return {
        "plays": music.get("plays") or 0,
        "minutes": (music.get("ms") or 0) // 60000,
        "artists": distinct["artists"],
        "tracks": distinct["tracks"],
        "days": music.get("days") or 0,
        **{
            f"{kind}_{measure}": (by_kind.get(kind, {}).get(key) or 0) // divisor
            for kind in (Play.Kind.PODCAST, Play.Kind.AUDIOBOOK)
            for measure, key, divisor in (("plays", "plays", 1), ("minutes", "ms", 60000))
        },
    }


def _distinct_items(user: User, period: Period, weekdays: frozenset[int] | None) -> dict[str, int]:
    if not weekdays and (stored := stored_period(user, period)):
        counts = PeriodItemCounts.objects.filter(user=user, period=stored).values("tracks", "artists").first()
        return counts or {"tracks": 0, "artists": 0}
    if not weekdays and (parts := stored_parts(user, period)):
        return {kind: parts_distinct(user, kind, parts) for kind in ("tracks", "artists")}
    return {
        kind: _days(TOP_KINDS[kind][0].objects.filter(user=user), period, weekdays)
        .aggregate(n=Count(TOP_KINDS[kind][1], distinct=True))["n"]
        for kind in ("tracks", "artists")
    }


def top(
    *, user: User, period: Period, kind: str, by: str = "plays", offset: int = 0, limit: int = 20,
    weekdays: frozenset[int] | None = None,
) -> list[TopEntry]:
    """The user's most played tracks, artists, albums or genres, ranked by plays or by minutes."""
    order = ("-ms", "-plays") if by == "minutes" else ("-plays", "-ms")
    stored = None if weekdays else stored_period(user, period)
    if stored:
        field = "genre" if kind == "genres" else TOP_KINDS[kind][1]
        rows = list(
            PERIOD_KINDS[kind].objects.filter(user=user, period=stored)
            .values("plays", item_id=F(f"{field}_id"), ms=F("ms_played"))
            .order_by(*order, "item_id")[offset:offset + limit]
        )
    elif not weekdays and (parts := stored_parts(user, period)):
        rows = parts_top_rows(user, kind, parts, by=by, offset=offset, limit=limit)
    elif kind == "genres":
        rows = _top_genre_rows(user=user, period=period, order=order, offset=offset, limit=limit, weekdays=weekdays)
    else:
        model, field, _ = TOP_KINDS[kind]
        rows = list(
            _days(model.objects.filter(user=user), period, weekdays)
            .values(item_id=F(f"{field}_id")).annotate(plays=Sum("plays"), ms=Sum("ms_played"))
            .order_by(*order, "item_id")[offset:offset + limit]
        )
    if kind == "genres":
        items = Genre.objects.in_bulk([row["item_id"] for row in rows])
    else:
        related = {"tracks": ["artist", "album"], "albums": ["artist"], "artists": []}[kind]
        items = TOP_KINDS[kind][2].objects.select_related(*related).in_bulk([row["item_id"] for row in rows])
    return [
        TopEntry(offset + index + 1, items[row["item_id"]], row["plays"], row["ms"] // 60000)
        for index, row in enumerate(rows)
    ]


def top_of_artists(*, user: User, period: Period, kind: str, artist_ids: list[int]) -> list[TopEntry]:
    """Every track or album of these artists the user played in the period, most played first (an artist's own
    list is short, so it is whole: the caller orders ties and cuts it)."""
    model, field, item_model = TOP_KINDS[kind]
    rows = list(
        model.objects.filter(user=user, **{f"{field}__artist_id__in": artist_ids}, **period.day_filter())
        .values(item_id=F(f"{field}_id")).annotate(plays=Sum("plays"), ms=Sum("ms_played")).order_by("-plays")
    )
    items = item_model.objects.select_related("artist").in_bulk([row["item_id"] for row in rows])
    return [TopEntry(index + 1, items[row["item_id"]], row["plays"], row["ms"] // 60000)
            for index, row in enumerate(rows)]


def _top_genre_rows(*, user, period, order, offset, limit, weekdays) -> list[dict]:
    # A genre counts every play of its artists; an artist in three genres counts in each.
    return list(
        _days(DailyArtistPlays.objects.filter(user=user), period, weekdays)
        .filter(artist__artistgenre__isnull=False)
        .values(item_id=F("artist__artistgenre__genre_id"))
        .annotate(plays=Sum("plays"), ms=Sum("ms_played"))
        .order_by(*order, "item_id")[offset:offset + limit]
    )


def listening_clock(*, user: User, period: Period) -> dict:
    """Minutes of music by weekday (Monday first) and hour, in the user's time zone."""
    cells = [[0] * 24 for _ in range(7)]
    rows = (
        HourlyListening.objects.filter(user=user, kind=Play.Kind.MUSIC, **period.day_filter())
        .annotate(weekday=ExtractIsoWeekDay("day")).values("weekday", "hour").annotate(ms=Sum("ms_played"))
    )
    for row in rows:
        cells[row["weekday"] - 1][row["hour"]] = row["ms"] // 60000
    return {"minutes": cells, "max": max(max(day) for day in cells)}


def streaks(*, user: User, period: Period | None = None) -> dict:
    """The current and the longest run of days in a row with any listening, counting only the period's days
    (all time without one). A period that ended before yesterday has no current run: None."""
    start, end = (period.start, period.end) if period else (None, None)
    today = user_today(user)
    with connection.cursor() as cursor:
        cursor.execute(
            """WITH days AS (SELECT DISTINCT day FROM listening_hourlylistening
                             WHERE user_id = %(user)s AND day >= coalesce(%(start)s, '-infinity'::date)
                               AND day <= coalesce(%(end)s, 'infinity'::date)),
                    runs AS (SELECT min(day) AS start, max(day) AS "end", count(*) AS days
                             FROM (SELECT day, day - (row_number() OVER (ORDER BY day))::int AS run FROM days) d
                             GROUP BY run)
               (SELECT start, "end", days FROM runs ORDER BY days DESC, "end" DESC LIMIT 1)
               UNION ALL
               (SELECT start, "end", days FROM runs ORDER BY "end" DESC LIMIT 1)""",
            {"user": user.pk, "start": start, "end": end},
        )
        rows = cursor.fetchall()
    ongoing = end is None or end >= today - timedelta(days=1)
    if not rows:
        return {"current": _run(None) if ongoing else None, "longest": _run(None)}
    longest, latest = rows
    # A run is still current if it reached today or yesterday: today's listening may not have happened yet.
    current = latest if latest[1] >= today - timedelta(days=1) else None
    return {"current": _run(current) if ongoing else None, "longest": _run(longest)}


def _run(row) -> dict:
    if row is None:
        return {"days": 0, "start": None, "end": None}
    return {"start": row[0], "end": row[1], "days": row[2]}


def sessions(*, user: User, period: Period) -> dict:
    """Listening sessions (plays with under 30 minutes between them): how many, how long, the longest."""
    start, until = period.utc_bounds(user.time_zone)
    if periods_built_on(user) is not None:
        return _stored_sessions(user=user, start=start, until=until)
    with connection.cursor() as cursor:
        cursor.execute(
            """WITH p AS (
                   SELECT ended_at, ms_played, ended_at - ms_played * interval '1 millisecond' AS started_at,
                          lag(ended_at) OVER (ORDER BY ended_at) AS previous_end
                   FROM listening_play
                   WHERE user_id = %(user)s AND ended_at >= coalesce(%(start)s, '-infinity'::timestamptz)
                     AND ended_at < coalesce(%(until)s, 'infinity'::timestamptz)
               ), s AS (
                   SELECT *, count(*) FILTER (WHERE previous_end IS NULL OR started_at - previous_end > %(gap)s)
                             OVER (ORDER BY ended_at) AS session
                   FROM p
               ), sessions AS (
                   SELECT min(started_at) AS started_at, max(ended_at) AS ended_at, count(*) AS plays
                   FROM s GROUP BY session
               )
               SELECT count(*) OVER (), avg(extract(epoch FROM ended_at - started_at)) OVER (),
                      started_at, ended_at, plays
               FROM sessions ORDER BY ended_at - started_at DESC, ended_at DESC LIMIT 1""",
            {"user": user.pk, "start": start, "until": until, "gap": SESSION_GAP},
        )
        row = cursor.fetchone()
    return _sessions_summary(row)


def _stored_sessions(*, user: User, start, until) -> dict:
    # The stored sessions are whole: one that began in the period counts with all its plays.
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT count(*) OVER (), avg(extract(epoch FROM ended_at - started_at)) OVER (), started_at, ended_at,
                      plays
               FROM listening_listeningsession
               WHERE user_id = %(user)s AND started_at >= coalesce(%(start)s, '-infinity'::timestamptz)
                 AND started_at < coalesce(%(until)s, 'infinity'::timestamptz)
               ORDER BY ended_at - started_at DESC, ended_at DESC LIMIT 1""",
            {"user": user.pk, "start": start, "until": until},
        )
        return _sessions_summary(cursor.fetchone())


def _sessions_summary(row) -> dict:
    if row is None:
        return {"count": 0, "average_minutes": 0, "longest": None}
    count, average_seconds, longest_start, longest_end, longest_plays = row
    longest = {"start": longest_start, "end": longest_end, "plays": longest_plays,
               "minutes": round((longest_end - longest_start).total_seconds() / 60)}
    return {"count": count, "average_minutes": round((average_seconds or 0) / 60), "longest": longest}


def genre_evolution(*, user: User, period: Period, genres: int = 8) -> dict:
    """Minutes per month of the period's top genres: {"months": [...], "series": [{"genre", "minutes": [...]}]}."""
    leaders = top(user=user, period=period, kind="genres", by="minutes", limit=genres)
    ids = [entry.item.pk for entry in leaders]
    if periods_built_on(user) is not None:
        rows = _stored_genre_months(user, ids, period)
    else:
        rows = _daily_genre_months(user, ids, period.day_filter())
    minutes: dict[date, dict[int, int]] = {}
    for month, genre_id, ms in rows:
        minutes.setdefault(month, {})[genre_id] = minutes.get(month, {}).get(genre_id, 0) + ms // 60000
    months = _month_range(min(minutes), max(minutes)) if minutes else []
    return {
        "months": months,
        "series": [
            {"genre": entry.item.name, "minutes": [minutes.get(month, {}).get(entry.item.pk, 0) for month in months]}
            for entry in leaders
        ],
    }


def _daily_genre_months(user: User, genre_ids: list[int], day_filter: dict) -> list[tuple[date, int, int]]:
    rows = (
        DailyArtistPlays.objects.filter(user=user, artist__artistgenre__genre_id__in=genre_ids, **day_filter)
        .annotate(month=TruncMonth("day")).values("month", genre_id=F("artist__artistgenre__genre_id"))
        .annotate(ms=Sum("ms_played")).order_by("month")
    )
    return [(row["month"], row["genre_id"], row["ms"]) for row in rows]


def _stored_genre_months(user: User, genre_ids: list[int], period: Period) -> list[tuple[date, int, int]]:
    """Whole months from the period totals; the days of a month the period starts or ends inside of from the
    daily roll-ups (a month ending today needs none: its totals hold nothing later)."""
    rows, start, end = [], period.start, period.end
    if start and start.day != 1:
        month_end = (start + timedelta(days=32)).replace(day=1) - timedelta(days=1)
        rows += _daily_genre_months(user, genre_ids, {"day__gte": start, "day__lte": min(month_end, end)})
        start = month_end + timedelta(days=1)
    if end and start and end >= start and end < user_today(user) and (end + timedelta(days=1)).day != 1:
        rows += _daily_genre_months(user, genre_ids, {"day__gte": max(start, end.replace(day=1)), "day__lte": end})
        end = end.replace(day=1) - timedelta(days=1)
    if start and end and start > end:
        return rows
    months = PeriodGenrePlays.objects.filter(user=user, genre_id__in=genre_ids, period__contains="-")
    if start:
        months = months.filter(period__gte=f"{start:%Y-%m}")
    if end:
        months = months.filter(period__lte=f"{end:%Y-%m}")
    rows += [
        (date.fromisoformat(f"{key}-01"), genre_id, ms)
        for key, genre_id, ms in months.values_list("period", "genre_id", "ms_played")
    ]
    return rows


def _month_range(first: date, last: date) -> list[date]:
    months, month = [], first.replace(day=1)
    while month <= last:
        months.append(month)
        month = (month + timedelta(days=32)).replace(day=1)
    return months


def item_stats(*, user: User, item: Track | Artist | Album, period: Period | None = None) -> dict:
    """One track, artist or album in the user's history: all-time rank, plays, minutes, first and last
    listen, and plays per month, every month from the first played to the last (optionally only within a
    period)."""
    kind = ITEM_KINDS[type(item)]
    field = TOP_KINDS[kind][1]
    if period is None and periods_built_on(user) is not None:
        found = _stored_item_totals(user, kind, field, item)
    else:
        found = _daily_item_totals(user, kind, field, item, period)
    if found is None:
        return {"rank": None, "plays": 0, "minutes": 0, "ms": 0, "first_played": None, "last_played": None,
                "months": []}
    rank, plays, ms, first_day, last_day, months = found
    return {
        "rank": rank,
        "plays": plays,
        "minutes": ms // 60000,
        "ms": ms,
        "first_played": _play_on(user, field, item, first_day, first=True),
        "last_played": _play_on(user, field, item, last_day, first=False),
        "months": _months_filled(months),
    }


def _months_filled(months: list[tuple[date, int, int]]) -> list[dict]:
    """Plays and minutes per month from the first month played to the last, months without plays as zeros: a
    chart of a series with gaps would put February next to April."""
    found = {month: (plays, ms) for month, plays, ms in months}
    return [
        {"month": month, "plays": found.get(month, (0, 0))[0], "minutes": found.get(month, (0, 0))[1] // 60000}
        for month in (_month_range(min(found), max(found)) if found else [])
    ]


def _daily_item_totals(user: User, kind: str, field: str, item, period: Period | None) -> tuple | None:
    """(rank, plays, ms, first day, last day, [(month, plays, ms)]) from the daily roll-ups, or None."""
    model = TOP_KINDS[kind][0]
    rows = model.objects.filter(user=user, **{field: item})
    if period:
        rows = rows.filter(**period.day_filter())
    summary = rows.aggregate(plays=Sum("plays"), ms=Sum("ms_played"), first_day=Min("day"), last_day=Max("day"))
    if not summary["plays"]:
        return None
    all_time_plays = model.objects.filter(user=user, **{field: item}).aggregate(n=Sum("plays"))["n"]
    ahead = (
        model.objects.filter(user=user).values(field).annotate(n=Sum("plays")).filter(n__gt=all_time_plays).count()
    )
    months = (
        rows.annotate(month=TruncMonth("day")).values_list("month")
        .annotate(plays=Sum("plays"), ms=Sum("ms_played")).order_by("month")
    )
    return ahead + 1, summary["plays"], summary["ms"], summary["first_day"], summary["last_day"], list(months)


def _stored_item_totals(user: User, kind: str, field: str, item) -> tuple | None:
    """The same from the period totals: every period row of the item is one short index range."""
    model = PERIOD_KINDS[kind]
    rows = {row["period"]: row for row in model.objects.filter(user=user, **{field: item}).values()}
    total = rows.get("all")
    if total is None:
        return None
    ahead = model.objects.filter(user=user, period="all", plays__gt=total["plays"]).count()
    months = [
        (date.fromisoformat(f"{key}-01"), row["plays"], row["ms_played"])
        for key, row in sorted(rows.items()) if "-" in key
    ]
    return ahead + 1, total["plays"], total["ms_played"], total["first_day"], total["last_day"], months


def _play_on(user: User, field: str, item, day: date, *, first: bool) -> datetime | None:
    """The exact time of the first (or last) play of the item on a local day: one day of plays to scan."""
    start, until = Period("day", "", day, day).utc_bounds(user.time_zone)
    plays = Play.objects.filter(user=user, ended_at__gte=start, ended_at__lt=until, **{field: item})
    return plays.aggregate(at=Min("ended_at") if first else Max("ended_at"))["at"]


def top_all_time(*, user: User, kind: str, limit: int) -> list[TopEntry]:
    """The user's most played tracks, artists, albums or genres of all time."""
    return top(user=user, period=period_parse(user=user, key="all"), kind=kind, limit=limit)


def top_of_preset(*, user: User, kind: str, preset: str, limit: int) -> list[TopEntry]:
    """The user's most played items over a preset period ("4w", "6m", "1y" or "all")."""
    return top(user=user, period=period_parse(user=user, key=preset), kind=kind, limit=limit)
