"""/healthz tells a load balancer whether the database, Redis and a Celery worker answer."""

import pytest


@pytest.mark.django_db(transaction=True)
def test_healthz_is_200_when_everything_answers(client, celery_worker):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "redis": "ok", "celery": "ok"}}


def test_healthz_is_503_and_names_the_part_that_is_down(client, db, settings):
    from rewrapped import redis as shared_redis

    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    shared_redis.redis_client.cache_clear()
    try:
        response = client.get("/healthz")
    finally:
        shared_redis.redis_client.cache_clear()

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "degraded"
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["redis"].startswith("down")
