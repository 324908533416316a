"""What the free-tier gate costs a recommended play, and how fast the backfill migration counts the plays recorded
before billing.

    DEBUG=1 RW_VAR_DIR=var/bench_free_tier LOG_LEVEL=WARNING .venv/bin/python benchmarks/free_tier.py [PLAYS] [N]

Migrates the database it is pointed at, then prints p50 and p95 milliseconds over N plays (default 300) of the
play's row written alone, as before the gate, and of `recommended_play_record` for a Premium listener (counted,
never refused) and for a free listener with no song left (refused and rolled back); then how fast the backfill
(emotions migration 0003) counts PLAYS old plays (default 200,000) of 1,000 listeners, run twice: the second run
finds every play counted already. What it adds is deleted after.
"""

import importlib
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rewrapped.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402
from djstripe.models import Customer, Subscription  # noqa: E402

from accounts.models import User  # noqa: E402
from billing.models import SongUse  # noqa: E402
from billing.services import FreeSongsUsedUp  # noqa: E402
from emotions.models import RecommendedPlay  # noqa: E402
from emotions.services import recommended_play_record  # noqa: E402
from listening.models import Artist, Track  # noqa: E402

BACKFILL = importlib.import_module("emotions.migrations.0003_recommended_plays_counted_by_billing").BACKFILL
LISTENERS = 1000


def milliseconds(took: list[float]) -> str:
    return f"p50 {statistics.median(took) * 1000:6.2f} ms  p95 {statistics.quantiles(took, n=20)[18] * 1000:6.2f} ms"


def plays_timed(user, track, count: int) -> list[float]:
    took = []
    for _ in range(count):
        started = time.perf_counter()
        try:
            recommended_play_record(user=user, track_public_id=track.public_id, at=timezone.now())
        except FreeSongsUsedUp:
            pass
        took.append(time.perf_counter() - started)
    return took


def rows_timed(user, track, count: int) -> list[float]:
    """The play's row alone, as it was written before the gate: what the gate adds is the difference."""
    took = []
    for _ in range(count):
        started = time.perf_counter()
        RecommendedPlay.objects.create(user=user, track=track, played_at=timezone.now())
        took.append(time.perf_counter() - started)
    return took


def premium(user) -> None:
    now = int(time.time())
    customer = Customer.objects.create(id=f"cus_bench{user.pk}", subscriber=user, livemode=False, stripe_data={})
    Subscription.objects.create(id=f"sub_bench{user.pk}", customer=customer, livemode=False, stripe_data={
        "status": "active", "start_date": now, "items": {"data": [{"current_period_end": now + 86400}]}})


def main(plays: int, count: int) -> None:
    call_command("migrate", verbosity=0)
    users = User.objects.bulk_create([User(username=f"bench-free-tier-{n}", email=f"bench-free-tier-{n}@example.com")
                                      for n in range(LISTENERS)])
    track = Track.objects.create(artist=Artist.objects.create(name="Bench Artist", name_key="bench artist free tier"),
                                 name="Bench Song", name_key="bench song free tier")
    try:
        print(f"the play's row alone           {milliseconds(rows_timed(users[2], track, count))}")
        premium(users[0])
        print(f"a Premium listener's play      {milliseconds(plays_timed(users[0], track, count))}")
        plays_timed(users[1], track, 5)
        print(f"a free listener's refused play {milliseconds(plays_timed(users[1], track, count))}")
        RecommendedPlay.objects.filter(user__in=users).delete()
        SongUse.objects.filter(user__in=users).delete()
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO emotions_recommendedplay (public_id, user_id, track_id, played_at, source, mood, strategy,"
                " reason) SELECT gen_random_uuid(), (%s::bigint[])[1 + n %% %s], %s, now() - n * interval '1 minute',"
                " 'recommendation', '', '', '' FROM generate_series(1, %s) AS n",
                [[u.pk for u in users], LISTENERS, track.pk, plays])
            for run in ("first", "second"):
                started = time.perf_counter()
                cursor.execute(BACKFILL)
                took = time.perf_counter() - started
                print(f"backfill, {run} run: {cursor.rowcount:,} of {plays:,} plays counted in {took:.2f} s "
                      f"({plays / took:,.0f} plays/s read)")
    finally:
        RecommendedPlay.objects.filter(user__in=users).delete()
        SongUse.objects.filter(user__in=users).delete()
        Customer.objects.filter(subscriber__in=users).delete()
        User.objects.filter(pk__in=[u.pk for u in users]).delete()
        track.delete()
        track.artist.delete()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200_000, int(sys.argv[2]) if len(sys.argv) > 2 else 300)
