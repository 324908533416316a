"""The outbound HTTP base (rewrapped/outbound.py) against the fake Spotify: rate limit shared by processes,
retries, Retry-After, caching, and the call log operators read in the admin."""

import subprocess
import sys
from datetime import timedelta

import pytest
from django.utils import timezone

from listening.spotify import spotify_client
from rewrapped import outbound
from rewrapped.models import ApiCallLog
from rewrapped.outbound import Outbound, RateLimited, ServiceUnavailable
from tests.conftest import ROOT, client_for


@pytest.fixture(autouse=True)
def quick_backoff(settings):
    settings.OUTBOUND_BACKOFF_SECONDS = 0


@pytest.fixture
def api(spotify):
    """The fake Spotify's Web API as one service, and a token it accepts."""
    spotify.add_user()
    access, _ = spotify.issue_tokens("wizzler")
    service = Outbound(service="spotify-test", base_url=spotify.url, rate_per_second=100, burst=100)
    service.headers = {"Authorization": f"Bearer {access}"}
    return service


def statuses(endpoint: str) -> list:
    calls = ApiCallLog.objects.filter(service="spotify-test", endpoint=endpoint).order_by("id")
    return list(calls.values_list("status", flat=True))


def test_every_call_is_logged_with_its_endpoint_status_and_latency(api):
    answer = api.request("GET", "/v1/me", params={"fields": "id"}, headers=api.headers)

    assert answer.status_code == 200 and answer.json()["id"] == "wizzler"
    entry = ApiCallLog.objects.get(service="spotify-test")
    assert (entry.service, entry.method, entry.endpoint, entry.status) == ("spotify-test", "GET", "/v1/me", 200)
    assert entry.latency_ms >= 0 and not entry.cache_hit and entry.error == ""


def test_a_failing_service_is_retried_with_backoff_until_it_answers(api, spotify):
    spotify.fail("/v1/me", 503, times=2)

    assert api.request("GET", "/v1/me", headers=api.headers).status_code == 200

    assert statuses("/v1/me") == [503, 503, 200]


def test_a_service_failing_beyond_the_retries_raises_service_unavailable(api, spotify, settings):
    settings.OUTBOUND_RETRIES = 2
    spotify.fail("/v1/me", 500, times=10)

    with pytest.raises(ServiceUnavailable, match="500"):
        api.request("GET", "/v1/me", headers=api.headers)

    assert statuses("/v1/me") == [500, 500, 500]


def test_a_post_is_never_sent_twice(api, spotify):
    spotify.fail("/v1/me/playlists", 502)

    with pytest.raises(ServiceUnavailable):
        api.request("POST", "/v1/me/playlists", json={"name": "Mine"}, headers=api.headers)

    assert spotify.count("POST", "/v1/me/playlists") == 1


def test_network_errors_are_retried_then_reported_and_logged_without_a_status(db, settings):
    settings.OUTBOUND_RETRIES = 1
    closed = Outbound(service="nowhere", base_url="http://127.0.0.1:9", rate_per_second=100, timeout_seconds=2)

    with pytest.raises(ServiceUnavailable, match="did not answer"):
        closed.request("GET", "/status")

    assert [(e.status, e.error.split(":")[0]) for e in ApiCallLog.objects.filter(service="nowhere")] == [
        (None, "ConnectionError"), (None, "ConnectionError"),
    ]


def test_a_long_retry_after_pauses_the_service_for_every_caller_until_it_has_passed(api, spotify, monkeypatch):
    spotify.fail("/v1/me", 429, retry_after=7200)

    with pytest.raises(RateLimited) as limited:
        api.request("GET", "/v1/me", headers=api.headers)
    assert limited.value.retry_after_seconds == 7200

    # Another worker's client for the same service does not even try.
    elsewhere = Outbound(service="spotify-test", base_url=spotify.url, rate_per_second=100)
    with pytest.raises(RateLimited) as still_limited:
        elsewhere.request("GET", "/v1/me", headers=api.headers)
    assert 7000 < still_limited.value.retry_after_seconds <= 7200
    assert spotify.count("GET", "/v1/me") == 1
    assert statuses("/v1/me") == [429]

    real_clock = outbound.clock
    monkeypatch.setattr(outbound, "clock", lambda: real_clock() + 7201)
    assert elsewhere.request("GET", "/v1/me", headers=api.headers).status_code == 200


def test_a_short_retry_after_is_waited_out(api, spotify):
    spotify.fail("/v1/me", 429, retry_after=0)

    assert api.request("GET", "/v1/me", headers=api.headers).status_code == 200
    assert statuses("/v1/me") == [429, 200]


