"""Spotify tokens: refreshed before expiry, broken when revoked, the app token shared by all callers."""

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts import services
from accounts.spotify import tokens
from accounts.tasks import spotify_tokens_refresh
from tests.factories import SpotifyAccountFactory, SpotifyTokenFactory


@pytest.fixture
def connected(spotify):
    """A guest whose stored Spotify token expires in five minutes."""
    spotify.add_user()
    access, refresh = spotify.issue_tokens("wizzler", expires_in=300)
    account = SpotifyAccountFactory(uid="wizzler")
    return SpotifyTokenFactory(
        account=account, token=access, token_secret=refresh, expires_at=timezone.now() + timedelta(minutes=5)
    )


def test_tokens_near_expiry_are_refreshed_and_work_against_the_api(connected, spotify):
    counts = spotify_tokens_refresh()

    assert counts == {"refreshed": 1, "broken": 0, "failed": 0}
    connected.refresh_from_db()
    assert connected.expires_at > timezone.now() + timedelta(minutes=55)
    assert spotify.grant_for(connected.token).user_id == "wizzler"
    assert spotify.count("POST", "/api/token", grant_type="refresh_token") == 1


def test_tokens_far_from_expiry_are_left_alone(connected, spotify):
    connected.expires_at = timezone.now() + timedelta(minutes=50)
    connected.save()

    assert spotify_tokens_refresh()["refreshed"] == 0
    assert spotify.count("POST", "/api/token") == 0


def test_a_rotated_refresh_token_replaces_the_stored_one(connected, spotify):
    spotify.rotate_refresh_tokens = True
    old_refresh = connected.token_secret

    spotify_tokens_refresh()

    connected.refresh_from_db()
    assert connected.token_secret != old_refresh
    assert connected.token_secret in spotify.refresh_tokens


def test_a_revoked_refresh_token_marks_the_connection_broken_and_the_user_sees_reconnect(connected, spotify, client):
    spotify.revoke(connected.token_secret)

    counts = spotify_tokens_refresh()

    assert counts["broken"] == 1
    user = connected.account.user
    user.refresh_from_db()
    assert user.needs_spotify_reconnect
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    page = client.get("/").content.decode()
    assert "Reconnect Spotify" in page
    assert client.get("/api/v1/me/").json()["spotify"] == {"connected": True, "needs_reconnect": True}
    # A broken connection is not retried on every beat until the user reconnects.
    assert spotify_tokens_refresh() == {"refreshed": 0, "broken": 0, "failed": 0}


def test_spotify_being_down_keeps_the_token_for_the_next_run(connected, spotify):
    spotify.fail("/api/token", 503)
    before = connected.token

    assert spotify_tokens_refresh() == {"refreshed": 0, "broken": 0, "failed": 1}

    connected.refresh_from_db()
    assert connected.token == before
    assert not connected.account.user.needs_spotify_reconnect
    assert spotify_tokens_refresh()["refreshed"] == 1


def test_the_app_token_is_fetched_once_for_many_concurrent_callers(spotify):
    with ThreadPoolExecutor(max_workers=16) as pool:
        answers = list(pool.map(lambda _: tokens.app_access_token(), range(64)))

    assert len(set(answers)) == 1
    assert spotify.count("POST", "/api/token", grant_type="client_credentials") == 1
    assert spotify.grant_for(answers[0]) is not None


def test_the_app_token_lives_in_redis_slightly_shorter_than_spotify_says(spotify):
    from rewrapped.redis import redis_client

    tokens.app_access_token()

    ttl = redis_client().ttl(":1:".join(["cache", tokens.APP_TOKEN_CACHE_KEY]))
    assert 3600 - tokens.APP_TOKEN_SAFETY_SECONDS - 5 <= ttl <= 3600 - tokens.APP_TOKEN_SAFETY_SECONDS


def test_wrong_client_credentials_are_reported_as_rejected(spotify, settings):
    settings.SPOTIFY_CLIENT_SECRET = "wrong"

    with pytest.raises(tokens.SpotifyTokenRejected, match="invalid_client"):
        tokens.app_access_token()


def test_service_refresh_returns_none_when_the_user_must_reconnect(connected, spotify):
    spotify.revoke(connected.token_secret)

    assert services.spotify_token_refresh(token=connected) is None
