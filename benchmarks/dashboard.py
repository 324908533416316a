"""Dashboard and item-page reads on a 10,000,000-play database, and the dashboard page's time to first byte.

    DEBUG=1 RW_VAR_DIR=var/bench_dashboard LOG_LEVEL=WARNING .venv/bin/python benchmarks/dashboard.py \
        [--rebuild] [--scale 1.0] [--runs 20] [--explain]

Run it against a var dir of its own: building empties the catalog, user and play tables of that database.

The first run builds the data set (10 to 15 minutes on 2 cores): 50,000 artists with 3 albums and 12 tracks each,
600 genres (three artists in four have one to three), and 10,000 listeners with 10,000,000 plays between them.
One heavy listener has 1,000,000 plays over 5 years; the others' play counts are log-normal (median ~550) over
1 year. Plays come in runs of one artist (mean 4 plays, as albums and artist radio do), artists Zipf-like for
every listener (a log-uniform rank, partly shared popularity, partly the listener's own order, which drifts
quarterly), tracks Zipf-like within an artist, runs starting at daytime-heavy hours in the listener's time zone.
Plays are written with set-based SQL (INSERT … SELECT generate_series), catalog ids copied as the import does.
The heavy listener's roll-ups are made by `rollups_rebuild`; everyone else's by one set-based statement per
roll-up table that groups exactly as `fold_ctes` does, checked against `rollups_rebuild` for sample listeners
(identical rows) before the data set is accepted. A row in `benchmark_dataset` marks the build done, so later
runs reuse it; `--rebuild` starts over, `--scale 0.1` builds a tenth of everything (for trying the script).

Then prints, for the heavy listener and a typical one (the median play count), p50/p95 over --runs runs (after
one warm-up) of every selector the dashboard and item pages call, with the arguments the views pass, for each
period: 4w, 6m, 1y, all, and last calendar year as a custom range; and the p50/p95 time to first byte of
GET /listening/?period=… from a gunicorn (one sync worker) started by this script, signed in by a session
cookie, timed with requests. Targets (issue): each query <= 30 ms p95 and the page <= 150 ms p95, for the
heavy listener. --explain adds EXPLAIN (ANALYZE, BUFFERS) of the slowest statement of every heavy-listener
query over target.
"""

import argparse
import json
import math
import os
import socket
import statistics
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rewrapped.settings")

import django  # noqa: E402

django.setup()

import requests  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from accounts.models import User  # noqa: E402
from listening import selectors  # noqa: E402
from listening.periods import period_parse, user_today  # noqa: E402
from listening.services import period_totals_due, period_totals_rebuild, rollups_rebuild  # noqa: E402
from listening.services.periods import PERIOD_TABLES  # noqa: E402
from listening.services.rollups import ROLLUP_TABLES  # noqa: E402
from listening.views.dashboard import RECENT_PAGE, TOP_PAGE  # noqa: E402

QUERY_TARGET_MS = 30
PAGE_TARGET_MS = 150
HEAVY = "bench-heavy"
# "custom" is last calendar year (held in the period totals), "range" an arbitrary stretch of it (daily roll-ups).
PERIODS = ("4w", "6m", "1y", "all", "custom", "range")
ALBUMS_PER_ARTIST, TRACKS_PER_ALBUM = 3, 4
TRACKS_PER_ARTIST = ALBUMS_PER_ARTIST * TRACKS_PER_ALBUM
# Local hour of a play, weighted: quiet nights, a commute bump, a long afternoon and evening.
HOUR_WEIGHTS = (2, 1, 1, 1, 1, 1, 2, 4, 6, 6, 6, 6, 7, 7, 7, 7, 8, 9, 8, 7, 7, 6, 5, 3)
TIME_ZONES = ("UTC", "Europe/Amsterdam", "Europe/London", "America/New_York", "America/Los_Angeles", "Asia/Tokyo")


@dataclass(frozen=True)
class Sizes:
    artists: int
    genres: int
    users: int
    plays: int
    heavy_plays: int
    heavy_days: int = 5 * 365 + 1
    typical_days: int = 365

    @classmethod
    def scaled(cls, scale: float) -> "Sizes":
        return cls(artists=max(1000, round(50_000 * scale)), genres=600, users=max(100, round(10_000 * scale)),
                   plays=round(10_000_000 * scale), heavy_plays=round(1_000_000 * scale))


