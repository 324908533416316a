"""Daphne serving HTTP: a burst of requests never holds more database connections than documented."""

import threading
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.db import connection


def daphne_connections() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND application_name = 'rewrapped daphne'"
        )
        return cursor.fetchone()[0]


def test_a_burst_of_requests_holds_at_most_the_documented_connections(daphne_server, db):
    peak, done = [0], threading.Event()

    def watch():
        while not done.is_set():
            peak[0] = max(peak[0], daphne_connections())
        connection.close()  # this thread's own

    def get(path):
        try:
            with urllib.request.urlopen(f"http://{daphne_server}{path}", timeout=60) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        with ThreadPoolExecutor(max_workers=64) as pool:
            statuses = list(pool.map(get, ["/healthz", "/", "/events/", "/accounts/login/"] * 32))
    finally:
        done.set()
        watcher.join()

    assert 500 not in statuses
    # README, "Database connections": ASGI_THREADS for HTTP, one for every socket's sign-in and consumers.
    assert 0 < peak[0] <= settings.ASGI_THREADS + 1, peak[0]
