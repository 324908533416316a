"""The one way we call outside HTTP APIs: a shared rate limit, retries, Retry-After, caching and a call log.

Each outside service gets a client module (listening/spotify.py, events/providers/…) built on `Outbound`.
Every process shares the service's Redis token bucket, so N workers together stay under the service's
rate; a 429 pauses the whole service for every process until its Retry-After has passed, because
services such as Spotify count requests per app, not per user. Callers get typed errors they can defer on.
"""

from __future__ import annotations

import hashlib
import logging
import random
import time
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.db import DatabaseError, transaction
from django.utils import timezone

from rewrapped.models import ApiCallLog
from rewrapped.redis import redis_client

logger = logging.getLogger(__name__)

# The wall clock the pause is measured against; tests move it forward to live through a long Retry-After.
clock = time.time

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})
DEFAULT_RETRY_AFTER_SECONDS = 30  # when a 429 comes without Retry-After

# A token bucket refilled at `rate` tokens a second up to `burst`, on the Redis server's clock so every
# process agrees. Returns 0 when a token was taken, else how many milliseconds until one is free.
_TAKE_TOKEN = """
redis.replicate_commands()
local rate, burst = tonumber(ARGV[1]), tonumber(ARGV[2])
local now_parts = redis.call('TIME')
local now = tonumber(now_parts[1]) * 1000 + math.floor(tonumber(now_parts[2]) / 1000)
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1]) or burst
local at = tonumber(state[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - at) * rate / 1000)
local wait = 0
if tokens >= 1 then
    tokens = tokens - 1
else
    wait = math.ceil((1 - tokens) * 1000 / rate)
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(burst * 1000 / rate) + 1000)
return wait
"""


class OutboundError(requests.RequestException):
    """The service could not be used right now. A RequestException, so code that already copes with
    requests' network errors (and libraries on top of our session) treats it as one."""


class RateLimited(OutboundError):
    """The service (or our own bucket) says wait `retry_after_seconds` before the next call."""

    def __init__(self, service: str, retry_after_seconds: float, *, by_service: bool = True):
        self.service = service
        self.retry_after_seconds = max(float(retry_after_seconds), 0.0)
        self.by_service = by_service
        who = service if by_service else f"our {service} rate limit"
        super().__init__(f"{who} asked us to wait {self.retry_after_seconds:.0f} s")


class ServiceUnavailable(OutboundError):
    """The service kept failing (5xx, timeouts, refused connections) after our retries."""