# --- building the data set ----------------------------------------------------------------------------------


def dataset_sizes() -> Sizes | None:
    """The sizes of the data set already built in this database, or None."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('benchmark_dataset') IS NOT NULL")
        if not cursor.fetchone()[0]:
            return None
        cursor.execute("SELECT sizes FROM benchmark_dataset WHERE name = 'dashboard'")
        row = cursor.fetchone()
    if row is None:
        return None
    sizes = row[0] if isinstance(row[0], dict) else json.loads(row[0])
    return Sizes(**sizes)


def build(sizes: Sizes) -> None:
    """Empty this database's catalog, users and plays, and build the data set."""
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('benchmark_dataset') IS NOT NULL")
        marked = cursor.fetchone()[0]
        cursor.execute("SELECT EXISTS (SELECT 1 FROM listening_play)")
        if cursor.fetchone()[0] and not marked:
            sys.exit("This database has plays that this script did not make: point RW_VAR_DIR at a var dir of its own.")
        cursor.execute("DROP TABLE IF EXISTS benchmark_dataset, benchmark_listener")
        cursor.execute(
            f"TRUNCATE accounts_user, listening_genre, listening_artist, listening_episode, listening_play, "
            f"{', '.join(ROLLUP_TABLES + PERIOD_TABLES)}, listening_periodtotalsstate RESTART IDENTITY CASCADE"
        )
        cursor.execute("SET synchronous_commit = off")
        cursor.execute("SET work_mem = '256MB'")
        cursor.execute("SET maintenance_work_mem = '1GB'")
        cursor.execute("SELECT setseed(0.42)")
    step = _stepper(started)
    _build_catalog(sizes)
    step(f"catalog: {sizes.artists:,} artists, {sizes.artists * ALBUMS_PER_ARTIST:,} albums, "
         f"{sizes.artists * TRACKS_PER_ARTIST:,} tracks, {sizes.genres} genres")
    heavy = _build_listeners(sizes)
    step(f"{sizes.users:,} listeners")
    with connection.cursor() as cursor:
        cursor.execute("SELECT min(user_id), max(user_id) FROM benchmark_listener WHERE user_id <> %s", [heavy.pk])
        first, last = cursor.fetchone()
    _add_plays(sizes, heavy.pk, heavy.pk)
    step(f"heavy listener's plays ({sizes.heavy_plays:,})")
    chunk = max(1, sizes.users // 10)
    for low in range(first, last + 1, chunk):
        _add_plays(sizes, low, min(low + chunk - 1, last))
        _fold_all(low, min(low + chunk - 1, last))
    step("everyone else's plays, and their roll-ups (set-based)")
    rebuild_started = time.perf_counter()
    rollups_rebuild(user=heavy)
    step(f"heavy listener's roll-ups by rollups_rebuild ({time.perf_counter() - rebuild_started:.1f} s of it)")
    _check_rollups(heavy)
    step("roll-ups checked against the plays and against rollups_rebuild")
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE benchmark_listener")
        cursor.execute("RESET ALL")
    build_period_totals()
    step("period totals and sessions by period_totals_rebuild, for every listener")
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")
    step("VACUUM (ANALYZE)")
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE benchmark_dataset (name text PRIMARY KEY, sizes jsonb, build_seconds float, "
                       "built_at timestamptz DEFAULT now())")
        cursor.execute("INSERT INTO benchmark_dataset (name, sizes, build_seconds) VALUES ('dashboard', %s, %s)",
                       [json.dumps(asdict(sizes)), time.perf_counter() - started])
    print(f"built in {time.perf_counter() - started:.0f} s")


def build_period_totals() -> int:
    """period_totals_rebuild for every listener whose totals are due (all of them in a new data set; after a
    day, the rolling windows), as the beat task does. Returns how many were built."""
    due = period_totals_due()
    for user in User.objects.filter(pk__in=due).iterator():
        period_totals_rebuild(user=user)
    return len(due)


def _stepper(started: float):
    last = [started]

    def step(what: str) -> None:
        now = time.perf_counter()
        print(f"  {now - last[0]:7.1f} s  {what}", flush=True)
        last[0] = now

    return step


def _build_catalog(sizes: Sizes) -> None:
    params = {"artists": sizes.artists, "genres": sizes.genres, "albums": ALBUMS_PER_ARTIST,
              "tracks": TRACKS_PER_ARTIST, "per_album": TRACKS_PER_ALBUM}
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO listening_genre (id, name) SELECT g, 'genre ' || g "
                       "FROM generate_series(1, %(genres)s) g", params)
        cursor.execute("INSERT INTO listening_artist (id, name, name_key, image_url) "
                       "SELECT a, 'Artist ' || a, 'artist ' || a, '' FROM generate_series(1, %(artists)s) a", params)
        cursor.execute(
            "INSERT INTO listening_album (id, artist_id, name, name_key, image_url) "
            "SELECT (a - 1) * %(albums)s + k, a, format('Album %%s by Artist %%s', k, a), "
            "format('album %%s by artist %%s', k, a), '' "
            "FROM generate_series(1, %(artists)s) a, generate_series(1, %(albums)s) k", params)
        # Spotify-like ids, so benchmarks/rollup.py can add plays by URI through the real import path.
        cursor.execute(
            "INSERT INTO listening_track (id, spotify_id, artist_id, album_id, name, name_key, isrc, duration_ms) "
            "SELECT (a - 1) * %(tracks)s + j, 'bench' || lpad(((a - 1) * %(tracks)s + j)::text, 17, '0'), a, "
            "(a - 1) * %(albums)s + (j - 1) / %(per_album)s + 1, format('Song %%s by Artist %%s', j, a), "
            "format('song %%s by artist %%s', j, a), '', 120000 + floor(random() * 180000)::int "
            "FROM generate_series(1, %(artists)s) a, generate_series(1, %(tracks)s) j", params)
        # Three artists in four have one to three genres, popular genres more often.
        cursor.execute(
            "INSERT INTO listening_artistgenre (artist_id, genre_id, source) "
            "SELECT a, least(%(genres)s, floor(exp(random() * ln(%(genres)s + 1)))::int), 'spotify' "
            "FROM generate_series(1, %(artists)s) a, generate_series(1, mod(a, 4)) k ON CONFLICT DO NOTHING", params)
        for table in ("listening_genre", "listening_artist", "listening_album", "listening_track"):
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")


