import uuid
from functools import cache

import redis
from django.conf import settings
from django.db import transaction
from redis.commands.core import Script


@cache
def redis_client() -> redis.Redis:
    """The process's shared Redis connection pool, for locks and counters the cache API lacks."""
    return redis.Redis.from_url(settings.REDIS_URL, socket_timeout=10, health_check_interval=30)


# Values cached under the version of what they were computed from, read in one round trip. A version is a random
# token, never a counter: one evicted or expired is replaced by a new token, so no value stored under an older
# one is found again. KEYS[1]: the version, KEYS[2]: the value's key; ARGV[1]: a token for a missing version,
# ARGV[2]: how long versions live (s). Returns {version, value or nil}.
_VERSIONED_GET = """
local version = redis.call('GET', KEYS[1])
if not version then
    version = ARGV[1]
    redis.call('SET', KEYS[1], version, 'EX', ARGV[2])
end
return {version, redis.call('GET', KEYS[2] .. '@' .. version)}
"""
VERSION_SECONDS = 30 * 24 * 3600


@cache
def _versioned_get() -> Script:
    return redis_client().register_script(_VERSIONED_GET)


def versioned_get(version_key: str, key: str) -> tuple[str, bytes | None]:
    """(the version now, the value stored for it or None). Compute a missing value only after this call, and
    store it with versioned_set under the version returned: a writer's version_bump then leaves nothing stale
    behind, even when it commits while the value is being computed."""
    version, value = _versioned_get()(keys=[version_key, key], args=[uuid.uuid4().hex, VERSION_SECONDS])
    return version.decode(), value


def versioned_set(key: str, version: str, value: bytes, *, seconds: int) -> None:
    redis_client().set(f"{key}@{version}", value, ex=seconds)


def version_bump(version_key: str) -> None:
    """Make every value cached under this version unreachable: now, so that this transaction reads its own
    change, and once it commits, so that nothing another reader cached meanwhile (from before it) is read."""
    _version_replace(version_key)
    transaction.on_commit(lambda: _version_replace(version_key), robust=True)


def _version_replace(version_key: str) -> None:
    redis_client().set(version_key, uuid.uuid4().hex, ex=VERSION_SECONDS)