class Outbound:
    """HTTP calls to one outside service. Thread-safe; build one per service and configuration and keep it."""

    def __init__(
        self,
        *,
        service: str,
        base_url: str,
        rate_per_second: float,
        burst: int | None = None,
        timeout_seconds: float | None = None,
        retries: int | None = None,
        backoff_seconds: float | None = None,
        max_wait_seconds: float | None = None,
        cache: dict[str, int] | None = None,
    ):
        self.service = service
        self.base_url = base_url.rstrip("/")
        self.rate_per_second = float(rate_per_second)
        self.burst = burst or max(1, int(rate_per_second))
        # None: the OUTBOUND_* setting, read at call time.
        self._timeout_seconds = timeout_seconds
        self._retries = retries
        self._backoff_seconds = backoff_seconds
        self._max_wait_seconds = max_wait_seconds
        self.cache = {path.rstrip("/"): seconds for path, seconds in (cache or {}).items()}
        self._http = requests.Session()
        self._take_token = redis_client().register_script(_TAKE_TOKEN)

    @property
    def timeout_seconds(self) -> float:
        return settings.OUTBOUND_TIMEOUT_SECONDS if self._timeout_seconds is None else self._timeout_seconds

    @property
    def retries(self) -> int:
        return settings.OUTBOUND_RETRIES if self._retries is None else self._retries

    @property
    def backoff_seconds(self) -> float:
        return settings.OUTBOUND_BACKOFF_SECONDS if self._backoff_seconds is None else self._backoff_seconds

    @property
    def max_wait_seconds(self) -> float:
        # Longer waits (a long Retry-After, an empty bucket) are not slept through: the caller defers.
        return settings.OUTBOUND_MAX_WAIT_SECONDS if self._max_wait_seconds is None else self._max_wait_seconds

    # --- keys ------------------------------------------------------------------------------------------
    @property
    def _bucket_key(self) -> str:
        return f"outbound:{self.service}:bucket"

    @property
    def _pause_key(self) -> str:
        return f"outbound:{self.service}:paused-until"

    # --- the service-wide pause a 429 starts -------------------------------------------------------------
    def paused_for(self) -> float:
        """Seconds every process must still wait because the service answered 429; 0 when calls may go."""
        until = redis_client().get(self._pause_key)
        return max(float(until) - clock(), 0.0) if until else 0.0

    def pause(self, seconds: float) -> None:
        until = clock() + seconds
        # Never shorten a longer pause another process recorded.
        current = redis_client().get(self._pause_key)
        if current and float(current) >= until:
            return
        # repr keeps every digit: rounding could make the pause outlast the Retry-After it came from.
        redis_client().set(self._pause_key, repr(until), px=int(seconds * 1000) + 60_000)

    # --- calls ----------------------------------------------------------------------------------------
    def url(self, path_or_url: str) -> str:
        return path_or_url if "://" in path_or_url else f"{self.base_url}/{path_or_url.lstrip('/')}"

    def session(self) -> requests.Session:
        """A requests Session whose calls go through this service's limits and log, for client libraries
        that take a session (spotipy). It returns 4xx answers unchanged for the library to read."""
        return _OutboundSession(self)

    def request(self, method: str, path_or_url: str, **kwargs) -> requests.Response:
        """Send one request; returns any answer below 500 except 429.

        Raises RateLimited when the service answered 429 (or is still paused from an earlier 429) and the
        wait is longer than max_wait_seconds, or when our own bucket would make us wait that long; raises
        ServiceUnavailable when 5xx answers or network errors outlast the retries. Only idempotent methods
        are retried after a 5xx, so a POST is never sent twice."""
        method = method.upper()
        url = self.url(path_or_url)
        endpoint = (urlsplit(url).path.rstrip("/") or "/")[:300]
        kwargs.setdefault("timeout", self.timeout_seconds)
        cache_seconds = self.cache.get(endpoint) if method == "GET" else None
        cache_key = self._cache_key(method, url, kwargs.get("params")) if cache_seconds else None
        if cache_key and (cached := self._cached(cache_key, url)) is not None:
            self._log(method, endpoint, cached.status_code, 0, cache_hit=True)
            return cached

        attempt = 0
        while True:
            self._wait_for_turn()
            started = time.monotonic()
            try:
                response = self._http.request(method, url, **kwargs)
            except requests.RequestException as exc:
                self._log(method, endpoint, None, _ms_since(started), error=f"{type(exc).__name__}: {exc}")
                if attempt >= self.retries:
                    raise ServiceUnavailable(f"{self.service} did not answer: {type(exc).__name__}") from exc
                attempt = self._back_off(attempt)
                continue
            latency = _ms_since(started)

            if response.status_code == 429:
                retry_after = _retry_after_seconds(response)
                self._log(method, endpoint, 429, latency, error=f"Retry-After {retry_after:.0f} s")
                self.pause(retry_after)
                if retry_after > self.max_wait_seconds or attempt >= self.retries:
                    raise RateLimited(self.service, retry_after)
                attempt += 1
                continue  # _wait_for_turn sleeps through the short pause
            if response.status_code >= 500:
                self._log(method, endpoint, response.status_code, latency, error=response.reason or "")
                if method not in IDEMPOTENT_METHODS or attempt >= self.retries:
                    raise ServiceUnavailable(f"{self.service} answered {response.status_code}")
                attempt = self._back_off(attempt)
                continue

            self._log(method, endpoint, response.status_code, latency)
            if cache_key and response.status_code == 200:
                self._store(cache_key, response, cache_seconds)
            return response

    # --- internals ----------------------------------------------------------------------------------------
    def _wait_for_turn(self) -> None:
        """Block until the service is not paused and our shared bucket has a token (short waits only)."""
        while True:
            paused = self.paused_for()
            if paused > self.max_wait_seconds:
                raise RateLimited(self.service, paused)
            if paused:
                time.sleep(paused)
                continue
            wait_ms = int(self._take_token(keys=[self._bucket_key], args=[self.rate_per_second, self.burst]))
            if not wait_ms:
                return
            if wait_ms / 1000 > self.max_wait_seconds:
                raise RateLimited(self.service, wait_ms / 1000, by_service=False)
            time.sleep(wait_ms / 1000)

    def _back_off(self, attempt: int) -> int:
        # Exponential with jitter, so workers that failed together do not retry together.
        delay = self.backoff_seconds * (2 ** attempt)
        time.sleep(delay + random.uniform(0, self.backoff_seconds))
        return attempt + 1

    def _cache_key(self, method: str, url: str, params) -> str:
        prepared = requests.Request(method, url, params=params).prepare().url
        return f"outbound:{self.service}:cache:{hashlib.sha256(prepared.encode()).hexdigest()}"

    def _cached(self, key: str, url: str) -> requests.Response | None:
        stored = redis_client().hgetall(key)
        if not stored:
            return None
        response = requests.Response()
        response.status_code = int(stored[b"status"])
        response.headers["Content-Type"] = stored.get(b"content_type", b"application/json").decode()
        response._content = stored[b"body"]
        response.encoding = "utf-8"
        response.url = url
        return response

    def _store(self, key: str, response: requests.Response, seconds: int) -> None:
        pipe = redis_client().pipeline()
        pipe.hset(key, mapping={
            "status": response.status_code,
            "content_type": response.headers.get("Content-Type", "application/json"),
            "body": response.content,
        })
        pipe.expire(key, seconds)
        pipe.execute()

    def _log(self, method: str, endpoint: str, status: int | None, latency_ms: int, *, cache_hit: bool = False,
             error: str = "") -> None:
        try:
            # A savepoint, so a failed log write inside a caller's transaction does not break it.
            with transaction.atomic():
                ApiCallLog.objects.create(
                    service=self.service[:20], method=method[:8], endpoint=endpoint, status=status,
                    latency_ms=latency_ms, cache_hit=cache_hit, error=error[:300],
                )
        except DatabaseError:
            # The log is for operators; a call that worked must not fail because the log could not be written.
            logger.warning("api call log not written", exc_info=True,
                           extra={"service": self.service, "endpoint": endpoint, "status": status})


def api_call_log_prune(*, now: datetime | None = None) -> int:
    """Forget calls older than OUTBOUND_LOG_KEEP_DAYS (daily, from beat), so the log stays small."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.OUTBOUND_LOG_KEEP_DAYS)
    deleted, _ = ApiCallLog.objects.filter(created_at__lt=cutoff).delete()
    return deleted


class _OutboundSession(requests.Session):
    def __init__(self, outbound: Outbound):
        super().__init__()
        self.outbound = outbound

    def request(self, method, url, **kwargs):
        return self.outbound.request(method, url, **kwargs)


def _retry_after_seconds(response: requests.Response) -> float:
    # Spotify sends whole seconds; the HTTP-date form is not used by the services we call.
    try:
        return max(float(response.headers.get("Retry-After", "")), 0.0)
    except ValueError:
        return float(DEFAULT_RETRY_AFTER_SECONDS)


def _ms_since(started: float) -> int:
    return int((time.monotonic() - started) * 1000)
