"""A user's library: playlists (and their export to Spotify), favourites, ratings and starter picks
(listening/services/library.py, listening/selectors/library.py, and their pages and API)."""

import json
import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test import Client
from rest_framework.test import APIClient

from accounts.models import User
from listening import selectors
from listening.models import Favourite, Playlist, PlaylistItem, StarterPick, Track, TrackRating
from listening.services import library as library_services
from listening.services import playlist_create, playlist_tracks_add, starter_pick_add
from rewrapped.api import ApplicationError
from tests.accounts.test_data_export import download
from tests.conftest import client_for
from tests.factories import SpotifyTokenFactory, plays_add_for

SONGS = [
    ("Daft Punk", "One More Time"),
    ("Daft Punk", "Digital Love"),
    ("Björk", "Hyperballad"),
    ("Robyn", "Dancing On My Own"),
    ("Radiohead", "Everything In Its Right Place"),
]
NOW = datetime(2025, 6, 1, 12, tzinfo=UTC)


def spotify_id(n: int) -> str:
    return f"{n:022d}"


def add_songs(user, songs=SONGS, *, on_spotify=True, start=0) -> list[Track]:
    """Songs in the catalog (through the real write path); with Spotify ids unless `on_spotify` is False."""
    plays = [
        (artist, name, NOW - timedelta(hours=n + 1), 3, {"uri": f"spotify:track:{spotify_id(start + n)}"} if on_spotify else {})
        for n, (artist, name) in enumerate(songs)
    ]
    plays_add_for(user, *plays)
    return [Track.objects.get(name=name, artist__name=artist) for artist, name in songs]


def many_songs(user, count: int, *, start=1000) -> list[Track]:
    return add_songs(user, [(f"Artist {n}", f"Song {n}") for n in range(count)], start=start)


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def names(playlist) -> list[str]:
    return list(playlist.items.order_by("position").values_list("track__name", flat=True))


@pytest.fixture(autouse=True)
def _quick_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def songs(listener):
    return add_songs(listener)


@pytest.fixture
def their_playlist(other_listener, songs):
    playlist = playlist_create(user=other_listener, name="Otto's secret mix", description="mine")
    playlist_tracks_add(playlist=playlist, tracks=songs[:2])
    return playlist


# --- playlists on the site -----------------------------------------------------------------------------
def test_a_listener_makes_a_playlist_fills_reorders_renames_and_deletes_it(client, listener, songs):
    client_for(client, listener)

    created = client.post("/listening/library/", {"name": "  Friday   night ", "description": "Loud."}, follow=True)

    playlist = Playlist.objects.get(user=listener)
    assert playlist.name == "Friday night"
    assert created.redirect_chain[-1][0] == f"/listening/library/playlists/{playlist.public_id}/"
    assert "Playlist “Friday night” created." in created.content.decode()

    found = client.get(f"/listening/library/playlists/{playlist.public_id}/", {"q": "daft"})
    assert [track.name for track, _ in found.context["results"]] == ["Digital Love", "One More Time"]
    for track in songs[:3]:
        client.post(f"/listening/library/playlists/{playlist.public_id}/tracks/", {"track": track.public_id})
    again = client.post(
        f"/listening/library/playlists/{playlist.public_id}/tracks/", {"track": songs[0].public_id}, follow=True
    )
    assert "“One More Time” is already in this playlist." in again.content.decode()
    assert names(playlist) == ["One More Time", "Digital Love", "Hyperballad"]

    client.post(f"/listening/library/playlists/{playlist.public_id}/tracks/{songs[2].public_id}/move/", {"position": 1})
    assert names(playlist) == ["Hyperballad", "One More Time", "Digital Love"]
    client.post(f"/listening/library/playlists/{playlist.public_id}/tracks/{songs[2].public_id}/move/", {"position": 2})
    assert names(playlist) == ["One More Time", "Hyperballad", "Digital Love"]
    client.post(f"/listening/library/playlists/{playlist.public_id}/tracks/{songs[0].public_id}/remove/")
    assert names(playlist) == ["Hyperballad", "Digital Love"]
    assert list(playlist.items.order_by("position").values_list("position", flat=True)) == [0, 1]

    renamed = client.post(f"/listening/library/playlists/{playlist.public_id}/rename/",
                          {"name": "Saturday", "description": ""}, follow=True)
    assert "Saved as “Saturday”." in renamed.content.decode()
    page = client.get("/listening/library/").content.decode()
    assert "Saturday" in page and "2 songs" in page

    deleted = client.post(f"/listening/library/playlists/{playlist.public_id}/delete/", follow=True)

    assert "Playlist “Saturday” deleted." in deleted.content.decode()
    assert not Playlist.objects.exists() and not PlaylistItem.objects.exists()


