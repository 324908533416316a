"""Time to fold a batch of new plays into the roll-ups, for a listener who already has a long history.

    DEBUG=1 RW_VAR_DIR=var/bench_dashboard LOG_LEVEL=WARNING .venv/bin/python benchmarks/rollup.py \
        [--batch 10000] [--runs 10]

Uses the data set of benchmarks/dashboard.py when the var dir holds it (its heavy listener has 1,000,000 plays);
otherwise builds that data set at a tenth of the size first (a heavy listener with 100,000 plays, ~1 minute).

The batch is an import chunk for the heavy listener: --batch plays of tracks drawn from their own history, at
their own daily rate, in two places: the most recent days (days already in the roll-ups, so the fold mostly
updates rows) and the days before their first play (an older export: the fold inserts rows); and, as the worst
case, spread thinly over their whole history (a light listener's multi-year chunk: about one roll-up row per play
and table, scattered over the big indexes). Each run is rolled
back, so every run starts from the same database; deferred foreign-key checks are made immediate, so a figure
includes what the commit would check. Prints, median (max) over --runs runs after one warm-up:
  plays_add end to end (catalog look-ups, COPY, the INSERT that adds the plays and folds them);
  that INSERT alone, and the same statement without the fold CTEs: the difference is the fold's cost;
  the fold alone: fold_ctes over the batch in a statement of its own, no plays inserted.
Target (issue): folding 10,000 new plays <= 1 s.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rewrapped.settings")

import django  # noqa: E402

django.setup()

from dashboard import HEAVY, Sizes, build, dataset_sizes  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from accounts.models import User  # noqa: E402
from listening.imports import PlayRow  # noqa: E402
from listening.models import Play  # noqa: E402
from listening.services import plays_add  # noqa: E402
from listening.services.plays import FRESH_ROWS, INSERT_NEW_PLAYS, INSERT_PLANNER_SETTINGS, PlaysWriter  # noqa: E402
from listening.services.rollups import fold_ctes  # noqa: E402

TARGET_MS = 1000
FOLD = ", " + fold_ctes("inserted")
assert FOLD in INSERT_NEW_PLAYS, "plays_add no longer folds with fold_ctes('inserted'): update this benchmark"
INSERT_WITHOUT_FOLD = INSERT_NEW_PLAYS.replace(FOLD, "")
FOLD_ALONE = (
    "WITH batch AS (SELECT f.kind, f.track_id, f.artist_id, f.album_id, to_timestamp(f.ended_epoch) AS ended_at, "
    "f.ms_played, c.skipped FROM play_fresh f JOIN play_context c ON c.number = f.context_number), "
    + fold_ctes("batch") + " SELECT 1"
)


def batch_rows(user: User, size: int, where: str) -> tuple[list[PlayRow], float]:
    """`size` plays of tracks drawn from the user's history, at their daily rate, in the most recent days
    ("recent") or just before their first play ("older"), or over their whole history ("spread").
    Returns the rows and the days they span."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT setseed(0.7)")
        cursor.execute(
            "SELECT extract(epoch FROM min(ended_at))::bigint, extract(epoch FROM max(ended_at))::bigint, count(*) "
            "FROM listening_play WHERE user_id = %s", [user.pk])
        first, last, plays = cursor.fetchone()
        span = round(size * (last - first) / plays)
        end = {"recent": int(time.time()) - 3600, "older": first - 3600, "spread": last}[where]
        if where == "spread":
            span = last - first
        cursor.execute(
            """SELECT %(end)s - floor(random() * %(span)s)::bigint, t.spotify_id, t.name, a.name, al.name,
                      p.ms_played, p.skipped
               FROM (SELECT track_id, ms_played, skipped FROM listening_play WHERE user_id = %(user)s
                     ORDER BY random() LIMIT %(size)s) p
               JOIN listening_track t ON t.id = p.track_id JOIN listening_artist a ON a.id = t.artist_id
               LEFT JOIN listening_album al ON al.id = t.album_id""",
            {"end": end, "span": span, "user": user.pk, "size": size},
        )
        rows = [
            PlayRow(source=Play.Source.EXTENDED, kind="music", ended_at=ended, ms_played=ms,
                    item_uri=f"spotify:track:{spotify_id}", name=track,
                    artist_or_show=artist, album=album, reason_start="trackdone",
                    reason_end="fwdbtn" if skipped else "trackdone", shuffle=False, skipped=skipped, offline=False,
                    platform="android", country="NL")
            for ended, spotify_id, track, artist, album, ms, skipped in cursor.fetchall()
        ]
    return rows, span / 86400


