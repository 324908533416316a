from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from rewrapped.celery import app as celery_app
from rewrapped.redis import redis_client


def _database() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        return cursor.fetchone() == (1,)


def _redis() -> bool:
    return bool(redis_client().ping())


def _celery() -> bool:
    return bool(celery_app.control.ping(timeout=1.0))


CHECKS = {"database": _database, "redis": _redis, "celery": _celery}


@never_cache
@require_GET
def healthz(request):
    """Reachability of the database, Redis and at least one Celery worker: 200 when all answer, else 503."""
    results = {}
    for name, check in CHECKS.items():
        try:
            results[name] = "ok" if check() else "down"
        except Exception as error:  # a health check reports every failure instead of raising it
            results[name] = f"down: {type(error).__name__}"
    healthy = all(value == "ok" for value in results.values())
    return JsonResponse({"status": "ok" if healthy else "degraded", "checks": results}, status=200 if healthy else 503)