@pytest.mark.parametrize("name", ["", "   ", "x" * 101])
def test_a_playlist_needs_a_name_of_at_most_100_characters(client, listener, name):
    client_for(client, listener)

    response = client.post("/listening/library/", {"name": name})

    assert response.status_code == 200
    assert response.context["form"].errors["name"]
    assert 'aria-invalid="true"' in response.content.decode()
    assert not Playlist.objects.exists()


def test_a_blank_rename_shows_the_error_and_keeps_the_old_name(client, listener, songs):
    playlist = playlist_create(user=listener, name="Keep me")
    client_for(client, listener)

    response = client.post(f"/listening/library/playlists/{playlist.public_id}/rename/", {"name": " "})

    assert response.status_code == 200
    assert response.context["rename_form"].errors["name"]
    playlist.refresh_from_db()
    assert playlist.name == "Keep me"


def test_a_reorder_writes_every_position_in_one_transaction(listener, songs):
    playlist = playlist_create(user=listener, name="Mix")
    playlist_tracks_add(playlist=playlist, tracks=songs)

    library_services.playlist_reorder(playlist=playlist, tracks=list(reversed(songs)))

    assert names(playlist) == [name for _, name in reversed(SONGS)]
    assert sorted(playlist.items.values_list("position", flat=True)) == [0, 1, 2, 3, 4]


# --- playlists through the API -------------------------------------------------------------------------
def test_the_playlist_api_creates_lists_fills_orders_renames_and_deletes(listener, songs):
    client = api(listener)

    created = client.post("/api/v1/listening/library/playlists/", {"name": "Run", "description": "Fast"}, format="json")
    assert created.status_code == 201
    playlist_id = created.json()["id"]
    assert created.json()["track_count"] == 0

    ids = [str(track.public_id) for track in songs]
    added = client.post(f"/api/v1/listening/library/playlists/{playlist_id}/tracks/", {"tracks": ids[:3]}, format="json")
    assert added.status_code == 200
    assert [t["name"] for t in added.json()["tracks"]] == ["One More Time", "Digital Love", "Hyperballad"]

    ordered = client.put(f"/api/v1/listening/library/playlists/{playlist_id}/order/",
                         {"tracks": [ids[2], ids[0], ids[1]]}, format="json")
    assert [t["id"] for t in ordered.json()["tracks"]] == [ids[2], ids[0], ids[1]]

    renamed = client.patch(f"/api/v1/listening/library/playlists/{playlist_id}/", {"name": "Long run"}, format="json")
    assert (renamed.json()["name"], renamed.json()["description"]) == ("Long run", "Fast")
    described = client.patch(f"/api/v1/listening/library/playlists/{playlist_id}/", {"description": ""}, format="json")
    assert (described.json()["name"], described.json()["description"]) == ("Long run", "")
    assert client.patch(f"/api/v1/listening/library/playlists/{playlist_id}/", {}, format="json").status_code == 400

    removed = client.delete(f"/api/v1/listening/library/playlists/{playlist_id}/tracks/{ids[0]}/")
    assert [t["id"] for t in removed.json()["tracks"]] == [ids[2], ids[1]]

    listed = client.get("/api/v1/listening/library/playlists/").json()
    assert [(p["name"], p["track_count"]) for p in listed["results"]] == [("Long run", 2)]

    assert client.delete(f"/api/v1/listening/library/playlists/{playlist_id}/").status_code == 204
    assert client.get(f"/api/v1/listening/library/playlists/{playlist_id}/").status_code == 404