def timed_plays_add(user: User, rows: list[PlayRow]) -> tuple[float, int]:
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        started = time.perf_counter()
        summary = plays_add(user=user, rows=rows)
        elapsed = time.perf_counter() - started
        transaction.set_rollback(True)
    return elapsed * 1000, summary.added


def timed_statement(user: User, rows: list[PlayRow], statement: str) -> float:
    """One statement over the batch staged and sorted (FRESH_ROWS) exactly as plays_add does it."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        writer = PlaysWriter(user=user)
        writer.stage(cursor, writer.prepare(rows))
        cursor.execute(INSERT_PLANNER_SETTINGS)  # as plays_add runs its INSERT
        params = {"user_id": user.pk, "time_zone": user.time_zone, "job": None, "source": Play.Source.EXTENDED}
        cursor.execute(FRESH_ROWS, params)
        cursor.execute("TRUNCATE play_pairs")  # none: the batch's plays are new
        started = time.perf_counter()
        cursor.execute(statement, params)
        cursor.fetchall()
        elapsed = time.perf_counter() - started
        transaction.set_rollback(True)
    return elapsed * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--batch", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    if dataset_sizes() is None:
        print("no dashboard data set in this var dir: building one at a tenth of the size", flush=True)
        build(Sizes.scaled(0.1))
    user = User.objects.get(username=HEAVY)
    history = user.plays.count()
    measures = {
        "plays_add, end to end": lambda rows: timed_plays_add(user, rows)[0],
        "  its INSERT (adds and folds)": lambda rows: timed_statement(user, rows, INSERT_NEW_PLAYS),
        "  that INSERT without the fold": lambda rows: timed_statement(user, rows, INSERT_WITHOUT_FOLD),
        "fold alone (fold_ctes, no plays)": lambda rows: timed_statement(user, rows, FOLD_ALONE),
    }
    columns = {}
    scenarios = (("recent", "recent days (updates)"), ("older", "older days (inserts)"),
                 ("spread", "spread over the whole history (worst case)"))
    for where, label in scenarios:
        rows, days = batch_rows(user, args.batch, where)
        _, added = timed_plays_add(user, rows)
        samples = {name: [] for name in measures}
        for run in range(args.runs + 1):
            for name, measure in measures.items():
                elapsed = measure(rows)
                if run:
                    samples[name].append(elapsed)
        figures = {name: (statistics.median(values), max(values)) for name, values in samples.items()}
        difference = figures["  its INSERT (adds and folds)"][0] - figures["  that INSERT without the fold"][0]
        columns[f"{label}: {added:,} added over {days:.0f} days"] = (figures, difference)
    print(f"{user.username}: {history:,} plays in history, {user.time_zone}; batch of {args.batch:,} plays. "
          f"ms, median (max) of {args.runs} runs, each rolled back. Target: fold <= {TARGET_MS} ms.")
    print(f"({os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the start: other work on the "
          f"machine makes these figures noisy)")
    for heading, (figures, difference) in columns.items():
        print(f"\n{heading}")
        for name, (median, most) in figures.items():
            print(f"  {name:34}{median:8.0f} ({most:.0f})")
        fold_alone = figures["fold alone (fold_ctes, no plays)"][0]
        verdict = "met" if max(difference, fold_alone) <= TARGET_MS else "MISSED"
        print(f"  {'fold = INSERT with - without':34}{difference:8.0f}     target {verdict}")


if __name__ == "__main__":
    main()
