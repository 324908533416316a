"""Covers, artists' pictures and genres for songs imports know only by id (listening/services/spotify_details.py):
Spotify's catalog asked with the app's token, 50 ids a call, once per song and artist, against the fake Spotify."""

import io
import json
import time
import zipfile
from datetime import UTC, datetime, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from listening import selectors
from listening.imports import PlayRow
from listening.models import Artist, ImportJob, Play, Track
from listening.periods import period_parse
from listening.services import plays_add, spotify_catalog_fetch, spotify_sync_run
from rewrapped import outbound
from rewrapped.models import ApiCallLog
from tests.conftest import client_for, wait_until
from tests.fakes import fixture_json
from tests.fakes.spotify import new_tracks, plays_of
from tests.listening.test_sync import START, connect


@pytest.fixture(autouse=True)
def quick_outbound(settings):
    settings.OUTBOUND_BACKOFF_SECONDS = 0
    settings.SPOTIFY_RATE_PER_SECOND = 1000


def imported(user, tracks: list[dict]) -> None:
    """An extended-history import of one play of each song: ids and names, no covers or genres."""
    start = int(datetime(2024, 3, 1, tzinfo=UTC).timestamp())
    plays_add(user=user, rows=[
        PlayRow(source=Play.Source.EXTENDED, kind="music", ended_at=start + 300 * number, ms_played=200_000,
                item_uri=track["uri"], name=track["name"], artist_or_show=track["artists"][0]["name"],
                album=track["album"]["name"])
        for number, track in enumerate(tracks)
    ])


def asked_ids(spotify, path: str) -> list[int]:
    return [len(query["ids"].split(",")) for method, asked, query in spotify.requests
            if method == "GET" and asked.rstrip("/") == path]


def test_imported_songs_get_their_album_covers_and_artists_pictures_fifty_ids_a_call(spotify, listener):
    songs = new_tracks(60)
    spotify.add_tracks(songs)
    imported(listener, songs)
    assert not any(track.cover_url for track in Track.objects.select_related("album"))

    done = spotify_catalog_fetch()

    assert done == {"tracks": 60, "artists": 60}
    assert sorted(asked_ids(spotify, "/v1/tracks")) == [10, 50]
    assert sorted(asked_ids(spotify, "/v1/artists")) == [10, 50]
    # With the app's own token: nobody connected Spotify.
    assert spotify.count("POST", "/api/token", grant_type="client_credentials") == 1
    covers = {track.name: track.cover_url for track in Track.objects.select_related("album")}
    expected = {song["name"]: song["album"]["images"][1]["url"] for song in songs}  # the middle size
    assert covers == expected
    assert set(Artist.objects.values_list("spotify_id", flat=True)) == {song["artists"][0]["id"] for song in songs}
    assert not Track.objects.filter(details_fetched_at__isnull=True).exists()


def test_only_songs_and_artists_never_fetched_are_asked_about(spotify, listener):
    songs = new_tracks(3)
    spotify.add_tracks(songs)
    imported(listener, songs[:2])
    spotify_catalog_fetch()
    imported(listener, songs)  # a later import brings one new song
    spotify.requests.clear()

    assert spotify_catalog_fetch() == {"tracks": 1, "artists": 1}

    assert asked_ids(spotify, "/v1/tracks") == [1] and asked_ids(spotify, "/v1/artists") == [1]
    spotify.requests.clear()
    assert spotify_catalog_fetch() == {"tracks": 0, "artists": 0}
    assert asked_ids(spotify, "/v1/tracks") == [] and asked_ids(spotify, "/v1/artists") == []


def test_songs_the_sync_brought_are_not_asked_about_again(spotify, listener):
    connect(spotify, listener, played=plays_of(new_tracks(2), count=4, start=START))
    spotify_sync_run(user=listener)
    spotify.requests.clear()

    spotify_catalog_fetch()

    assert asked_ids(spotify, "/v1/tracks") == []


def test_a_song_spotify_no_longer_knows_is_not_asked_about_again(spotify, listener):
    songs = new_tracks(2)
    spotify.add_tracks(songs[:1])  # the second was taken down
    imported(listener, songs)

    spotify_catalog_fetch()
    spotify.requests.clear()
    spotify_catalog_fetch()

    assert asked_ids(spotify, "/v1/tracks") == []
    assert Track.objects.get(name=songs[1]["name"]).cover_url == ""