def test_a_reorder_that_drops_or_repeats_a_song_is_refused_and_changes_nothing(listener, songs):
    playlist = playlist_create(user=listener, name="Mix")
    playlist_tracks_add(playlist=playlist, tracks=songs[:3])
    ids = [str(track.public_id) for track in songs[:3]]

    for tracks in ([ids[1], ids[0]], [ids[1], ids[1], ids[0]], [ids[2], ids[1], ids[0], str(songs[3].public_id)]):
        answer = api(listener).put(f"/api/v1/listening/library/playlists/{playlist.public_id}/order/",
                                   {"tracks": tracks}, format="json")

        assert answer.status_code == 400
        assert answer.json()["error"]["code"] == "invalid_order"
        assert names(playlist) == ["One More Time", "Digital Love", "Hyperballad"]


def test_adding_an_unknown_song_adds_none_of_the_batch(listener, songs):
    playlist = playlist_create(user=listener, name="Mix")
    unknown = "00000000-0000-4000-8000-000000000000"

    answer = api(listener).post(f"/api/v1/listening/library/playlists/{playlist.public_id}/tracks/",
                                {"tracks": [str(songs[0].public_id), unknown]}, format="json")

    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "unknown_tracks"
    assert answer.json()["error"]["fields"] == {"tracks": [f"No song has the id {unknown}."]}
    assert not PlaylistItem.objects.exists()


def test_a_full_playlist_takes_no_part_of_a_batch_that_does_not_fit(listener, songs, monkeypatch):
    monkeypatch.setattr(library_services, "PLAYLIST_MAX_TRACKS", 3)
    playlist = playlist_create(user=listener, name="Short")
    playlist_tracks_add(playlist=playlist, tracks=songs[:2])

    with pytest.raises(ApplicationError) as refused:
        playlist_tracks_add(playlist=playlist, tracks=songs[2:4])

    assert refused.value.code == "playlist_full"
    assert names(playlist) == ["One More Time", "Digital Love"]


def test_bad_playlist_input_gets_field_errors(listener):
    client = api(listener)

    answer = client.post("/api/v1/listening/library/playlists/", {"name": "", "description": "x" * 301}, format="json")

    assert answer.status_code == 400
    assert set(answer.json()["error"]["fields"]) == {"name", "description"}
    assert not Playlist.objects.exists()


# --- export to Spotify ---------------------------------------------------------------------------------
@pytest.fixture
def connected(spotify, listener):
    """The listener signed in with Spotify: the fake knows them and we hold their token."""
    spotify.add_user()  # "wizzler"
    access, refresh = spotify.issue_tokens("wizzler")
    SpotifyTokenFactory(account__user=listener, account__uid="wizzler", token=access, token_secret=refresh)
    return spotify


def spotify_playlist(spotify, spotify_id: str) -> dict:
    return spotify.users["wizzler"].playlists[spotify_id]


def test_exporting_copies_the_songs_in_order_and_tells_how_many_were_left_out(client, listener, connected):
    songs = add_songs(listener)
    by_name = add_songs(listener, [("Nina Simone", "Feeling Good")], on_spotify=False)
    playlist = playlist_create(user=listener, name="For the road", description="Windows down")
    playlist_tracks_add(playlist=playlist, tracks=[songs[2], *by_name, songs[0]])
    client_for(client, listener)

    response = client.post(f"/listening/library/playlists/{playlist.public_id}/export/", follow=True)

    page = response.content.decode()
    assert "Exported 2 songs to Spotify as “For the road”. 1 song is not on Spotify and was left out." in page
    playlist.refresh_from_db()
    assert playlist.spotify_id and playlist.exported_at
    assert f"https://open.spotify.com/playlist/{playlist.spotify_id}" in page
    exported = spotify_playlist(connected, playlist.spotify_id)
    assert (exported["name"], exported["description"], exported["public"]) == ("For the road", "Windows down", False)
    assert [item["track"]["uri"] for item in exported["_items"]] == [
        f"spotify:track:{songs[2].spotify_id}", f"spotify:track:{songs[0].spotify_id}",
    ]
    assert connected.count("POST", "/v1/me/playlists") == 1


