from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from rewrapped.celery import HEARTBEAT_KEY
from rewrapped.redis import redis_client


def _database() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        return cursor.fetchone() == (1,)


def _redis() -> bool:
    return bool(redis_client().ping())


def _celery() -> bool:
    # A key workers keep alive (rewrapped/celery.py), never a ping over the broker: the web thread must not
    # wait on the broker or its connection pool.
    return bool(redis_client().exists(HEARTBEAT_KEY))


CHECKS = {"database": _database, "redis": _redis, "celery": _celery}


@never_cache
@require_GET
def healthz(request):
    """Reachability of the database and Redis, and a heartbeat from at least one Celery worker: 200 when all
    are there, else 503."""
    results = {}
    for name, check in CHECKS.items():
        try:
            results[name] = "ok" if check() else "down"
        except Exception as error:  # a health check reports every failure instead of raising it
            results[name] = f"down: {type(error).__name__}"
    healthy = all(value == "ok" for value in results.values())
    return JsonResponse({"status": "ok" if healthy else "degraded", "checks": results}, status=200 if healthy else 503)