def test_a_short_retry_after_is_waited_out(spotify, listener):
    songs = new_tracks(3)
    spotify.add_tracks(songs)
    imported(listener, songs)
    spotify.fail("/v1/tracks", 429, retry_after=1)

    assert spotify_catalog_fetch() == {"tracks": 3, "artists": 3}

    assert ApiCallLog.objects.filter(service="spotify", endpoint="/v1/tracks", status=429).count() == 1
    assert all(track.cover_url for track in Track.objects.select_related("album"))


def test_a_long_retry_after_leaves_the_songs_for_a_later_run(spotify, listener, monkeypatch):
    songs = new_tracks(3)
    spotify.add_tracks(songs)
    imported(listener, songs)
    spotify.fail("/v1/tracks", 429, retry_after=3600)

    assert spotify_catalog_fetch() == {"tracks": 0, "artists": 0}

    assert Track.objects.filter(details_fetched_at__isnull=True).count() == 3
    # An hour later Spotify answers again, and the next run fetches them.
    monkeypatch.setattr(outbound, "clock", lambda: time.time() + 3601)
    assert spotify_catalog_fetch() == {"tracks": 3, "artists": 3}
    assert all(track.cover_url for track in Track.objects.select_related("album"))


def test_without_a_spotify_app_nothing_is_asked(spotify, listener, settings):
    settings.SPOTIFY_CLIENT_ID = ""
    songs = new_tracks(2)
    imported(listener, songs)

    assert spotify_catalog_fetch() == {"tracks": 0, "artists": 0}

    assert spotify.requests == []
    assert Track.objects.filter(details_fetched_at__isnull=True).count() == 2


def export_zip(tracks: list[dict], plays_each: int) -> bytes:
    rows = []
    moment = datetime(2024, 5, 1, 18, tzinfo=UTC)
    for track in tracks:
        for _ in range(plays_each):
            moment += timedelta(minutes=5)
            rows.append({
                "ts": moment.strftime("%Y-%m-%dT%H:%M:%SZ"), "platform": "android", "ms_played": 180_000,
                "conn_country": "DE", "master_metadata_track_name": track["name"],
                "master_metadata_album_artist_name": track["artists"][0]["name"],
                "master_metadata_album_album_name": track["album"]["name"], "spotify_track_uri": track["uri"],
                "episode_name": None, "episode_show_name": None, "spotify_episode_uri": None,
                "reason_start": "trackdone", "reason_end": "trackdone", "shuffle": False, "skipped": False,
                "offline": False, "incognito_mode": False,
            })
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("Spotify Extended Streaming History/Streaming_History_Audio_2024.json", json.dumps(rows))
    return buffer.getvalue()


@pytest.mark.django_db(transaction=True)
def test_an_imported_listener_gets_genres_and_covers_from_the_worker(client, listener, celery_worker):
    # Songs whose first artists Spotify lists genres for (Kollegah: german hip hop; San Holo: edm, …).
    top_tracks = {track["name"]: track for track in fixture_json("spotify_api/swajava__GetUsersTopTracksRequest.json")["items"]}
    songs = [top_tracks["Studiogangster"], top_tracks["If Only (Mega Collab)"]]

    response = client_for(client, listener).post(
        "/listening/import/", {"export": SimpleUploadedFile("my_spotify_data.zip", export_zip(songs, 3))}, follow=True
    )
    assert "Upload received" in response.content.decode()

    def genres():
        top = selectors.top(user=listener, period=period_parse(user=listener, key="all"), kind="genres")
        return {entry.item.name: entry.plays for entry in top}

    wait_until(lambda: "german hip hop" in genres() and "edm" in genres(), "genres from the catalog fetch", 120)
    assert ImportJob.objects.get(user=listener).status == "done"
    assert genres()["german hip hop"] == 3 and genres()["edm"] == 3
    page = client.get("/listening/?period=all").content.decode()
    assert "german hip hop" in page and 'data-genre="0"' in page  # top genres and the streamgraph
    covers = {track.name: track.cover_url for track in Track.objects.select_related("album")}
    assert covers["Studiogangster"].startswith("https://i.scdn.co/")
    assert Artist.objects.get(name="Kollegah").image_url.startswith("https://i.scdn.co/")