def test_a_long_playlist_is_added_to_spotify_100_songs_at_a_time(listener, connected):
    playlist = playlist_create(user=listener, name="Everything")
    playlist_tracks_add(playlist=playlist, tracks=many_songs(listener, 230))

    answer = api(listener).post(f"/api/v1/listening/library/playlists/{playlist.public_id}/export/")

    assert answer.status_code == 200
    assert answer.json()["exported"] == 230 and answer.json()["skipped"] == 0
    spotify_id = answer.json()["spotify_id"]
    assert answer.json()["spotify_url"] == f"https://open.spotify.com/playlist/{spotify_id}"
    assert len(spotify_playlist(connected, spotify_id)["_items"]) == 230
    assert connected.count("POST", f"/v1/playlists/{spotify_id}/items") == 3


def test_exporting_without_spotify_says_to_connect_it_and_records_nothing(client, listener, spotify, songs):
    playlist = playlist_create(user=listener, name="Mine")
    playlist_tracks_add(playlist=playlist, tracks=songs)

    answer = api(listener).post(f"/api/v1/listening/library/playlists/{playlist.public_id}/export/")
    page = client_for(client, listener).post(f"/listening/library/playlists/{playlist.public_id}/export/", follow=True)

    assert answer.status_code == 409
    assert answer.json()["error"]["code"] == "spotify_not_connected"
    assert "Connect your Spotify account" in page.content.decode()
    playlist.refresh_from_db()
    assert playlist.spotify_id == "" and playlist.exported_at is None


def test_a_broken_spotify_connection_asks_to_reconnect(listener, connected, songs):
    User.objects.filter(pk=listener.pk).update(spotify_broken_at=NOW)
    playlist = playlist_create(user=listener, name="Mine")
    playlist_tracks_add(playlist=playlist, tracks=songs)

    answer = api(User.objects.get(pk=listener.pk)).post(
        f"/api/v1/listening/library/playlists/{playlist.public_id}/export/"
    )

    assert answer.status_code == 409 and answer.json()["error"]["code"] == "spotify_not_connected"
    assert connected.count("POST", "/v1/me/playlists") == 0


def test_spotify_failing_mid_export_records_nothing_and_says_to_try_again(listener, connected, songs):
    playlist = playlist_create(user=listener, name="Mine")
    playlist_tracks_add(playlist=playlist, tracks=songs)
    connected.fail("/v1/playlists/", 503)

    answer = api(listener).post(f"/api/v1/listening/library/playlists/{playlist.public_id}/export/")

    assert answer.status_code == 503
    assert answer.json()["error"]["code"] == "spotify_unavailable"
    assert "Nothing was exported" in answer.json()["error"]["message"]
    playlist.refresh_from_db()
    assert playlist.spotify_id == "" and playlist.exported_at is None


def test_a_playlist_of_songs_spotify_does_not_know_has_nothing_to_export(listener, connected):
    playlist = playlist_create(user=listener, name="Names only")
    playlist_tracks_add(playlist=playlist, tracks=add_songs(listener, on_spotify=False))

    answer = api(listener).post(f"/api/v1/listening/library/playlists/{playlist.public_id}/export/")

    assert answer.status_code == 400 and answer.json()["error"]["code"] == "nothing_to_export"
    assert connected.count("POST", "/v1/me/playlists") == 0


# --- favourites and ratings ----------------------------------------------------------------------------
def test_a_listener_favourites_and_rates_songs_from_search(client, listener, songs):
    client_for(client, listener)
    hyperballad = songs[2]
    back = "/listening/library/?q=bj%C3%B6rk"

    client.post(f"/listening/library/tracks/{hyperballad.public_id}/favourite/", {"favourite": "on", "next": back})
    rated = client.post(f"/listening/library/tracks/{hyperballad.public_id}/rating/", {"stars": "4", "next": back})

    assert rated["Location"] == back
    page = client.get(back)
    [result] = page.context["results"]
    assert (result.name, result.is_favourite, result.my_stars) == ("Hyperballad", True, 4)
    assert [f.track.name for f in page.context["favourites"]] == ["Hyperballad"]
    assert "4 of 5 stars" in page.content.decode()

    client.post(f"/listening/library/tracks/{hyperballad.public_id}/favourite/", {"favourite": "off"})
    client.post(f"/listening/library/tracks/{hyperballad.public_id}/rating/", {"stars": "0"})

    assert not Favourite.objects.exists() and not TrackRating.objects.exists()


