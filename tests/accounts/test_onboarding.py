"""A new listener's first steps: the welcome page after sign-up (time zone, one next step), the time zones they
choose from, and Spotify offered only where this site can reach it: a plain notice where it cannot, a real button
where it can."""

import re
from datetime import UTC, datetime

import pytest
import requests
from django.test import Client

from accounts.models import User
from listening.models import Playlist, PlaylistItem, Track
from tests.conftest import client_for
from tests.factories import SpotifyAccountFactory, plays_add_for

NEW_PASSWORD = "a long new passphrase"
CONNECT_FORM = re.compile(r'<form method="post" action="/accounts/spotify/login/\?process=connect[^"]*"')
NOT_SET_UP = 'id="spotify-not-configured"'


@pytest.fixture(autouse=True)
def _quick_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def html(response) -> str:
    return response.content.decode()


# --- after sign-up: the welcome step --------------------------------------------------------------------------
def test_signing_up_by_email_lands_on_the_welcome_step_once_the_address_is_confirmed(db, mailoutbox):
    browser = Client()
    browser.post("/accounts/signup/", {"email": "nina@example.com", "password1": NEW_PASSWORD,
                                       "password2": NEW_PASSWORD})
    [mail] = mailoutbox
    [link] = re.findall(r"http://\S+/accounts/confirm-email/\S+/", mail.body)

    confirmed = browser.post(link, follow=True)

    assert confirmed.redirect_chain[-1][0] == "/welcome/"
    page = html(confirmed)
    assert "Welcome to Re-Wrapped" in page
    assert '<a href="/listening/import/" role="button">Import your Spotify data</a>' in page


def test_signing_up_with_spotify_lands_on_the_welcome_step(client, spotify):
    spotify.add_user()
    spotify.sign_in_as("wizzler")
    start = client.post("/accounts/spotify/login/")
    callback = requests.get(start["Location"], allow_redirects=False, timeout=5).headers["Location"]

    landing = client.get(callback)

    assert landing.status_code == 302 and landing["Location"] == "/welcome/"
    page = html(client.get("/welcome/"))
    assert "Import your Spotify data" in page
    assert not CONNECT_FORM.search(page)  # signed in with Spotify: connected already


def test_the_welcome_step_saves_the_confirmed_time_zone_reading_an_old_alias_as_its_zone(client, listener):
    client_for(client, listener)

    response = client.post("/welcome/", {"time_zone": "Asia/Calcutta"}, follow=True)

    assert "Time zone saved: your days and streaks follow Asia/Kolkata." in html(response)
    assert User.objects.get(pk=listener.pk).time_zone == "Asia/Kolkata"
    assert '<option value="Asia/Kolkata" selected>Asia/Kolkata</option>' in html(response)


def test_the_welcome_step_refuses_a_time_zone_that_is_none(client, listener):
    response = client_for(client, listener).post("/welcome/", {"time_zone": "Mars/Olympus_Mons"})

    assert response.status_code == 200
    assert "Choose a time zone from the list, such as Europe/Amsterdam." in html(response)
    assert User.objects.get(pk=listener.pk).time_zone == "UTC"


def test_the_next_step_of_a_listener_with_history_is_their_stats(client, listener):
    plays_add_for(listener, ("Artist", "Song", datetime(2024, 5, 1, 12, tzinfo=UTC), 3))

    page = html(client_for(client, listener).get("/welcome/"))

    assert '<a href="/listening/" role="button">See your stats</a>' in page
    assert "Import your Spotify data" not in page


def test_the_next_step_offers_connecting_spotify_too_where_this_site_can(client, listener, spotify):
    page = html(client_for(client, listener).get("/welcome/"))

    assert '<a href="/listening/import/" role="button">Import your Spotify data</a>' in page
    assert CONNECT_FORM.search(page)
    assert NOT_SET_UP not in page


def test_home_without_history_shows_the_same_next_step(client, listener):
    page = html(client_for(client, listener).get("/"))

    assert '<a href="/listening/import/" role="button">Import your Spotify data</a>' in page
    assert "Connect Spotify or upload" not in page


# --- time zones to choose from ----------------------------------------------------------------------------------
def test_the_profile_offers_canonical_time_zones_only_and_shows_an_alias_saved_earlier_as_its_zone(client, listener):
    listener.time_zone = "US/Eastern"  # saved before the list was canonical
    listener.save(update_fields=["time_zone"])

    page = html(client_for(client, listener).get("/profile/"))

    zones = re.findall(r'<option value="([^"]+)"[^>]*>', re.search(r'<select name="time_zone".*?</select>', page,
                                                                   re.S).group(0))
    assert {"UTC", "Europe/Amsterdam", "Asia/Kolkata", "America/New_York", "Europe/Kyiv"} <= set(zones)
    assert not {"US/Eastern", "Asia/Calcutta", "Europe/Kiev", "GMT", "Etc/GMT+5", "localtime"} & set(zones)
    assert '<option value="America/New_York" selected>' in page


