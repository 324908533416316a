"""How a burst of notification sockets fares on one daphne: N sockets opening at once, then one broadcast.

    DEBUG=1 .venv/bin/python benchmarks/websockets_burst.py [N]

Prints the time until every socket is ready, handshake-to-ready p50/p95, and broadcast fan-out time.
Runs against the embedded servers under var/ (or DATABASE_URL / REDIS_URL).
"""

import asyncio
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rewrapped.settings")

import django  # noqa: E402

django.setup()

import websockets  # noqa: E402
from django.conf import settings  # noqa: E402
from django.test import Client  # noqa: E402

from accounts.models import User  # noqa: E402
from rewrapped.realtime import broadcast, user_group  # noqa: E402


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def burst(address: str, cookie: str, count: int, user_id: int) -> dict:
    async def open_one():
        started = time.perf_counter()
        ws = await websockets.connect(f"ws://{address}/ws/notifications/", additional_headers={"Cookie": cookie},
                                      origin=f"http://{address}", open_timeout=120, ping_interval=None)
        await ws.recv()
        return ws, time.perf_counter() - started

    started = time.perf_counter()
    results = await asyncio.gather(*(open_one() for _ in range(count)), return_exceptions=True)
    all_ready = time.perf_counter() - started
    sockets = [result[0] for result in results if not isinstance(result, BaseException)]
    latencies = sorted(result[1] for result in results if not isinstance(result, BaseException))
    sent = time.perf_counter()
    await asyncio.to_thread(broadcast, user_group(user_id), "notify", {"level": "info", "message": "benchmark"})
    await asyncio.gather(*(ws.recv() for ws in sockets))
    fan_out = time.perf_counter() - sent
    await asyncio.gather(*(ws.close() for ws in sockets))
    return {
        "opened": len(sockets), "failed": count - len(sockets), "all_ready_s": all_ready,
        "p50_s": statistics.median(latencies) if latencies else None,
        "p95_s": latencies[int(len(latencies) * 0.95) - 1] if latencies else None, "fan_out_s": fan_out,
    }


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    user, _ = User.objects.get_or_create(username="benchmark-sockets", defaults={"email": "bench@example.com"})
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    port = free_port()
    env = {**os.environ, "DATABASE_URL": settings.DATABASE_URL, "REDIS_URL": settings.REDIS_URL}
    daphne = subprocess.Popen(
        [sys.executable, "-m", "daphne", "--websocket_connect_timeout", "30", "-b", "127.0.0.1", "-p", str(port),
         "rewrapped.asgi:application"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        figures = asyncio.run(burst(f"127.0.0.1:{port}", cookie, count, user.pk))
    finally:
        daphne.terminate()
        daphne.wait()
    print(f"{count} sockets at once on one daphne (client on the same 2-core machine):")
    print(f"  opened {figures['opened']}, failed {figures['failed']}")
    print(f"  all ready after {figures['all_ready_s']:.2f} s; handshake-to-ready p50 {figures['p50_s']:.2f} s, "
          f"p95 {figures['p95_s']:.2f} s")
    print(f"  one broadcast reached all {figures['opened']} in {figures['fan_out_s'] * 1000:.0f} ms")


if __name__ == "__main__":
    main()
