"""Soak: the whole stack under mixed use for minutes on end. Nothing may hang, nothing may run out.

    .venv/bin/python benchmarks/soak.py [--minutes 10] [--clients 200] [--sockets 100]

Starts its own stack under RW_VAR_DIR (default var/bench_soak): one daphne serving everything (as `make run`), a
Celery worker (concurrency 2) and beat, on embedded PostgreSQL and Redis. Seeds a listener for every client and
200 upcoming events, opens --sockets notification sockets and keeps them open, and runs --clients clients, each
in a loop with up to a second's pause: page views, API calls, saving and unsaving events, uploading a small
export, and /healthz polls. Throttles are widened: this measures the stack, not the rate limits.

Prints requests served, errors by status, p50/p95/p99 latency, the requests that took over 30 s (a request
unanswered after 120 s is given up on and counted as a timeout), the most database connections the stack held
at once (per kind of process where the checkout names them), and how many sockets stayed open.
Target: 0 requests over 30 s, 0 5xx, database connections never above the README's bound.
Runs against any checkout: it uses only the site's URLs.
"""

import argparse
import asyncio
import os
import random
import shlex
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rewrapped.settings")
os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("RW_VAR_DIR", str(ROOT / "var" / "bench_soak"))
os.environ.setdefault("LOG_LEVEL", "WARNING")
for rate in ("API_USER_RATE", "API_ANON_RATE", "API_AUTH_RATE"):
    os.environ.setdefault(rate, "1000000/min")

import django  # noqa: E402

django.setup()

import requests  # noqa: E402
import websockets  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402
from rest_framework_simplejwt.tokens import AccessToken  # noqa: E402

from accounts.models import User  # noqa: E402
from events.models import Event  # noqa: E402
from tests.fakes.exports import extended_export_zip  # noqa: E402

WORKER_CONCURRENCY = 2
HUNG_SECONDS = 30
GIVE_UP_SECONDS = 120
PAGES = ("/", "/listening/", "/listening/import/", "/events/", "/profile/", "/events/saved/")
API = ("/api/v1/me/", "/api/v1/listening/totals/", "/api/v1/listening/imports/", "/api/v1/events/saved/",
       "/api/v1/events/?q=live", "/api/v1/listening/history/")


def seed(clients: int) -> tuple[list[User], list[str]]:
    call_command("migrate", verbosity=0)
    users = [User.objects.get_or_create(email=f"soak{n}@example.com", defaults={"username": f"soak{n}"})[0]
             for n in range(clients)]
    if Event.objects.filter(external_id__startswith="soak-").count() < 200:
        starts = timezone.now() + timedelta(days=30)
        Event.objects.bulk_create([
            Event(source="ticketmaster", external_id=f"soak-{n}", title=f"Soak live {n}", venue="Paradiso",
                  city="Amsterdam", country="NL", starts_at=starts + timedelta(hours=n),
                  ticket_url="https://tickets.example.com/buy/1")
            for n in range(200)
        ], ignore_conflicts=True)
    events = [str(pk) for pk in Event.objects.filter(external_id__startswith="soak-").values_list("public_id",
                                                                                                   flat=True)]
    return users, events


def session_cookie(user: User) -> str:
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def start_stack(var_dir: Path) -> tuple[str, list[subprocess.Popen]]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "DATABASE_URL": settings.DATABASE_URL, "REDIS_URL": settings.REDIS_URL}
    logs = var_dir / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    # The Procfile's own commands (what `make run` starts), so a soak of any checkout runs its real stack.
    commands = {}
    for line in (ROOT / "Procfile").read_text().splitlines():
        name, _, command = line.partition(":")
        if command.strip():
            words = shlex.split(command.replace("${PORT:-8000}", str(port)))
            program = Path(words[0]).name
            words[:1] = [sys.executable] if program == "python" else [sys.executable, "-m", program]
            commands[name.strip()] = [word if word != "INFO" else "WARNING" for word in words]
    processes = [subprocess.Popen(command, cwd=ROOT, env=env, stdout=open(logs / f"{name}.log", "wb"),
                                  stderr=subprocess.STDOUT) for name, command in commands.items()]
    return f"127.0.0.1:{port}", processes