def test_the_profile_fields_show_example_placeholders(client, listener):
    page = html(client_for(client, listener).get("/profile/"))

    for name, example in [("display_name", "Lena"), ("city", "Rotterdam"), ("interests", "indie rock, jazz, k-pop"),
                          ("age", "27")]:
        assert re.search(rf'<input type="\w+" name="{name}"[^>]*placeholder="{example}"', page), name


# --- Spotify: a plain notice where this site cannot reach it, a real button where it can -----------------------
@pytest.mark.parametrize("path", ["/accounts/login/", "/accounts/signup/"])
def test_sign_in_pages_say_once_that_spotify_is_not_set_up(client, db, path):
    page = html(client.get(path))

    assert page.count(NOT_SET_UP) == 1
    assert "/accounts/spotify/login/" not in page


@pytest.mark.parametrize("path", ["/accounts/login/", "/accounts/signup/"])
def test_sign_in_pages_offer_spotify_where_it_is_set_up(client, spotify, path):
    page = html(client.get(path))

    assert '<form method="post" action="/accounts/spotify/login/?process=login"' in page
    assert NOT_SET_UP not in page


def test_connected_accounts_say_spotify_is_not_set_up_and_offer_the_import(client, listener):
    page = html(client_for(client, listener).get("/accounts/3rdparty/"))

    assert page.count(NOT_SET_UP) == 1
    assert 'href="/listening/import/"' in page
    assert "/accounts/spotify/login/" not in page
    assert "Connected accounts (Spotify)" not in html(client.get("/profile/"))


def test_connected_accounts_offer_a_connect_spotify_button_where_it_is_set_up(client, listener, spotify):
    page = html(client_for(client, listener).get("/accounts/3rdparty/"))

    assert CONNECT_FORM.search(page) and ">Connect Spotify</button>" in page
    assert NOT_SET_UP not in page
    assert "Connected accounts (Spotify)" in html(client.get("/profile/"))


def test_connected_accounts_list_the_spotify_account_to_disconnect(client, spotify):
    guest = SpotifyAccountFactory(uid="wizzler").user
    guest.set_password(NEW_PASSWORD)
    guest.save()

    page = html(client_for(client, guest).get("/accounts/3rdparty/"))

    assert "Spotify: " in page and ">Disconnect</button>" in page
    assert not CONNECT_FORM.search(page)


def _playlist_with_a_spotify_song(user) -> Playlist:
    plays_add_for(user, ("Artist", "Song", datetime(2024, 5, 1, tzinfo=UTC), 3))
    track = Track.objects.get(name="Song")
    Track.objects.filter(pk=track.pk).update(spotify_id="4uLU6hMCjMI75M1A2tKUQC")
    playlist = Playlist.objects.create(user=user, name="Mine")
    PlaylistItem.objects.create(playlist=playlist, track=track, position=0)
    return playlist


def test_a_playlist_says_export_is_not_set_up_and_offers_no_export_button(client, listener):
    playlist = _playlist_with_a_spotify_song(listener)
    client_for(client, listener)

    page = html(client.get(f"/listening/library/playlists/{playlist.public_id}/"))
    assert page.count(NOT_SET_UP) == 1
    assert "Export to Spotify</button>" not in page

    exported = client.post(f"/listening/library/playlists/{playlist.public_id}/export/", follow=True)
    assert "Exporting to Spotify is not set up on this site, so the playlist stays here." in html(exported)


def test_a_playlist_of_a_listener_not_connected_offers_connecting_spotify(client, listener, spotify):
    playlist = _playlist_with_a_spotify_song(listener)

    page = html(client_for(client, listener).get(f"/listening/library/playlists/{playlist.public_id}/"))

    assert CONNECT_FORM.search(page)
    assert "Export to Spotify</button>" not in page and NOT_SET_UP not in page


def test_a_playlist_of_a_connected_listener_offers_the_export(client, listener, spotify):
    SpotifyAccountFactory(user=listener)
    playlist = _playlist_with_a_spotify_song(listener)

    page = html(client_for(client, listener).get(f"/listening/library/playlists/{playlist.public_id}/"))

    assert "Export to Spotify</button>" in page
    assert not CONNECT_FORM.search(page)


# --- "Songs you love" knows the listener's history -------------------------------------------------------------
def test_songs_you_love_tells_a_listener_with_history_they_need_not_pick(client, listener):
    plays_add_for(listener, ("Artist", "Song", datetime(2024, 5, 1, tzinfo=UTC), 3))
    client_for(client, listener)

    assert "Your listening history already tells Re-Wrapped your taste" in html(client.get("/listening/library/picks/"))
    assert "New here?" not in html(client.get("/listening/library/"))


def test_songs_you_love_asks_a_listener_without_history_to_pick_or_import(client, listener):
    client_for(client, listener)

    page = html(client.get("/listening/library/picks/"))

    assert "No listening history yet?" in page and 'href="/listening/import/"' in page
    assert "New here?" in html(client.get("/listening/library/"))