def _build_listeners(sizes: Sizes) -> User:
    users = [User(username=HEAVY, email=f"{HEAVY}@example.com", time_zone="Europe/Amsterdam")] + [
        User(username=f"bench-{n:05d}", email=f"bench-{n:05d}@example.com", time_zone=TIME_ZONES[n % len(TIME_ZONES)])
        for n in range(1, sizes.users)
    ]
    for user in users:
        user.set_unusable_password()
    User.objects.bulk_create(users, batch_size=2000)
    heavy = User.objects.get(username=HEAVY)
    with connection.cursor() as cursor:
        # Play counts log-normal (sigma 1) summing to the rest of the plays; each listener knows `breadth`
        # artists (ranked log-uniformly, so Zipf-like) and orders them by their own `taste` offset.
        cursor.execute(
            """CREATE TABLE benchmark_listener AS
               SELECT u.id AS user_id, u.time_zone, (now() AT TIME ZONE u.time_zone)::date AS local_today,
                      w.plays, greatest(1, round(w.plays / 4.0))::int AS runs, %(typical_days)s AS days,
                      least(%(artists)s, greatest(50, w.plays)) AS breadth,
                      floor(random() * %(artists)s)::int AS taste
               FROM accounts_user u
               JOIN (SELECT id, greatest(1, round(%(rest)s * weight / sum(weight) OVER ()))::int AS plays
                     FROM (SELECT id, exp(sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random())) AS weight
                           FROM accounts_user WHERE id <> %(heavy)s) r) w ON w.id = u.id
               UNION ALL
               SELECT id, time_zone, (now() AT TIME ZONE time_zone)::date, %(heavy_plays)s,
                      round(%(heavy_plays)s / 4.0)::int, %(heavy_days)s,
                      least(%(artists)s, 20000), floor(random() * %(artists)s)::int
               FROM accounts_user WHERE id = %(heavy)s""",
            {"typical_days": sizes.typical_days, "artists": sizes.artists, "rest": sizes.plays - sizes.heavy_plays,
             "heavy": heavy.pk, "heavy_plays": sizes.heavy_plays, "heavy_days": sizes.heavy_days},
        )
    return heavy