@pytest.mark.parametrize("stars", ["6", "-1", "three", ""])
def test_a_bad_rating_is_refused_and_keeps_the_old_one(client, listener, songs, stars):
    library_services.rating_set(user=listener, track=songs[0], stars=2)
    client_for(client, listener)

    page = client.post(f"/listening/library/tracks/{songs[0].public_id}/rating/", {"stars": stars}, follow=True)
    answer = api(listener).put(f"/api/v1/listening/library/ratings/{songs[0].public_id}/", {"stars": stars},
                               format="json")

    assert "Choose from 1 to 5 stars." in page.content.decode()
    assert answer.status_code == 400 and "stars" in answer.json()["error"]["fields"]
    assert TrackRating.objects.get().stars == 2


def test_favourites_and_ratings_through_the_api(listener, other_listener, songs):
    client = api(listener)
    library_services.favourite_add(user=other_listener, track=songs[1])
    library_services.rating_set(user=other_listener, track=songs[1], stars=1)

    assert client.put(f"/api/v1/listening/library/favourites/{songs[0].public_id}/").status_code == 200
    assert client.put(f"/api/v1/listening/library/favourites/{songs[0].public_id}/").status_code == 200  # again: same
    rated = client.put(f"/api/v1/listening/library/ratings/{songs[0].public_id}/", {"stars": 5}, format="json")
    client.put(f"/api/v1/listening/library/ratings/{songs[0].public_id}/", {"stars": 3}, format="json")

    assert rated.json()["stars"] == 5
    favourites = client.get("/api/v1/listening/library/favourites/").json()["results"]
    ratings = client.get("/api/v1/listening/library/ratings/").json()["results"]
    assert [f["track"]["name"] for f in favourites] == ["One More Time"]  # not the other listener's
    assert [(r["track"]["name"], r["stars"]) for r in ratings] == [("One More Time", 3)]
    assert client.delete(f"/api/v1/listening/library/favourites/{songs[0].public_id}/").status_code == 204
    assert client.delete(f"/api/v1/listening/library/ratings/{songs[0].public_id}/").status_code == 204
    assert list(Favourite.objects.values_list("user", flat=True)) == [other_listener.pk]
    assert list(TrackRating.objects.values_list("user", flat=True)) == [other_listener.pk]


def test_an_unknown_song_is_404(listener):
    answer = api(listener).put("/api/v1/listening/library/favourites/00000000-0000-4000-8000-000000000000/")

    assert answer.status_code == 404 and answer.json()["error"]["code"] == "not_found"


# --- catalog search ------------------------------------------------------------------------------------
def test_search_matches_every_word_in_title_or_artist_titles_starting_with_it_first(listener, songs):
    add_songs(listener, [("The Knife", "Heartbeats"), ("Jose Gonzalez", "Heartbeats (cover)"),
                         ("Heart", "Barracuda")], start=50)

    assert [t.name for t in selectors.catalog_search(query="heart")] == [
        "Heartbeats", "Heartbeats (cover)", "Barracuda",
    ]
    assert [t.name for t in selectors.catalog_search(query="DAFT one")] == ["One More Time"]
    assert list(selectors.catalog_search(query="h")) == []


def test_the_search_api_wants_two_characters(listener, songs):
    client = api(listener)

    found = client.get("/api/v1/listening/library/search/", {"q": "robyn"})
    short = client.get("/api/v1/listening/library/search/", {"q": "r"})

    assert [(t["name"], t["artist"]["name"], t["on_spotify"]) for t in found.json()] == [
        ("Dancing On My Own", "Robyn", True),
    ]
    assert short.status_code == 400 and "q" in short.json()["error"]["fields"]


