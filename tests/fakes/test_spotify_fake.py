"""The fake Spotify speaks the real wire format: spotipy, unchanged, works against it."""

import pytest
import requests
from spotipy import SpotifyException

from listening.spotify import spotify_client


@pytest.fixture
def wizzler(spotify):
    spotify.add_user()
    access, _ = spotify.issue_tokens("wizzler", scope="user-read-recently-played user-top-read")
    return spotify_client(access)


def test_recently_played_pages_backwards_with_before_cursors(wizzler):
    first = wizzler.current_user_recently_played(limit=5)
    second = wizzler.next(first)

    assert len(first["items"]) == len(second["items"]) == 5
    assert first["items"][-1]["played_at"] > second["items"][0]["played_at"]
    assert int(first["cursors"]["before"]) > int(second["cursors"]["after"]) - 1


def test_recently_played_after_a_cursor_returns_only_newer_plays(wizzler):
    newest = wizzler.current_user_recently_played(limit=50)["items"]
    cursor_ms = newest[3]["played_at"]

    from datetime import datetime

    after = int(datetime.fromisoformat(cursor_ms.replace("Z", "+00:00")).timestamp() * 1000)
    newer = wizzler.current_user_recently_played(limit=50, after=after)["items"]

    assert [item["played_at"] for item in newer] == [item["played_at"] for item in newest[:3]]


def test_limits_over_fifty_are_refused_like_spotify_does(wizzler):
    with pytest.raises(SpotifyException) as refused:
        wizzler.current_user_recently_played(limit=51)
    assert refused.value.http_status == 400


def test_profile_tops_artists_and_search_have_spotifys_shapes(wizzler):
    assert wizzler.me()["id"] == "wizzler"
    top = wizzler.current_user_top_artists(limit=3, time_range="short_term")
    assert len(top["items"]) == 3 and top["total"] == 10 and top["items"][0]["genres"]
    artist = wizzler.artist(top["items"][0]["id"])
    assert artist["name"] == top["items"][0]["name"]
    hits = wizzler.search("Disturbed", type="track", limit=5)["tracks"]["items"]
    assert hits and all("Disturbed" in [a["name"] for a in hit["artists"]] for hit in hits)


def test_playlists_are_created_and_filled(wizzler, spotify):
    playlist = wizzler._post("me/playlists", payload={"name": "Re-Wrapped 2023", "public": False})
    wizzler.playlist_add_items(playlist["id"], ["spotify:track:6potEImiklXkwD9qFzpu15"])

    items = wizzler._get(f"playlists/{playlist['id']}/items")
    assert [item["track"]["uri"] for item in items["items"]] == ["spotify:track:6potEImiklXkwD9qFzpu15"]


def test_an_expired_token_gets_401(spotify):
    spotify.add_user()
    access, _ = spotify.issue_tokens("wizzler")
    spotify.expire(access)

    with pytest.raises(SpotifyException) as refused:
        spotify_client(access).me()
    assert refused.value.http_status == 401
    assert "expired" in refused.value.msg


# Read on the wire: spotipy reports every exhausted retry as a 429 and drops Retry-After, which is
# why the sync will not lean on spotipy for fault handling.
@pytest.mark.parametrize(("status", "retry_after"), [(429, "7200"), (500, None), (503, None)])
def test_faults_can_be_switched_on_for_one_request(spotify, status, retry_after):
    spotify.add_user()
    access, _ = spotify.issue_tokens("wizzler")
    spotify.fail("/v1/me", status, retry_after=int(retry_after) if retry_after else None)

    def get_me():
        return requests.get(f"{spotify.url}/v1/me", headers={"Authorization": f"Bearer {access}"}, timeout=5)

    failed = get_me()
    assert failed.status_code == status
    assert failed.headers.get("Retry-After") == retry_after
    assert failed.json()["error"]["status"] == status
    assert get_me().status_code == 200
