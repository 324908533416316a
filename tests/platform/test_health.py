"""/healthz tells a load balancer whether the database, Redis and a Celery worker are there, and answers every
poll however many arrive at once."""

import urllib.error
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest

from rewrapped import redis as shared_redis
from tests.conftest import wait_until


@pytest.fixture
def redis_at(settings):
    """Point the site's Redis client at another URL for one test."""

    def point(url: str) -> None:
        settings.REDIS_URL = url
        shared_redis.redis_client.cache_clear()

    yield point
    shared_redis.redis_client.cache_clear()


@pytest.mark.django_db(transaction=True)
def test_healthz_is_200_while_a_worker_beats(client, celery_worker):
    # The worker beats every few seconds; an earlier test may have just started it.
    wait_until(lambda: client.get("/healthz").status_code == 200, "a worker's heartbeat")

    response = client.get("/healthz")

    assert response.json() == {"status": "ok", "checks": {"database": "ok", "redis": "ok", "celery": "ok"}}


def test_healthz_is_503_when_no_worker_beats(client, db, settings, redis_at):
    # A Redis database no worker writes to: the same as a stack whose workers are all gone.
    redis_at(settings.REDIS_URL.rsplit("/", 1)[0] + "/15")
    shared_redis.redis_client().flushdb()

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json() == {"status": "degraded", "checks": {"database": "ok", "redis": "ok", "celery": "down"}}


def test_healthz_is_503_and_names_the_part_that_is_down(client, db, redis_at):
    redis_at("redis://127.0.0.1:1/0")  # nothing listens on port 1

    response = client.get("/healthz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "degraded"
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["redis"].startswith("down")
    assert body["checks"]["celery"].startswith("down")


def test_many_load_balancer_polls_at_once_are_all_answered(daphne_server):
    """Polls arrive together from every balancer and monitor; none may wait forever behind another."""

    def poll(_):
        try:
            with urllib.request.urlopen(f"http://{daphne_server}/healthz", timeout=30) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code  # 503 is an answer too
        except OSError as error:  # a timeout: the request hung
            return type(error).__name__

    with ThreadPoolExecutor(max_workers=48) as pool:
        answers = Counter(pool.map(poll, range(48)))

    assert set(answers) <= {200, 503}, answers