def _add_plays(sizes: Sizes, low: int, high: int) -> None:
    """The plays of listeners low..high, in (user, time) order as an import would add them.

    Plays come in runs of one artist (an album, an artist's radio): a run starts at a daytime-heavy local hour
    on a random day of the listener's span, lasts a geometric number of plays (mean 4), one every ~3.5 minutes.
    A run's artist is a log-uniform rank (Zipf-like): 30% of runs by shared popularity, the rest through the
    listener's own order, which drifts every quarter except for their top 20. Tracks are Zipf-like within the
    artist. Two plays of one track ending in the same second are one play; the rare such draw is dropped."""
    hours = [hour for hour, weight in enumerate(HOUR_WEIGHTS) for _ in range(weight)]
    with connection.cursor() as cursor:
        cursor.execute(
            """INSERT INTO listening_play (user_id, kind, track_id, artist_id, album_id, ended_at,
                   ms_played, source, reason_start, reason_end, shuffle, skipped, offline, platform, country)
               SELECT user_id, 'music', (artist_id - 1) * %(tracks)s + track_no, artist_id,
                      (artist_id - 1) * %(albums)s + (track_no - 1) / %(per_album)s + 1,
                      ended_at,
                      CASE WHEN skipped THEN 1000 + floor(random() * 29000)::int
                           ELSE 120000 + floor(random() * 180000)::int END,
                      'extended', 'trackdone', CASE WHEN skipped THEN 'fwdbtn' ELSE 'trackdone' END,
                      random() < 0.4, skipped, false, 'android', 'NL'
               FROM (
                   SELECT run.user_id, run.artist_id, random() < 0.15 AS skipped,
                          least(%(tracks)s, floor(exp(random() * ln(%(tracks)s + 1)))::int) AS track_no,
                          run.started_at + make_interval(secs => k * 210 + floor(random() * 60)::int) AS ended_at
                   FROM (
                       SELECT user_id, length,
                              CASE WHEN popular THEN rank
                                   ELSE (rank::bigint * 7919 + taste
                                         + CASE WHEN rank > 20 THEN days_ago / 91 * 1237 ELSE 0 END) %% %(artists)s + 1
                              END AS artist_id,
                              (local_today - 1 - days_ago
                               + make_interval(hours => (%(hours)s::int[])[1 + floor(random() * %(n_hours)s)::int],
                                               secs => floor(random() * 3600)::int))
                              AT TIME ZONE time_zone AS started_at
                       FROM (
                           SELECT l.*, floor(exp(random() * ln(l.breadth)))::int AS rank, random() < 0.3 AS popular,
                                  1 + floor(ln(1 - random()) / ln(0.75))::int AS length,
                                  floor(random() * l.days)::int AS days_ago
                           FROM benchmark_listener l, generate_series(1, l.runs) n
                           WHERE l.user_id BETWEEN %(low)s AND %(high)s
                       ) drawn
                   ) run, generate_series(0, run.length - 1) k
               ) p
               ORDER BY user_id, ended_at
               ON CONFLICT DO NOTHING""",
            {"tracks": TRACKS_PER_ARTIST, "albums": ALBUMS_PER_ARTIST, "per_album": TRACKS_PER_ALBUM,
             "artists": sizes.artists, "hours": hours, "n_hours": len(hours), "low": low, "high": high},
        )