def test_answers_are_cached_for_the_configured_paths_and_the_hits_logged(spotify):
    cached = Outbound(service="spotify-test", base_url=spotify.url, rate_per_second=100,
                      cache={"/v1/artists": 3600})
    spotify.add_user()
    access, _ = spotify.issue_tokens("wizzler")
    headers = {"Authorization": f"Bearer {access}"}
    ids = {"ids": "0oSGxfWSnnOXhD2fKuz2Gy,3dBVyJ7JuOMt4GE9607Qin"}

    first = cached.request("GET", "/v1/artists", params=ids, headers=headers)
    again = cached.request("GET", "/v1/artists", params=ids, headers=headers)
    other = cached.request("GET", "/v1/artists", params={"ids": "0oSGxfWSnnOXhD2fKuz2Gy"}, headers=headers)

    assert again.json() == first.json() and len(other.json()["artists"]) == 1
    assert spotify.count("GET", "/v1/artists") == 2
    calls = ApiCallLog.objects.filter(service="spotify-test").order_by("id")
    assert list(calls.values_list("cache_hit", "status")) == [(False, 200), (True, 200), (False, 200)]


SHARED_BUCKET_CALLER = """
from rewrapped.outbound import Outbound, RateLimited

service = Outbound(service="bucket-test", base_url="{url}", rate_per_second=0.001, burst=5, max_wait_seconds=0)
answered = 0
for _ in range(5):
    try:
        service.request("GET", "/v1/me")
        answered += 1
    except RateLimited:
        pass
print("answered", answered)
"""


@pytest.mark.django_db(transaction=True)
def test_the_rate_limit_bucket_is_shared_by_every_process(spotify, stack_env):
    # A bucket of 5 that refills only every 1000 s: alone, each process could make 5 calls.
    code = SHARED_BUCKET_CALLER.format(url=spotify.url)
    processes = [
        subprocess.Popen([sys.executable, "manage.py", "shell", "-c", code], cwd=ROOT, env=stack_env,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    answered = []
    for process in processes:
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
        answered.append(int(out.split("answered")[-1]))

    assert sum(answered) == 5
    assert spotify.count("GET", "/v1/me") == 5
    assert ApiCallLog.objects.filter(service="bucket-test").count() == 5


def test_our_own_bucket_makes_a_caller_wait_its_turn_or_defer(spotify):
    slow = Outbound(service="bucket-test", base_url=spotify.url, rate_per_second=0.001, burst=1, max_wait_seconds=0)
    slow.request("GET", "/v1/me")

    with pytest.raises(RateLimited) as limited:
        slow.request("GET", "/v1/me")

    assert not limited.value.by_service and limited.value.retry_after_seconds > 900
    assert spotify.count("GET", "/v1/me") == 1


def test_spotipy_calls_go_through_the_base_and_are_logged(spotify):
    spotify.add_user()
    access, _ = spotify.issue_tokens("wizzler")

    assert spotify_client(access).me()["id"] == "wizzler"

    assert ApiCallLog.objects.filter(service="spotify", endpoint="/v1/me", status=200).exists()


def test_token_calls_to_spotify_accounts_are_logged(spotify):
    from accounts.spotify import tokens

    # Calls made from other threads commit their rows outside a test's transaction: compare, do not count.
    before = ApiCallLog.objects.filter(service="spotify-accounts").count()

    tokens.app_access_token()

    calls = ApiCallLog.objects.filter(service="spotify-accounts").order_by("-id")
    assert calls.count() == before + 1
    assert (calls[0].method, calls[0].endpoint, calls[0].status) == ("POST", "/api/token", 200)


def test_the_call_log_forgets_old_calls(db, settings):
    settings.OUTBOUND_LOG_KEEP_DAYS = 30
    old = ApiCallLog.objects.create(service="prune-test", method="GET", endpoint="/v1/me", status=200)
    ApiCallLog.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=31))
    ApiCallLog.objects.create(service="prune-test", method="GET", endpoint="/v1/me", status=200)

    from rewrapped.tasks import api_call_log_prune

    assert api_call_log_prune() == 1
    assert ApiCallLog.objects.filter(service="prune-test").count() == 1


def test_staff_read_the_call_log_in_the_admin_and_nobody_else_can(client, staff, listener):
    ApiCallLog.objects.create(service="spotify", method="GET", endpoint="/v1/me/player/recently-played",
                              status=429, error="Retry-After 7200 s")

    assert client_for(client, listener).get("/admin/rewrapped/apicalllog/")["Location"].startswith("/admin/login/")
    page = client_for(client, staff).get("/admin/rewrapped/apicalllog/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "/v1/me/player/recently-played" in html and "Retry-After 7200 s" in html
    assert client.get("/admin/rewrapped/apicalllog/add/").status_code == 403

