"""API throughput under load, beside a bare Django JSON view measured in the same run.

    DEBUG=1 RW_VAR_DIR=var/bench_dashboard LOG_LEVEL=WARNING .venv/bin/python benchmarks/api.py \
        [--seconds 10] [--connections 20] [--rounds 3]

Runs on benchmarks/dashboard.py's 10,000,000-play database (build that first) and needs wrk (`apt-get install
wrk`). Starts gunicorn with 2 sync workers as production serves HTTP (DEBUG off; the throttles count every request
but are widened so that none is refused), with one URL more than the site: a bare JSON view behind the same
middleware (benchmarks/api_urls.py). Then, --rounds times, wrk with --connections connections for --seconds
(after a 2 s warm-up) against each of: the bare view, /api/v1/me/, and the heavy listener's top artists and top
tracks of the last 4 weeks, the API calls sent with the heavy listener's JWT access token as a mobile client sends
them. Prints req/s (lowest–highest over the rounds) and p99 latency (median over the rounds) for each, and its median
req/s as a share of the bare view's. Target (issue): /me/ and the top lists at >= 25 % of the bare view's req/s.
"""

import argparse
import os
import re
import shutil
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

import requests  # noqa: E402
from django.conf import settings  # noqa: E402
from rest_framework_simplejwt.tokens import AccessToken  # noqa: E402

from accounts.models import User  # noqa: E402

HEAVY = "bench-heavy"
SHARE_TARGET = 0.25
WORKERS = 2
URLS = {
    "bare JSON view": "/bench/bare/",
    "/api/v1/me/": "/api/v1/me/",
    "top artists, 4w": "/api/v1/listening/top/artists/?period=4w",
    "top tracks, 4w": "/api/v1/listening/top/tracks/?period=4w",
}
UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def serve(port: int) -> subprocess.Popen:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "benchmarks.api_settings", "DEBUG": "0", "HTTPS": "0",
           "ALLOWED_HOSTS": "127.0.0.1", "SECRET_KEY": settings.SECRET_KEY, "DATABASE_URL": settings.DATABASE_URL,
           "REDIS_URL": settings.REDIS_URL, "LOG_LEVEL": "WARNING",
           "API_USER_RATE": "100000000/min", "API_ANON_RATE": "100000000/min"}
    return subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "rewrapped.wsgi:application", "--bind", f"127.0.0.1:{port}",
         "--workers", str(WORKERS), "--timeout", "120"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )


def wait_for(base: str) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            requests.get(f"{base}/bench/bare/", timeout=60)
            return
        except requests.ConnectionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def headers_for(user: User) -> dict[str, str]:
    return {"Authorization": f"Bearer {AccessToken.for_user(user)}"}


def wrk(url: str, headers: dict[str, str], seconds: int, connections: int) -> tuple[float, float]:
    """(requests a second, p99 latency in ms) of one wrk run; any answer but 2xx fails the run."""
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "30s", "--latency"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    output = subprocess.run(command + [url], capture_output=True, text=True, check=True).stdout
    if "Non-2xx" in output or "Socket errors" in output:
        sys.exit(f"wrk saw errors for {url}:\n{output}")
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    value, unit = re.search(r"^\s+99%\s+([\d.]+)(us|ms|s)\s*$", output, re.M).groups()
    return rate, float(value) * UNITS[unit]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is needed: apt-get install wrk")
    heavy = User.objects.filter(username=HEAVY).first()
    if heavy is None:
        sys.exit("No benchmark data here: run benchmarks/dashboard.py with this RW_VAR_DIR first.")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    base = f"http://127.0.0.1:{port}"
    server = serve(port)
    runs: dict[str, list[tuple[float, float]]] = {label: [] for label in URLS}
    try:
        wait_for(base)
        for label, path in URLS.items():
            answer = requests.get(base + path, headers=headers_for(heavy), timeout=60)
            assert answer.status_code == 200, (path, answer.status_code, answer.text[:300])
        print(f"({os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the start: other work on the "
              f"machine makes these figures noisy)", flush=True)
        for _ in range(args.rounds):
            for label, path in URLS.items():
                headers = {} if path.startswith("/bench/") else headers_for(heavy)
                wrk(base + path, headers, 2, args.connections)
                runs[label].append(wrk(base + path, headers, args.seconds, args.connections))
    finally:
        server.terminate()
        server.wait()
    bare = statistics.median(rate for rate, _ in runs["bare JSON view"])
    print(f"\ngunicorn ({WORKERS} sync workers, DEBUG=0), wrk -c{args.connections} for {args.seconds} s, "
          f"{args.rounds} rounds; heavy listener {heavy.username} — * = under {SHARE_TARGET:.0%} of the bare view")
    print(f"{'URL':24}{'req/s':>20}{'p99 ms':>10}{'share':>9}")
    for label, figures in runs.items():
        rates = [rate for rate, _ in figures]
        median_rate = statistics.median(rates)
        p99 = statistics.median(p99 for _, p99 in figures)
        share = median_rate / bare
        print(f"{label:24}{f'{min(rates):,.0f}–{max(rates):,.0f}':>20}{p99:>10.1f}"
              f"{share:>8.1%}{'*' if share < SHARE_TARGET else ' '}")


if __name__ == "__main__":
    main()