def _fold_all(low: int, high: int) -> None:
    """fold_ctes for many listeners in one statement per roll-up: the same local day and hour, the same sums."""
    local = "(p.ended_at AT TIME ZONE u.time_zone)"
    source = ("FROM listening_play p JOIN accounts_user u ON u.id = p.user_id "
              "WHERE p.user_id BETWEEN %(low)s AND %(high)s")
    with connection.cursor() as cursor:
        cursor.execute(
            f"""INSERT INTO listening_hourlylistening (user_id, day, hour, kind, plays, ms_played, skips)
                SELECT p.user_id, {local}::date, extract(hour FROM {local})::smallint, p.kind, count(*),
                       sum(p.ms_played), count(*) FILTER (WHERE p.skipped)
                {source} GROUP BY 1, 2, 3, 4""",
            {"low": low, "high": high},
        )
        for item in ("track", "artist", "album"):
            cursor.execute(
                f"""INSERT INTO listening_daily{item}plays (user_id, day, {item}_id, plays, ms_played)
                    SELECT p.user_id, {local}::date, p.{item}_id, count(*), sum(p.ms_played)
                    {source} AND p.{item}_id IS NOT NULL GROUP BY 1, 2, 3""",
                {"low": low, "high": high},
            )


def _check_rollups(heavy: User) -> None:
    """Every listener's roll-ups add up to their plays; for samples, the set-based rows equal rollups_rebuild's."""
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT count(*) FROM (SELECT user_id, count(*) AS plays, sum(ms_played) AS ms
                                     FROM listening_play GROUP BY user_id) p
               LEFT JOIN (SELECT user_id, sum(plays) AS plays, sum(ms_played) AS ms
                          FROM listening_hourlylistening GROUP BY user_id) h USING (user_id)
               LEFT JOIN (SELECT user_id, sum(plays) AS plays, sum(ms_played) AS ms
                          FROM listening_dailyartistplays GROUP BY user_id) a USING (user_id)
               WHERE h.plays IS DISTINCT FROM p.plays OR h.ms IS DISTINCT FROM p.ms
                  OR a.plays IS DISTINCT FROM p.plays OR a.ms IS DISTINCT FROM p.ms"""
        )
        wrong = cursor.fetchone()[0]
        assert wrong == 0, f"{wrong} listeners' roll-ups do not add up to their plays"
        cursor.execute(
            "SELECT user_id FROM benchmark_listener WHERE user_id <> %s ORDER BY plays DESC, user_id", [heavy.pk]
        )
        others = [row[0] for row in cursor.fetchall()]
    samples = [others[0], others[len(others) // 2], others[-1]]
    for user in User.objects.filter(pk__in=samples):
        with transaction.atomic(), connection.cursor() as cursor:
            for table in ROLLUP_TABLES:
                cursor.execute(f"CREATE TEMP TABLE set_based_{table} ON COMMIT DROP AS "
                               f"SELECT * FROM {table} WHERE user_id = %s", [user.pk])
            rollups_rebuild(user=user)
            for table in ROLLUP_TABLES:
                cursor.execute(
                    f"""SELECT (SELECT count(*) FROM ((SELECT * FROM set_based_{table})
                                                       EXCEPT ALL (SELECT * FROM {table} WHERE user_id = %(u)s)) a)
                             + (SELECT count(*) FROM ((SELECT * FROM {table} WHERE user_id = %(u)s)
                                                       EXCEPT ALL (SELECT * FROM set_based_{table})) b)""",
                    {"u": user.pk},
                )
                differing = cursor.fetchone()[0]
                assert differing == 0, f"{table}: {differing} rows differ from rollups_rebuild for user {user.pk}"
            transaction.set_rollback(True)


# --- measuring ----------------------------------------------------------------------------------------------


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[math.ceil(0.95 * len(ordered)) - 1]


def timed(call, runs: int) -> tuple[float, float]:
    call()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    return percentiles(samples)


def dashboard_period(user: User, key: str):
    year = user_today(user).year - 1
    if key == "custom":
        return period_parse(user=user, key="custom", start=date(year, 1, 1), end=date(year, 12, 31))
    if key == "range":
        return period_parse(user=user, key="custom", start=date(year, 3, 15), end=date(year, 9, 20))
    return period_parse(user=user, key=key)


def period_queries() -> dict:
    """What the dashboard view calls, with its arguments, per period."""
    queries = {"totals": lambda user, period: selectors.totals(user=user, period=period)}
    for kind in ("tracks", "artists", "albums", "genres"):
        for by in ("plays", "minutes"):
            queries[f"top {kind} by {by}"] = (
                lambda user, period, kind=kind, by=by:
                    selectors.top(user=user, period=period, kind=kind, by=by, limit=TOP_PAGE)
            )
    queries["listening_clock"] = lambda user, period: selectors.listening_clock(user=user, period=period)
    queries["sessions"] = lambda user, period: selectors.sessions(user=user, period=period)
    queries["genre_evolution"] = lambda user, period: selectors.genre_evolution(user=user, period=period)
    return queries


def standing_queries(user: User) -> dict:
    """Calls that take no period: the dashboard's recent plays and streaks, and the item pages' item_stats
    (for the listener's all-time top track, artist and album)."""
    everything = period_parse(user=user, key="all")
    queries = {
        "recent_plays": lambda: selectors.recent_plays(user=user, limit=RECENT_PAGE),
        "streaks": lambda: selectors.streaks(user=user),
    }
    for kind in ("tracks", "artists", "albums"):
        item = selectors.top(user=user, period=everything, kind=kind, limit=1)[0].item
        queries[f"item_stats ({kind[:-1]})"] = lambda item=item: selectors.item_stats(user=user, item=item)
    return queries


def query_call(user: User, name: str, key: str | None):
    if key is None:
        return standing_queries(user)[name]
    query, period = period_queries()[name], dashboard_period(user, key)
    return lambda: query(user, period)


def measure_queries(user: User, runs: int) -> dict:
    figures = {}
    for name, query in period_queries().items():
        for key in PERIODS:
            period = dashboard_period(user, key)
            figures[(name, key)] = timed(lambda query=query, period=period: query(user, period), runs)
    for name, query in standing_queries(user).items():
        figures[(name, None)] = timed(query, runs)
    return figures


def page_url(user: User, key: str) -> str:
    period = dashboard_period(user, key)
    query = f"period={period.key}"
    if period.key == "custom":
        query += f"&start={period.start}&end={period.end}"
    return f"/listening/?{query}"


def measure_pages(users: dict[str, User], runs: int) -> dict:
    """TTFB of the dashboard from a gunicorn of one sync worker, as production serves HTTP (DESIGN.md)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "DATABASE_URL": settings.DATABASE_URL, "REDIS_URL": settings.REDIS_URL,
           "SECRET_KEY": settings.SECRET_KEY}
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "rewrapped.wsgi:application", "--bind", f"127.0.0.1:{port}",
         "--workers", "1", "--timeout", "300"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    figures = {}
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                requests.get(f"{base}/", timeout=5)
                break
            except requests.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        for label, user in users.items():
            client = Client()
            client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
            cookies = {settings.SESSION_COOKIE_NAME: client.cookies[settings.SESSION_COOKIE_NAME].value}
            for key in PERIODS:
                url = base + page_url(user, key)
                warm = requests.get(url, cookies=cookies, allow_redirects=False, timeout=300)
                assert warm.status_code == 200 and b"Artist " in warm.content, (url, warm.status_code)
                samples = []
                for _ in range(runs):
                    started = time.perf_counter()
                    response = requests.get(url, cookies=cookies, allow_redirects=False, stream=True, timeout=300)
                    samples.append((time.perf_counter() - started) * 1000)
                    response.content  # noqa: B018 - read the body before the next request
                figures[(label, key)] = percentiles(samples)
    finally:
        server.terminate()
        server.wait()
    return figures


def explain_slowest(call) -> str:
    """EXPLAIN (ANALYZE, BUFFERS) of the statement that took longest in one call."""
    with CaptureQueriesContext(connection) as captured:
        call()
    slowest = max(captured.captured_queries, key=lambda q: float(q["time"]))
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + slowest["sql"])
        plan = "\n".join(row[0] for row in cursor.fetchall())
    return f"{slowest['sql']}\n{plan}"


# --- report -------------------------------------------------------------------------------------------------


def cell(figures: tuple[float, float], target: float) -> str:
    p50, p95 = figures
    return f"{p50:6.1f} /{p95:6.1f}{'*' if p95 > target else ' '}"


def print_queries(label: str, user: User, plays: int, figures: dict, runs: int) -> None:
    print(f"\n{label}: {user.username}, {plays:,} plays, {user.time_zone} — ms p50 / p95 over {runs} runs, "
          f"* = p95 over {QUERY_TARGET_MS} ms")
    print(f"{'query':24}" + "".join(f"{key:>17}" for key in PERIODS))
    for name in period_queries():
        print(f"{name:24}" + "".join(f"{cell(figures[(name, key)], QUERY_TARGET_MS):>17}" for key in PERIODS))
    for (name, key), values in figures.items():
        if key is None:
            print(f"{name:24}{cell(values, QUERY_TARGET_MS):>17}   (no period)")


def describe_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('server_version'), current_setting('shared_buffers'), "
                       "current_setting('work_mem'), current_setting('jit')")
        version, buffers, work_mem, jit = cursor.fetchone()
        sizes = []
        for table in ("listening_play", *ROLLUP_TABLES, *PERIOD_TABLES):
            cursor.execute(
                "SELECT pg_total_relation_size(%s), (SELECT reltuples FROM pg_class WHERE oid = %s::regclass)",
                [table, table],
            )
            total, rows = cursor.fetchone()
            sizes.append(f"{table} {rows / 1e6:.1f} M rows {total / 2**30:.2f} GB")
    print(f"PostgreSQL {version} (shared_buffers {buffers}, work_mem {work_mem}, jit {jit}); " + "; ".join(sizes))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rebuild", action="store_true", help="build the data set again")
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the full sizes to build")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--explain", action="store_true", help="EXPLAIN the heavy listener's queries over target")
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    sizes = Sizes.scaled(args.scale)
    built = dataset_sizes()
    if args.rebuild or built is None:
        print(f"building: {sizes}", flush=True)
        build(sizes)
    elif built != sizes:
        sys.exit(f"This database holds {built}; pass --rebuild to build {sizes}.")
    with connection.cursor() as cursor:
        cursor.execute("SELECT build_seconds FROM benchmark_dataset WHERE name = 'dashboard'")
        print(f"data set: {sizes} (built in {cursor.fetchone()[0]:.0f} s)")
    started = time.perf_counter()
    if built := build_period_totals():  # a data set built before them, or a new day
        print(f"period totals rebuilt for {built:,} listeners in {time.perf_counter() - started:.0f} s")
        with connection.cursor() as cursor:
            cursor.execute("VACUUM (ANALYZE)")
    describe_database()
    heavy = User.objects.get(username=HEAVY)
    counts = dict(
        User.objects.filter(username__startswith="bench-").exclude(pk=heavy.pk)
        .annotate(n=Count("plays")).values_list("pk", "n")
    )
    median = sorted(counts.values())[len(counts) // 2]
    typical = User.objects.get(pk=min(pk for pk, n in counts.items() if n == median))
    listeners = {"heavy": (heavy, heavy.plays.count()), "typical": (typical, median)}
    print(f"({os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the start: other work on the "
          f"machine makes these figures noisy)")
    for label, (user, plays) in listeners.items():
        figures = measure_queries(user, args.runs)
        print_queries(f"{label} listener", user, plays, figures, args.runs)
        if label == "heavy" and args.explain:
            for (name, key), (_, p95) in figures.items():
                if p95 > QUERY_TARGET_MS:
                    call = query_call(user, name, key)
                    print(f"\n--- EXPLAIN {name}, {key or 'no period'}: p95 {p95:.1f} ms\n{explain_slowest(call)}")
    pages = measure_pages({label: user for label, (user, _) in listeners.items()}, args.runs)
    print(f"\nGET /listening/?period=… time to first byte (gunicorn, 1 sync worker, DEBUG={int(settings.DEBUG)}; "
          f"requests) — ms p50 / p95 over {args.runs} runs, * = p95 over {PAGE_TARGET_MS} ms")
    print(f"{'listener':24}" + "".join(f"{key:>17}" for key in PERIODS))
    for label in listeners:
        print(f"{label:24}" + "".join(f"{cell(pages[(label, key)], PAGE_TARGET_MS):>17}" for key in PERIODS))


if __name__ == "__main__":
    main()
