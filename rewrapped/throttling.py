"""The API's throttles, counted in Redis atomically.

DRF's own read the client's recent requests from the cache and write them back, so requests arriving together
all read the same count and all pass. Here one Lua script drops the requests older than the window, counts the
rest and records this one if it fits, in a single round trip that nothing can interleave with."""

import uuid
from functools import cache

from redis.commands.core import Script
from rest_framework import throttling

from rewrapped.redis import redis_client

# KEYS[1]: the client's window (a sorted set of request times). ARGV: the limit, the window in ms, a name for this
# request. Returns 0 when the request passes (and is recorded), else the ms until the oldest leaves the window.
# Redis's own clock, so every web process counts the same window.
SLIDING_WINDOW = """
local now = redis.call('TIME')
local now_ms = now[1] * 1000 + math.floor(now[2] / 1000)
local limit, window = tonumber(ARGV[1]), tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now_ms - window)
if redis.call('ZCARD', KEYS[1]) < limit then
    redis.call('ZADD', KEYS[1], now_ms, ARGV[3])
    redis.call('PEXPIRE', KEYS[1], window)
    return 0
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return math.max(1, oldest[2] + window - now_ms)
"""


@cache
def _sliding_window() -> Script:
    return redis_client().register_script(SLIDING_WINDOW)


class AtomicRateThrottle(throttling.SimpleRateThrottle):
    """SimpleRateThrottle's rates, scopes and cache keys, with the check-and-record done in Redis in one step."""

    def allow_request(self, request, view):
        if self.rate is None:
            return True
        key = self.get_cache_key(request, view)
        if key is None:
            return True
        self.wait_ms = _sliding_window()(keys=[f"throttle:{key}"],
                                         args=[self.num_requests, self.duration * 1000, uuid.uuid4().hex])
        return self.wait_ms == 0

    def wait(self):
        return self.wait_ms / 1000


class AnonRateThrottle(throttling.AnonRateThrottle, AtomicRateThrottle):
    """By client address, for requests without a signed-in user (the `anon` rate)."""


class UserRateThrottle(throttling.UserRateThrottle, AtomicRateThrottle):
    """By user, or by address when nobody is signed in (the `user` rate)."""


class ScopedRateThrottle(throttling.ScopedRateThrottle, AtomicRateThrottle):
    """By user or address, at the rate named by the view's `throttle_scope`."""
