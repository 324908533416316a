"""Import a generated 1,000,000-play extended export through the real import path and print the figures.

    DEBUG=0 SECRET_KEY=bench HTTPS=0 .venv/bin/python benchmarks/import_export.py [PLAYS] [--one-file]

Prints plays/s end to end (a stored upload → import_job_run, the function the `imports` Celery task calls,
run in a fresh process so its peak RSS is the worker's), the time of the period-totals rebuild that a task runs
after it, and on the same database the raw COPY rate into the plays table; then a re-import of the same export,
and the undo of the first import (import_job_undo_run, what the `imports` task runs when a listener undoes it).
Targets (issue 3): >= 80,000 plays/s end to end, peak RSS <= 500 MB. Spotify splits a history into files of about
16,000 plays; --one-file puts them all in one (1,500,000 plays expand to about 1 GB), which must not take more
memory (issue 11).
"""

import io
import os
import resource
import subprocess
import sys
import tempfile
import time
import zipfile
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rewrapped.settings")

import django  # noqa: E402

django.setup()

from django.core.files import File  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from accounts.models import User  # noqa: E402
from listening.models import ImportJob, Play  # noqa: E402
from listening.services import (  # noqa: E402
    import_job_create,
    import_job_run,
    import_job_undo,
    import_job_undo_run,
    period_totals_rebuild,
    rollups_rebuild,
)
from listening.services.periods import PERIOD_TABLES  # noqa: E402
from listening.services.rollups import ROLLUP_TABLES  # noqa: E402
from tests.fakes.exports import PLAYS_PER_FILE, extended_export_zip  # noqa: E402


def import_in_this_process(user: User, export: Path) -> None:
    with open(export, "rb") as handle:
        job = import_job_create(user=user, upload=File(handle, name="my_spotify_data.zip"))
    started = time.perf_counter()
    job = import_job_run(job_id=job.pk)
    elapsed = time.perf_counter() - started
    assert job.status == "done", job.error
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{job.summary['added']},{job.summary['rows'] - job.summary['added']},{elapsed:.3f},{peak:.0f}")


def raw_copy_rate(user: User, rows: int) -> float:
    """COPY into a staging table and INSERT into listening_play (same indexes), rolled back."""
    track_ids = list(Play.objects.filter(user=user).values_list("track_id", flat=True)[:5000])
    buffer = io.StringIO()
    for n in range(rows):
        epoch = 100_000_000 + n * 240
        buffer.write(f"{track_ids[n % len(track_ids)]}\t{epoch}\n")
    buffer.seek(0)
    with transaction.atomic(), connection.cursor() as cursor:
        started = time.perf_counter()
        cursor.execute("CREATE TEMP TABLE copy_probe (track_id bigint, epoch bigint) ON COMMIT DROP")
        cursor.copy_expert("COPY copy_probe FROM STDIN", buffer)
        cursor.execute(
            "INSERT INTO listening_play (user_id, kind, track_id, ended_at, ms_played, source, "
            "reason_start, reason_end, platform, country) SELECT %s, 'music', track_id, to_timestamp(epoch), "
            "1000, 'extended', '', '', '', '' FROM copy_probe",
            [user.pk],
        )
        elapsed = time.perf_counter() - started
        transaction.set_rollback(True)
    return rows / elapsed


def run_worker(export: Path) -> tuple[int, int, float, float]:
    answer = subprocess.run([sys.executable, __file__, "--worker", str(export)], capture_output=True, text=True,
                            check=True, env=os.environ)
    added, duplicates, elapsed, peak = answer.stdout.strip().splitlines()[-1].split(",")
    return int(added), int(duplicates), float(elapsed), float(peak)


def main() -> None:
    user, _ = User.objects.get_or_create(username="benchmark-import", defaults={"email": "bench-import@example.com"})
    if sys.argv[1:2] == ["--worker"]:
        return import_in_this_process(user, Path(sys.argv[2]))
    arguments = [argument for argument in sys.argv[1:] if not argument.startswith("--")]
    plays = int(arguments[0]) if arguments else 1_000_000
    per_file = plays if "--one-file" in sys.argv else PLAYS_PER_FILE
    Play.objects.filter(user=user).delete()
    ImportJob.objects.filter(user=user).delete()
    rollups_rebuild(user=user)  # empties the roll-ups and period totals too
    # The last run's rows are dead tuples now: vacuum them, so autovacuum does not race this run for a core.
    with connection.cursor() as cursor:
        for table in ("listening_play", *ROLLUP_TABLES, *PERIOD_TABLES):
            cursor.execute(f"VACUUM ANALYZE {table}")
    with tempfile.TemporaryDirectory() as folder:
        export = Path(folder) / "my_spotify_data.zip"
        started = time.perf_counter()
        # From Spotify's launch, a play every 6 minutes on average: 1,500,000 plays still end in the past.
        export.write_bytes(extended_export_zip(plays, plays_per_file=per_file, start=datetime(2008, 10, 7, tzinfo=UTC)))
        with zipfile.ZipFile(export) as archive:
            files, expanded = len(archive.infolist()), sum(info.file_size for info in archive.infolist())
        print(f"generated {plays:,} plays: {export.stat().st_size / 1e6:.0f} MB zip expanding to "
              f"{expanded / 1e6:,.0f} MB in {files} files, in {time.perf_counter() - started:.1f} s")
        added, _, elapsed, peak = run_worker(export)
        print(f"end to end: {added:,} plays in {elapsed:.1f} s = {plays / elapsed:,.0f} plays/s (target >= 80,000)")
        print(f"peak RSS of the importing process: {peak:.0f} MB (target <= 500 MB)")
        started = time.perf_counter()
        period_totals_rebuild(user=user)
        print(f"then, on a task of its own, the period totals and sessions: {time.perf_counter() - started:.1f} s")
        print(f"raw COPY + INSERT into the plays table: {raw_copy_rate(user, 200_000):,.0f} rows/s")
        added, duplicates, elapsed, _ = run_worker(export)
        print(f"re-import of the same export: {added} added, {duplicates:,} skipped in {elapsed:.1f} s")
    first = ImportJob.objects.filter(user=user, status=ImportJob.Status.DONE).order_by("created_at").first()
    import_job_undo(job=first)
    started = time.perf_counter()
    undone = import_job_undo_run(job_id=first.pk)
    print(f"undo of the first import: {undone.summary['removed']:,} plays out, roll-ups refolded, in "
          f"{time.perf_counter() - started:.1f} s ({Play.objects.filter(user=user).count()} plays left)")


if __name__ == "__main__":
    main()