def wait_until_healthy(address: str) -> None:
    """The load starts once the stack says it is whole: daphne answers and a worker is there."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if requests.get(f"http://{address}/healthz", timeout=5).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"the stack did not become healthy; see {settings.VAR_DIR / 'logs'}")


class Results:
    def __init__(self):
        self.lock = threading.Lock()
        self.latencies: list[float] = []
        self.statuses: Counter = Counter()
        self.errors: Counter = Counter()  # (status, what)
        self.kinds: Counter = Counter()
        self.slow: list[tuple[float, str]] = []

    def add(self, kind: str, what: str, status, seconds: float) -> None:
        with self.lock:
            self.kinds[kind] += 1
            self.statuses[status] += 1
            if not isinstance(status, int) or status >= 400:
                self.errors[status, what] += 1
            self.latencies.append(seconds)
            if seconds > HUNG_SECONDS:
                self.slow.append((seconds, what))


def client_loop(address: str, user: User, cookie: str, events: list[str], export: bytes, until: float,
                results: Results) -> None:
    base = f"http://{address}"
    pages = requests.Session()
    pages.cookies.set(settings.SESSION_COOKIE_NAME, cookie)
    api = requests.Session()
    token, minted = None, 0.0
    rng = random.Random(user.pk)
    while time.monotonic() < until:
        if time.monotonic() - minted > 600:  # access tokens live 15 minutes
            token, minted = str(AccessToken.for_user(user)), time.monotonic()
            api.headers["Authorization"] = f"Bearer {token}"
        roll = rng.random()
        if roll < 0.35:
            kind, call = "page", lambda: pages.get(base + rng.choice(PAGES), timeout=(10, GIVE_UP_SECONDS))
            what = "page"  # any of PAGES
        elif roll < 0.65:
            path = rng.choice(API)
            kind, what, call = "api", path, lambda: api.get(base + path, timeout=(10, GIVE_UP_SECONDS))
        elif roll < 0.80:
            event, method = rng.choice(events), rng.choice(("put", "delete"))
            kind, what = "save", f"{method.upper()} /api/v1/events/…/save/"
            call = lambda: api.request(method, f"{base}/api/v1/events/{event}/save/", timeout=(10, GIVE_UP_SECONDS))
        elif roll < 0.99:
            kind, what, call = "healthz", "/healthz", lambda: requests.get(base + "/healthz", timeout=(10, GIVE_UP_SECONDS))
        else:
            kind, what = "upload", "POST /api/v1/listening/imports/"
            call = lambda: api.post(base + "/api/v1/listening/imports/",
                                    files={"export": ("my_spotify_data.zip", export)}, timeout=(10, GIVE_UP_SECONDS))
        started = time.monotonic()
        try:
            status = call().status_code
        except requests.Timeout:
            status = "timeout"
        except requests.ConnectionError:
            status = "connection error"
        results.add(kind, what, status, time.monotonic() - started)
        time.sleep(rng.random())


async def sockets_open(address: str, cookies: list[str], until: float) -> dict:
    """Keep one socket per cookie open until `until`, opening it again if it closes."""
    counts = Counter()

    async def hold(cookie: str):
        while time.monotonic() < until:
            try:
                async with websockets.connect(
                    f"ws://{address}/ws/notifications/", origin=f"http://{address}", open_timeout=60,
                    additional_headers={"Cookie": f"{settings.SESSION_COOKIE_NAME}={cookie}"},
                ) as ws:
                    await asyncio.wait_for(ws.recv(), 60)  # ready
                    counts["opened"] += 1
                    while time.monotonic() < until:
                        try:
                            await asyncio.wait_for(ws.recv(), max(0.1, until - time.monotonic()))
                            counts["messages"] += 1
                        except TimeoutError:
                            pass
                    counts["open at the end"] += 1
                    return
            except (OSError, TimeoutError, websockets.WebSocketException):
                counts["dropped or refused"] += 1
                await asyncio.sleep(1)

    await asyncio.gather(*(hold(cookie) for cookie in cookies))
    return counts


def watch_connections(until: float, peak: dict) -> None:
    """The most connections the stack held at once, in total and per application name."""
    with connection.cursor() as cursor:
        while time.monotonic() < until:
            cursor.execute("SELECT application_name, count(*) FROM pg_stat_activity "
                           "WHERE datname = current_database() AND pid <> pg_backend_pid() GROUP BY 1")
            rows = dict(cursor.fetchall())
            peak["total"] = max(peak.get("total", 0), sum(rows.values()))
            for name, count in rows.items():
                peak[name or "(unnamed)"] = max(peak.get(name or "(unnamed)", 0), count)
            time.sleep(0.25)
    connection.close()


def percentile(values: list[float], fraction: float) -> float:
    return values[min(len(values) - 1, int(len(values) * fraction))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--sockets", type=int, default=100)
    args = parser.parse_args()

    users, events = seed(args.clients)
    cookies = [session_cookie(user) for user in users]
    export = extended_export_zip(200)
    connection.close()  # the stack's connections are counted, not this process's
    address, processes = start_stack(Path(settings.VAR_DIR))
    results, peak = Results(), {}
    try:
        wait_until_healthy(address)
        until = time.monotonic() + args.minutes * 60
        threads = [threading.Thread(target=watch_connections, args=(until, peak), daemon=True)]
        threads += [threading.Thread(target=client_loop, args=(address, user, cookie, events, export, until, results),
                                     daemon=True) for user, cookie in zip(users, cookies)]
        for thread in threads:
            thread.start()
        sockets = asyncio.run(sockets_open(address, [cookies[n % len(cookies)] for n in range(args.sockets)], until))
        for thread in threads:
            thread.join(GIVE_UP_SECONDS + 15)
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()

    latencies = sorted(results.latencies)
    errors = {status: count for status, count in results.statuses.items() if status == "timeout"
              or not isinstance(status, int) or status >= 400}
    bound = getattr(settings, "ASGI_THREADS", None)
    print(f"soak: {args.minutes:g} min, {args.clients} clients, {args.sockets} sockets; one daphne, a worker "
          f"(concurrency {WORKER_CONCURRENCY}) and beat, on this {os.cpu_count()}-core machine")
    answered = sum(count for status, count in results.statuses.items() if isinstance(status, int))
    print(f"  requests: {len(latencies)}, answered {answered} ({answered / (args.minutes * 60):.0f}/s): "
          + ", ".join(f"{kind} {count}" for kind, count in sorted(results.kinds.items())))
    print(f"  errors by status: {dict(sorted(errors.items(), key=str)) or 'none'}"
          f" (5xx: {sum(c for s, c in errors.items() if isinstance(s, int) and s >= 500)})")
    for (status, what), count in sorted(results.errors.items(), key=str):
        print(f"    {status} {what}: {count}")
    if latencies:
        print(f"  latency p50 {statistics.median(latencies) * 1000:.0f} ms, p95 {percentile(latencies, 0.95) * 1000:.0f} ms, "
              f"p99 {percentile(latencies, 0.99) * 1000:.0f} ms, slowest {latencies[-1]:.1f} s")
    print(f"  requests over {HUNG_SECONDS} s: {len(results.slow)}"
          + (f" — e.g. {sorted(results.slow, reverse=True)[:3]}" if results.slow else " (none hung)"))
    print(f"  database connections, most at once: {peak.get('total', 0)} "
          f"({', '.join(f'{name} {count}' for name, count in sorted(peak.items()) if name != 'total')})"
          + (f"; bound for this stack: daphne {bound + 1}, worker {WORKER_CONCURRENCY + 1}, beat 1 = "
             f"{bound + WORKER_CONCURRENCY + 3}" if bound else ""))
    print(f"  sockets: {dict(sockets)}")


if __name__ == "__main__":
    main()
