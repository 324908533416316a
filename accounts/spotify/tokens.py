"""Spotify Accounts service: user token refresh and the app's client-credentials token."""

import logging
from functools import lru_cache

import requests
from django.conf import settings
from django.core.cache import cache

from rewrapped.outbound import Outbound, OutboundError
from rewrapped.redis import redis_client

logger = logging.getLogger(__name__)

APP_TOKEN_CACHE_KEY = "spotify:app-token"
# Cached a little shorter than Spotify's expires_in, so no caller is handed a token that dies mid-request.
APP_TOKEN_SAFETY_SECONDS = 60


class SpotifyTokenRejected(Exception):
    """Spotify said no for good (invalid_grant, invalid_client): retrying will not help."""


class SpotifyUnavailable(Exception):
    """Spotify did not answer usefully (timeout, 429, 5xx): try again later."""


def accounts_outbound() -> Outbound:
    return _outbound(settings.SPOTIFY_ACCOUNTS_BASE)


@lru_cache(maxsize=4)
def _outbound(base_url: str) -> Outbound:
    # No retries here: token calls are POSTs, and every caller already has a later attempt (the refresh
    # beat every few minutes, the next sync run).
    return Outbound(service="spotify-accounts", base_url=base_url, rate_per_second=5, burst=10, retries=0)


def request_token(form: dict) -> dict:
    try:
        response = accounts_outbound().request(
            "POST", "/api/token", data=form, auth=(settings.SPOTIFY_CLIENT_ID, settings.SPOTIFY_CLIENT_SECRET),
        )
    except OutboundError as exc:
        raise SpotifyUnavailable(str(exc)) from exc
    if response.status_code == 400 or response.status_code == 401:
        body = _json(response)
        raise SpotifyTokenRejected(f"{body.get('error', 'rejected')}: {body.get('error_description', '')}".strip())
    if response.status_code != 200:
        raise SpotifyUnavailable(f"HTTP {response.status_code}")
    return response.json()


def refresh_user_token(refresh_token: str) -> dict:
    """Exchange a refresh token; the answer may carry a new refresh token, which then replaces the old."""
    return request_token({"grant_type": "refresh_token", "refresh_token": refresh_token})


def app_access_token() -> str:
    """The app's client-credentials token, shared by every process through Redis."""
    if token := cache.get(APP_TOKEN_CACHE_KEY):
        return token
    # One process fetches while the others wait for it, instead of all asking Spotify at once.
    with redis_client().lock("lock:spotify-app-token", timeout=20, blocking_timeout=20):
        if token := cache.get(APP_TOKEN_CACHE_KEY):
            return token
        answer = request_token({"grant_type": "client_credentials"})
        ttl = max(int(answer["expires_in"]) - APP_TOKEN_SAFETY_SECONDS, 1)
        cache.set(APP_TOKEN_CACHE_KEY, answer["access_token"], timeout=ttl)
        return answer["access_token"]


def _json(response: requests.Response) -> dict:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}