# --- starter picks -------------------------------------------------------------------------------------
def test_a_new_listener_picks_songs_and_is_warned_from_45_and_stopped_at_50(client, guest, listener):
    catalog = many_songs(listener, 51)
    for track in catalog[:44]:
        starter_pick_add(user=guest, track=track)
    client_for(client, guest)

    page = client.post("/listening/library/picks/", {"track": catalog[44].public_id, "next": "/listening/library/picks/"},
                       follow=True).content.decode()
    assert "45 of 50 picked" in page
    assert "Only 5 picks left" in page

    for track in catalog[45:50]:
        client.post("/listening/library/picks/", {"track": track.public_id})
    full = client.post("/listening/library/picks/", {"track": catalog[50].public_id}, follow=True).content.decode()

    assert "You have picked 50 songs, the most there can be." in full
    assert StarterPick.objects.filter(user=guest).count() == 50
    answer = api(guest).post("/api/v1/listening/library/picks/", {"track": str(catalog[50].public_id)}, format="json")
    assert answer.status_code == 400 and answer.json()["error"]["code"] == "too_many_picks"

    client.post(f"/listening/library/picks/{catalog[0].public_id}/remove/")
    summary = api(guest).get("/api/v1/listening/library/picks/").json()
    assert summary["count"] == 49 and summary["warning"] == "Only 1 pick left: keep them for the songs you love most."


def test_picking_a_song_not_in_the_catalog_is_a_field_error(listener):
    unknown = "00000000-0000-4000-8000-000000000000"

    answer = api(listener).post("/api/v1/listening/library/picks/", {"track": unknown}, format="json")

    assert answer.status_code == 400
    assert answer.json()["error"]["fields"] == {"track": [f"No song has the id {unknown}."]}
    assert not StarterPick.objects.exists()


def test_picking_the_same_song_twice_keeps_one_pick(listener, songs):
    starter_pick_add(user=listener, track=songs[0])
    answer = api(listener).post("/api/v1/listening/library/picks/", {"track": str(songs[0].public_id)}, format="json")

    assert answer.status_code == 201 and answer.json()["count"] == 1


@pytest.mark.django_db(transaction=True)
def test_two_picks_racing_for_the_last_place_do_not_both_get_it(listener):
    catalog = many_songs(listener, 51)
    StarterPick.objects.bulk_create(StarterPick(user=listener, track=track) for track in catalog[:49])
    start = threading.Barrier(2)
    outcomes = []

    def pick(track):
        try:
            start.wait()
            starter_pick_add(user=listener, track=track)
            outcomes.append("picked")
        except ApplicationError as error:
            outcomes.append(error.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=pick, args=(track,)) for track in catalog[49:51]]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["picked", "too_many_picks"]
    assert StarterPick.objects.filter(user=listener).count() == 50


# --- who may see what ----------------------------------------------------------------------------------
THEIR_PLAYLIST_PAGES = [
    ("get", "/listening/library/playlists/{playlist}/"),
    ("post", "/listening/library/playlists/{playlist}/rename/"),
    ("post", "/listening/library/playlists/{playlist}/delete/"),
    ("post", "/listening/library/playlists/{playlist}/export/"),
    ("post", "/listening/library/playlists/{playlist}/tracks/"),
    ("post", "/listening/library/playlists/{playlist}/tracks/{track}/move/"),
    ("post", "/listening/library/playlists/{playlist}/tracks/{track}/remove/"),
    ("get", "/api/v1/listening/library/playlists/{playlist}/"),
    ("patch", "/api/v1/listening/library/playlists/{playlist}/"),
    ("delete", "/api/v1/listening/library/playlists/{playlist}/"),
    ("post", "/api/v1/listening/library/playlists/{playlist}/tracks/"),
    ("delete", "/api/v1/listening/library/playlists/{playlist}/tracks/{track}/"),
    ("put", "/api/v1/listening/library/playlists/{playlist}/order/"),
    ("post", "/api/v1/listening/library/playlists/{playlist}/export/"),
]


@pytest.mark.parametrize("persona", ["guest", "listener", "promoter", "other_promoter", "staff"])
@pytest.mark.parametrize(("method", "url"), THEIR_PLAYLIST_PAGES)
def test_nobody_else_reads_or_changes_a_listeners_playlist(request, persona, method, url, their_playlist, songs):
    user = request.getfixturevalue(persona)
    client = client_for(Client(), user)
    body = {"name": "Mine now", "description": "", "track": str(songs[3].public_id), "position": 1,
            "tracks": [str(songs[1].public_id), str(songs[0].public_id)]}

    response = getattr(client, method)(
        url.format(playlist=their_playlist.public_id, track=songs[0].public_id),
        body, **({"content_type": "application/json"} if url.startswith("/api/") else {}),
    )

    assert response.status_code == 404
    their_playlist.refresh_from_db()
    assert (their_playlist.name, their_playlist.spotify_id) == ("Otto's secret mix", "")
    assert names(their_playlist) == ["One More Time", "Digital Love"]


