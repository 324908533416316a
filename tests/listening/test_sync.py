"""Spotify sync (listening/services/sync.py) against the fake Spotify: plays since the cursor, deferral
on 429 and outages, token refresh, daily tops and genres, songs known by name found and merged."""

import json
from datetime import UTC, datetime, timedelta

import pytest
from allauth.socialaccount.models import SocialToken
from django.db.models import Sum
from django.utils import timezone

from listening.models import (
    Artist,
    ArtistGenre,
    DailyTrackPlays,
    Favourite,
    Play,
    SpotifySync,
    TopSnapshot,
    Track,
    TrackRating,
)
from listening.services import spotify_sync_run
from listening.spotify import SpotifyForUser
from rewrapped import outbound
from rewrapped.models import ApiCallLog
from tests.conftest import client_for, wait_until
from tests.factories import SpotifyAccountFactory, SpotifyTokenFactory, UserFactory
from tests.fakes import fixture_json
from tests.fakes.spotify import new_tracks, plays_of, recorded_plays, recorded_tracks
from tests.listening.test_import import zip_of

RECENTLY_PLAYED = "/v1/me/player/recently-played"
START = datetime(2024, 3, 1, 8, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def quick_spotify(settings):
    """No backoff sleeps, and a bucket roomy enough that tests do not wait their turn."""
    settings.OUTBOUND_BACKOFF_SECONDS = 0
    settings.SPOTIFY_RATE_PER_SECOND = 1000


def connect(spotify, user, spotify_id="wizzler", played=()):
    """`user` signed in with Spotify as the fake's `spotify_id`, who has `played` these items."""
    profile = fixture_json("spotify_api/swajava__GetCurrentUsersProfileRequest.json")
    spotify.add_user({**profile, "id": spotify_id}, played=list(played))
    access, refresh = spotify.issue_tokens(spotify_id)
    account = SpotifyAccountFactory(user=user, uid=spotify_id)
    SpotifyTokenFactory(account=account, token=access, token_secret=refresh,
                        expires_at=timezone.now() + timedelta(hours=1))
    return access


def listen(spotify, items, spotify_id="wizzler"):
    """More plays show up in the user's recently played (kept newest first, as Spotify lists them)."""
    user = spotify.users[spotify_id]
    user.played = sorted([*user.played, *items], key=lambda item: item["played_at"], reverse=True)


def played_ms(item) -> int:
    return (datetime.fromisoformat(item["played_at"]) - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(milliseconds=1)


def plays_of_user(user):
    return Play.objects.filter(user=user)


# --- recently played ---------------------------------------------------------------------------------------
def test_a_first_sync_follows_next_back_through_every_recent_play(spotify, listener):
    items = plays_of(new_tracks(40), count=120, start=START)
    connect(spotify, listener, played=items)

    sync = spotify_sync_run(user=listener)

    assert sync.last_error == "" and sync.last_success_at and sync.deferred_until is None
    assert plays_of_user(listener).count() == sync.plays_added == 120
    assert set(plays_of_user(listener).values_list("source", flat=True)) == {Play.Source.SYNC}
    assert sync.played_after_ms == max(map(played_ms, items))
    assert spotify.count("GET", RECENTLY_PLAYED) == 3  # 50 + 50 + 20, following `next`
    # Each song has Spotify's details, its artist its Spotify id.
    song = Track.objects.select_related("artist", "album").get(spotify_id=items[0]["track"]["id"])
    assert song.duration_ms == items[0]["track"]["duration_ms"] and song.isrc == "QZ0010000000"
    assert song.album.spotify_id == items[0]["track"]["album"]["id"]
    assert song.artist.spotify_id == items[0]["track"]["artists"][0]["id"]
    first = plays_of_user(listener).get(track=song, ended_at=datetime.fromisoformat(items[0]["played_at"]).replace(
        microsecond=0))
    assert first.ms_played == song.duration_ms


def test_a_later_sync_pages_forward_from_the_cursor_and_adds_only_new_plays(spotify, listener):
    tracks = new_tracks(30)
    connect(spotify, listener, played=plays_of(tracks, count=10, start=START))
    spotify_sync_run(user=listener)
    cursor = SpotifySync.objects.get(user=listener).played_after_ms

    listen(spotify, plays_of(tracks, count=75, start=START + timedelta(hours=2)))
    sync = spotify_sync_run(user=listener)

    assert plays_of_user(listener).count() == 85 and sync.plays_added == 85
    assert spotify.count("GET", RECENTLY_PLAYED, after=str(cursor)) == 1
    assert spotify.count("GET", RECENTLY_PLAYED) == 1 + 2  # the first sync, then 50 + 25 after the cursor
    assert spotify_sync_run(user=listener).plays_added == 85  # nothing new, nothing added


@pytest.mark.parametrize("layout", ["extended", "account data"])
def test_an_import_and_an_overlapping_sync_count_each_play_once(spotify, listener, run_import, layout):
    items = recorded_plays()
    if layout == "extended":
        export = [{
            "ts": item["played_at"][:19] + "Z", "ms_played": item["track"]["duration_ms"] - 1000,
            "master_metadata_track_name": item["track"]["name"],
            "master_metadata_album_artist_name": item["track"]["artists"][0]["name"],
            "master_metadata_album_album_name": item["track"]["album"]["name"],
            "spotify_track_uri": item["track"]["uri"], "platform": "android", "conn_country": "SE",
        } for item in items]
        upload = zip_of({"Spotify Extended Streaming History/Streaming_History_Audio_2023.json": json.dumps(export)})
    else:
        export = [{
            "endTime": item["played_at"][:16].replace("T", " "), "artistName": item["track"]["artists"][0]["name"],
            "trackName": item["track"]["name"], "msPlayed": item["track"]["duration_ms"] - 1000,
        } for item in items]
        upload = zip_of({"Spotify Account Data/StreamingHistory0.json": json.dumps(export)})
    imported = run_import(listener, upload).summary["added"]
    connect(spotify, listener, played=items)

    sync = spotify_sync_run(user=listener)

    assert sync.last_error == ""
    assert imported == len(items) == 22
    assert sync.plays_added == 0
    assert plays_of_user(listener).count() == 22
    # Songs the import knew only by name now carry their Spotify id; none was added twice.
    played_ids = {item["track"]["id"] for item in items}
    assert set(Track.objects.filter(plays__user=listener).values_list("spotify_id", flat=True)) == played_ids
    assert Track.objects.filter(spotify_id__isnull=True).count() == 0


# --- deferral: 429, outages ----------------------------------------------------------------------------------
def test_a_long_retry_after_defers_the_sync_keeps_what_was_fetched_and_a_later_run_completes(
    spotify, listener, other_listener, monkeypatch
):
    items = plays_of(new_tracks(40), count=120, start=START)
    connect(spotify, listener, played=items)
    spotify.fail(RECENTLY_PLAYED, 429, retry_after=4 * 3600, after=1)
    before = timezone.now()

    sync = spotify_sync_run(user=listener)

    assert before + timedelta(hours=4) <= sync.deferred_until <= timezone.now() + timedelta(hours=4, seconds=1)
    assert "wait 14400 s" in sync.last_error and sync.last_success_at is None
    assert plays_of_user(listener).count() == 50  # the first page is kept
    # Until then no run, for this user or any other, calls Spotify, and beat queues nothing.
    calls = len(spotify.requests)
    connect(spotify, other_listener, spotify_id="otto")
    assert spotify_sync_run(user=listener).deferred_until == sync.deferred_until
    assert spotify_sync_run(user=other_listener).deferred_until > timezone.now() + timedelta(hours=3)
    assert len([r for r in spotify.requests[calls:] if r[1].startswith("/v1/")]) == 0
    from listening.services import spotify_sync_dispatch

    assert spotify_sync_dispatch() == 0

    later = timezone.now() + timedelta(hours=4, minutes=1)
    monkeypatch.setattr(outbound, "clock", lambda: later.timestamp())
    resumed = spotify_sync_run(user=listener, now=later)

    assert resumed.deferred_until is None and resumed.last_error == "" and resumed.last_success_at == later
    assert plays_of_user(listener).count() == resumed.plays_added == 120
    assert resumed.played_after_ms == max(map(played_ms, items))


def test_spotify_failing_is_retried_with_backoff_and_then_the_sync_is_deferred(spotify, listener, settings):
    items = plays_of(new_tracks(5), count=10, start=START)
    connect(spotify, listener, played=items)
    spotify.fail(RECENTLY_PLAYED, 503, times=2)

    assert spotify_sync_run(user=listener).plays_added == 10
    calls = ApiCallLog.objects.filter(endpoint=RECENTLY_PLAYED).order_by("id")
    assert list(calls.values_list("status", flat=True)) == [503, 503, 200]

    listen(spotify, plays_of(new_tracks(5, seed=2), count=10, start=START + timedelta(hours=1)))
    spotify.fail(RECENTLY_PLAYED, 500, times=settings.OUTBOUND_RETRIES + 1)
    now = timezone.now()
    sync = spotify_sync_run(user=listener, now=now)

    assert sync.deferred_until == now + timedelta(seconds=settings.SPOTIFY_SYNC_RETRY_SECONDS)
    assert sync.last_error.startswith("Spotify unavailable") and sync.plays_added == 10

    later = sync.deferred_until + timedelta(seconds=1)
    assert spotify_sync_run(user=listener, now=later).plays_added == 20


# --- tokens -----------------------------------------------------------------------------------------------
def test_a_token_that_dies_mid_sync_is_refreshed_and_the_sync_carries_on(spotify, listener):
    items = plays_of(new_tracks(40), count=120, start=START)
    access = connect(spotify, listener, played=items)
    spotify.expire(access, after_requests=1)  # answers the first page, then is dead

    sync = spotify_sync_run(user=listener)

    assert sync.last_error == "" and plays_of_user(listener).count() == 120
    assert spotify.count("POST", "/api/token", grant_type="refresh_token") == 1
    stored = SocialToken.objects.get(account__user=listener)
    assert stored.token != access and spotify.grant_for(stored.token).user_id == "wizzler"


def test_a_revoked_connection_stops_the_sync_and_the_user_is_asked_to_reconnect(spotify, listener):
    access = connect(spotify, listener, played=plays_of(new_tracks(3), count=3, start=START))
    spotify.expire(access)
    spotify.revoke(SocialToken.objects.get(account__user=listener).token_secret)

    sync = spotify_sync_run(user=listener)

    assert "reconnect" in sync.last_error and sync.deferred_until is None
    listener.refresh_from_db()
    assert listener.needs_spotify_reconnect and not plays_of_user(listener).exists()


# --- tops, profile, genres ----------------------------------------------------------------------------------
def test_top_artists_and_tracks_are_kept_as_daily_snapshots_with_the_profile(spotify, listener):
    connect(spotify, listener)

    spotify_sync_run(user=listener)

    snapshots = TopSnapshot.objects.filter(user=listener)
    assert {(s.kind, s.time_range) for s in snapshots} == {
        (kind, time_range)
        for kind in ("artists", "tracks") for time_range in ("short_term", "medium_term", "long_term")
    }
    top_artists = snapshots.get(kind="artists", time_range="short_term")
    assert [Artist.objects.get(pk=pk).name for pk in top_artists.item_ids][:3] == ["San Holo", "Kollegah", "Tiësto"]
    top_tracks = snapshots.get(kind="tracks", time_range="long_term")
    assert Track.objects.get(pk=top_tracks.item_ids[0]).name == "Studiogangster"
    # Top artists come with their genres.
    assert set(ArtistGenre.objects.filter(artist__name="Kollegah", source="spotify")
               .values_list("genre__name", flat=True)) == {"german hip hop"}
    listener.refresh_from_db()
    assert listener.avatar_url.startswith("https://fbcdn-profile")
    assert listener.display_name == "Lena Listener"  # the name the user chose stays

    spotify_sync_run(user=listener)  # the same day: no second snapshot

    assert spotify.count("GET", "/v1/me/top/artists") == 3 and snapshots.count() == 6


def test_genres_are_fetched_for_new_artists_fifty_at_a_time_and_marked_even_when_empty(spotify, listener):
    tracks = new_tracks(120)
    connect(spotify, listener, played=plays_of(tracks, count=120, start=START))

    spotify_sync_run(user=listener)

    assert not Artist.objects.filter(spotify_id__isnull=False, genres_fetched_at__isnull=True).exists()
    asked = [query["ids"].split(",") for method, path, query in spotify.requests if path.rstrip("/") == "/v1/artists"]
    assert all(len(batch) <= 50 for batch in asked)
    assert {t["artists"][0]["id"] for t in tracks} <= {spotify_id for batch in asked for spotify_id in batch}
    assert len(asked) == 3  # 120 artists of the plays and those of the top tracks not yet known


def test_artist_lookups_are_cached_for_a_day(spotify, listener):
    access = connect(spotify, listener)
    ids = ["0oSGxfWSnnOXhD2fKuz2Gy", "3dBVyJ7JuOMt4GE9607Qin"]
    api = SpotifyForUser(access, renew=lambda: None)

    first = api.artists(ids)
    again = SpotifyForUser(access, renew=lambda: None).artists(list(reversed(ids)))

    assert first == again and first["0oSGxfWSnnOXhD2fKuz2Gy"]["name"] == "David Bowie"
    assert len([path for _, path, _ in spotify.requests if path.rstrip("/") == "/v1/artists"]) == 1
    calls = ApiCallLog.objects.filter(endpoint="/v1/artists").order_by("id")
    assert list(calls.values_list("cache_hit", "status")) == [(False, 200), (True, 200)]
    from rewrapped.redis import redis_client

    ttls = [redis_client().ttl(key) for key in redis_client().scan_iter("outbound:spotify:cache:*")]
    assert ttls and all(23 * 3600 < ttl <= 24 * 3600 for ttl in ttls)


# --- songs known only by name ---------------------------------------------------------------------------------
def account_data(*plays) -> bytes:
    rows = [{"endTime": when.strftime("%Y-%m-%d %H:%M"), "artistName": artist, "trackName": name, "msPlayed": 200_000}
            for artist, name, when in plays]
    return zip_of({"Spotify Account Data/StreamingHistory0.json": json.dumps(rows)})


def extended(*plays) -> bytes:
    rows = [{"ts": when.strftime("%Y-%m-%dT%H:%M:%SZ"), "ms_played": 200_000,
             "master_metadata_track_name": track["name"],
             "master_metadata_album_artist_name": track["artists"][0]["name"],
             "master_metadata_album_album_name": track["album"]["name"], "spotify_track_uri": track["uri"]}
            for track, when in plays]
    return zip_of({"Spotify Extended Streaming History/Streaming_History_Audio_2024.json": json.dumps(rows)})


def test_songs_known_by_name_are_found_by_search_and_merged_into_the_song_we_know(
    spotify, listener, other_listener, run_import
):
    by_title = {track["name"]: track for track in recorded_tracks()}
    rain, silence = by_title["November Rain"], by_title["The Sound Of Silence"]
    t1, t2, t3 = START, START + timedelta(minutes=10), START + timedelta(minutes=20)
    # Account data first: the listener's songs are known by name only.
    run_import(listener, account_data(
        ("Guns N' Roses", "November Rain", t1), ("Guns N' Roses", "November Rain", t2),
        ("Disturbed", "The Sound of Silence", t3), ("Nobody Knows", "Unreleased Demo", t3),
    ))
    name_only = Track.objects.get(name="November Rain")
    # Then someone's extended history brings November Rain by its Spotify id: a second row of the same song.
    run_import(other_listener, extended((rain, t1)))
    known = Track.objects.get(spotify_id=rain["id"])
    # The listener's own extended history repeats one play of it; a favourite and a rating sit on each row.
    run_import(listener, extended((rain, t2 + timedelta(seconds=20))))
    Favourite.objects.create(user=listener, track=name_only)
    Favourite.objects.create(user=listener, track=known)
    TrackRating.objects.create(user=listener, track=name_only, stars=5)
    # The repeated play is one already: by name and by id, the same artist and title are one song.
    assert plays_of_user(listener).count() == 4
    connect(spotify, listener)
    now = timezone.now()

    sync = spotify_sync_run(user=listener, now=now)

    assert sync.last_error == ""
    assert not Track.objects.filter(pk=name_only.pk).exists()
    assert plays_of_user(listener).filter(track=known).count() == 2  # t1 and t2
    assert plays_of_user(listener).count() == 4
    assert plays_of_user(other_listener).get().track == known
    assert list(Favourite.objects.filter(user=listener).values_list("track", flat=True)) == [known.pk]
    assert TrackRating.objects.get(user=listener).track == known
    rollup = DailyTrackPlays.objects.filter(user=listener)
    assert rollup.aggregate(plays=Sum("plays"))["plays"] == 4
    assert rollup.get(track=known).plays == 2
    # A song only known by name takes the Spotify details of the exact match (not Simon & Garfunkel's).
    found = Track.objects.get(name="The Sound of Silence", artist__name="Disturbed")
    assert found.spotify_id == silence["id"] and found.duration_ms == silence["duration_ms"]
    assert found.isrc == silence["external_ids"]["isrc"] and found.album.name == silence["album"]["name"]
    # A song Spotify does not have is not looked up again for 30 days.
    demo = Track.objects.get(name="Unreleased Demo")
    assert demo.spotify_id is None and demo.searched_at == now
    searches = spotify.count("GET", "/v1/search")
    spotify_sync_run(user=listener, now=now + timedelta(days=1))
    assert spotify.count("GET", "/v1/search") == searches
    spotify_sync_run(user=listener, now=now + timedelta(days=31))
    assert spotify.count("GET", "/v1/search") == searches + 1


def test_a_listen_recorded_under_a_featured_artists_name_is_one_play_once_search_finds_its_song(
    spotify, listener, run_import
):
    song = new_tracks(1, seed=9)[0]
    featured = {**song["artists"][0], "id": "featuredartist000000001", "name": "Feat Artist"}
    song["artists"] = [*song["artists"], featured]
    spotify.add_user({"id": "someone"}, played=plays_of([song], count=1, start=START))  # so search knows it
    # The extended export files the listen under the song's artist, account data under the one it featured:
    # two songs to the importer, so two plays.
    run_import(listener, extended((song, START + timedelta(seconds=42))))
    run_import(listener, account_data(("Feat Artist", song["name"], START)))
    assert plays_of_user(listener).count() == 2
    connect(spotify, listener)

    spotify_sync_run(user=listener)

    play = plays_of_user(listener).get()
    assert (play.track.spotify_id, play.source) == (song["id"], "extended")
    assert play.ended_at == START + timedelta(seconds=42)
    assert set(play.records.values_list("source", "track__spotify_id")) == {("extended", song["id"]),
                                                                            ("account", song["id"])}
    assert DailyTrackPlays.objects.filter(user=listener).aggregate(plays=Sum("plays"))["plays"] == 1


# --- beat, worker, admin ---------------------------------------------------------------------------------------
def test_beat_dispatches_spotify_syncs_on_the_sync_queue(settings):
    from rewrapped.celery import app

    entry = settings.CELERY_BEAT_SCHEDULE["sync-spotify"]
    assert entry["task"] == "listening.tasks.spotify_sync_dispatch"
    assert entry["schedule"] == timedelta(minutes=settings.SPOTIFY_SYNC_EVERY_MINUTES)
    for task in ("listening.tasks.spotify_sync_dispatch", "listening.tasks.spotify_sync_run"):
        assert task in app.tasks
        assert app.amqp.router.route({}, task)["queue"].name == "sync"


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_syncs_every_connected_user_that_beat_dispatches(spotify, celery_worker):
    from listening.tasks import spotify_sync_dispatch

    listener = UserFactory(email="synced@example.com")
    connect(spotify, listener, played=plays_of(new_tracks(10), count=30, start=START))
    waiting = UserFactory(email="waiting@example.com")
    connect(spotify, waiting, spotify_id="otto", played=plays_of(new_tracks(3, seed=3), count=3, start=START))
    SpotifySync.objects.create(user=waiting, deferred_until=timezone.now() + timedelta(hours=2))
    broken = UserFactory(email="broken@example.com", spotify_broken_at=timezone.now())
    connect(spotify, broken, spotify_id="bea")

    spotify_sync_dispatch.delay()

    wait_until(lambda: SpotifySync.objects.filter(user=listener, last_success_at__isnull=False).exists(),
               "the worker's sync", seconds=60)
    assert plays_of_user(listener).count() == 30
    assert not plays_of_user(waiting).exists() and SpotifySync.objects.get(user=waiting).last_run_at is None
    assert not SpotifySync.objects.filter(user=broken).exists()
    assert ApiCallLog.objects.filter(service="spotify", endpoint=RECENTLY_PLAYED, status=200).exists()


def test_staff_see_every_users_sync_in_the_admin_and_nobody_else_can(client, staff, listener, spotify):
    SpotifySync.objects.create(user=listener, plays_added=1234, last_error="spotify asked us to wait 7200 s",
                               deferred_until=timezone.now() + timedelta(hours=2))
    connect(spotify, listener, played=plays_of(new_tracks(2), count=2, start=START))

    for path in ("/admin/listening/spotifysync/", "/admin/listening/artist/", "/admin/listening/track/",
                 "/admin/listening/play/"):
        assert client_for(client, listener).get(path)["Location"].startswith("/admin/login/")
    page = client_for(client, staff).get("/admin/listening/spotifysync/").content.decode()
    assert "Lena Listener" in page and "wait 7200 s" in page
    for path in ("/admin/listening/artist/", "/admin/listening/track/", "/admin/listening/play/"):
        assert client.get(path).status_code == 200


def test_staff_can_lift_a_deferral_and_sync_a_user_now(client, staff, listener, django_capture_on_commit_callbacks):
    sync = SpotifySync.objects.create(user=listener, deferred_until=timezone.now() + timedelta(hours=2))

    with django_capture_on_commit_callbacks() as queued:
        response = client_for(client, staff).post(
            "/admin/listening/spotifysync/", {"action": "sync_now", "_selected_action": [sync.pk]}, follow=True,
        )

    assert "Queued 1 sync" in response.content.decode()
    sync.refresh_from_db()
    tasks = [callback for callback in queued if callback.__qualname__.startswith("task_queue_on_commit.")]
    assert sync.deferred_until is None and len(tasks) == 1
