"""What a throttle check costs per API request: DRF's cache-based check (read the history, write it back) against
ours (one Lua script in Redis), each throttle checked N times for one client.

    DEBUG=1 .venv/bin/python benchmarks/throttles.py [N]

Prints p50 and p95 microseconds per check and the Redis round trips each makes. Runs against the embedded Redis
under var/ (or REDIS_URL); the keys it writes are deleted after.
"""

import os
import statistics
import sys
import time
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rewrapped.settings")

import django  # noqa: E402

django.setup()

from rest_framework import throttling as drf  # noqa: E402

from rewrapped import throttling  # noqa: E402
from rewrapped.redis import redis_client  # noqa: E402


def timings(throttle_class, count: int) -> list[float]:
    # A rate the run never reaches, so every check records a request (the costly path).
    throttle_class.THROTTLE_RATES = {"user": f"{count * 10}/min"}
    request = SimpleNamespace(user=SimpleNamespace(is_authenticated=True, pk=f"bench-{throttle_class.__module__}"),
                              META={"REMOTE_ADDR": "127.0.0.1"})
    took = []
    for _ in range(count):
        started = time.perf_counter()
        throttle_class().allow_request(request, None)
        took.append((time.perf_counter() - started) * 1e6)
    return took


def main(count: int) -> None:
    for name, throttle_class, round_trips in (
        ("DRF (cache get + set)", type("Drf", (drf.UserRateThrottle,), {}), 2),
        ("ours (one Lua script)", type("Ours", (throttling.UserRateThrottle,), {}), 1),
    ):
        took = timings(throttle_class, count)
        p95 = statistics.quantiles(took, n=20)[18]
        print(f"{name:24} p50 {statistics.median(took):7.0f} µs  p95 {p95:7.0f} µs  {round_trips} Redis round trip(s)")
    client = redis_client()
    for key in client.scan_iter("*bench-*"):
        client.delete(key)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2000)