@pytest.mark.parametrize(("method", "url"), [
    ("get", "/listening/library/"), ("get", "/listening/library/picks/"), ("post", "/listening/library/picks/"),
    ("get", "/listening/library/playlists/{playlist}/"), ("post", "/listening/library/tracks/{track}/favourite/"),
])
def test_anonymous_visitors_are_sent_to_sign_in(client, their_playlist, songs, method, url):
    response = getattr(client, method)(url.format(playlist=their_playlist.public_id, track=songs[0].public_id))

    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("url", [
    "/api/v1/listening/library/playlists/", "/api/v1/listening/library/favourites/",
    "/api/v1/listening/library/ratings/", "/api/v1/listening/library/picks/",
    "/api/v1/listening/library/search/?q=daft",
])
def test_anonymous_api_calls_get_401(client, db, url):
    assert client.get(url).status_code == 401


@pytest.mark.parametrize("persona", ["guest", "listener", "promoter", "staff"])
def test_every_signed_in_role_has_its_own_library(request, persona, songs, their_playlist):
    user = request.getfixturevalue(persona)
    client = api(user)

    created = client.post("/api/v1/listening/library/playlists/", {"name": f"{persona}'s"}, format="json")
    client.put(f"/api/v1/listening/library/favourites/{songs[4].public_id}/")

    assert created.status_code == 201
    assert [p["name"] for p in client.get("/api/v1/listening/library/playlists/").json()["results"]] == [f"{persona}'s"]
    assert [f["track"]["name"] for f in client.get("/api/v1/listening/library/favourites/").json()["results"]] == [
        "Everything In Its Right Place",
    ]


def test_the_library_is_in_the_data_export(client, listener, songs):
    playlist = playlist_create(user=listener, name="Mix")
    playlist_tracks_add(playlist=playlist, tracks=songs[:2])
    library_services.favourite_add(user=listener, track=songs[0])
    library_services.rating_set(user=listener, track=songs[1], stars=5)
    starter_pick_add(user=listener, track=songs[2])

    _, archive = download(client_for(client, listener))
    export = json.loads(archive.read("listening/library.json"))

    assert [p["name"] for p in export["playlists"]] == ["Mix"]
    assert [t["name"] for t in export["playlists"][0]["tracks"]] == ["One More Time", "Digital Love"]
    assert [f["track"]["name"] for f in export["favourites"]] == ["One More Time"]
    assert [(r["track"]["name"], r["stars"]) for r in export["ratings"]] == [("Digital Love", 5)]
    assert [p["track"]["name"] for p in export["starter_picks"]] == ["Hyperballad"]


# --- query budgets -------------------------------------------------------------------------------------
@pytest.fixture
def full_library(listener):
    catalog = many_songs(listener, 60)
    for n in range(15):
        playlist = playlist_create(user=listener, name=f"Playlist {n}")
        playlist_tracks_add(playlist=playlist, tracks=catalog[n:n + 40])
    for track in catalog[:50]:
        library_services.favourite_add(user=listener, track=track)
        library_services.rating_set(user=listener, track=track, stars=3)
        starter_pick_add(user=listener, track=track)
    return playlist


def test_library_pages_keep_to_a_query_budget(client, listener, full_library, django_assert_max_num_queries):
    client_for(client, listener)
    pages = ["/listening/library/?q=song", f"/listening/library/playlists/{full_library.public_id}/?q=song",
             "/listening/library/picks/?q=song"]
    for url in pages:
        with django_assert_max_num_queries(9):  # 2 of them load the session and the user
            assert client.get(url).status_code == 200


def test_library_apis_keep_to_a_query_budget(listener, full_library, django_assert_max_num_queries):
    client = api(listener)
    urls = ["/api/v1/listening/library/playlists/", f"/api/v1/listening/library/playlists/{full_library.public_id}/",
            "/api/v1/listening/library/favourites/", "/api/v1/listening/library/ratings/",
            "/api/v1/listening/library/picks/", "/api/v1/listening/library/search/?q=song"]
    for url in urls:
        with django_assert_max_num_queries(3):
            assert client.get(url).status_code == 200

