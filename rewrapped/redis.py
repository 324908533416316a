from functools import cache

import redis
from django.conf import settings


@cache
def redis_client() -> redis.Redis:
    """The process's shared Redis connection pool, for locks and counters the cache API lacks."""
    return redis.Redis.from_url(settings.REDIS_URL, socket_timeout=10, health_check_interval=30)
