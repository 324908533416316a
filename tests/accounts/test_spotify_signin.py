"""Sign in with Spotify against the fake Accounts service, through allauth unchanged."""

from urllib.parse import parse_qs, urlsplit

import requests
from allauth.socialaccount.models import SocialAccount, SocialToken

from accounts.models import User


def _authorize(client, spotify):
    """Click "Continue with Spotify", let the fake Spotify answer, and return its redirect back to us."""
    start = client.post("/accounts/spotify/login/")
    assert start.status_code == 302
    authorize_url = start["Location"]
    assert authorize_url.startswith(f"{spotify.url}/authorize?")
    answer = requests.get(authorize_url, allow_redirects=False, timeout=5)
    assert answer.status_code == 302, answer.text
    return authorize_url, answer.headers["Location"]


def test_spotify_sign_in_creates_a_guest_with_the_spotify_profile(client, spotify):
    spotify.add_user()
    spotify.sign_in_as("wizzler")

    authorize_url, callback = _authorize(client, spotify)
    query = parse_qs(urlsplit(authorize_url).query)
    assert set(query["scope"][0].split()) == {
        "user-read-private", "user-read-email", "user-read-recently-played",
        "user-top-read", "playlist-modify-private", "playlist-modify-public",
    }
    assert urlsplit(query["redirect_uri"][0]).hostname == "127.0.0.1"
    assert query["state"][0]

    landing = client.get(callback)
    assert landing.status_code == 302

    user = User.objects.get(socialaccount__uid="wizzler")
    assert user.role == User.Role.GUEST
    assert user.display_name == "JM Wizzler"
    assert user.email == "email@example.com"
    assert user.country.code == "SE"
    assert not user.has_usable_password()
    token = SocialToken.objects.get(account__user=user)
    assert token.token_secret and token.expires_at
    assert client.get("/profile/").status_code == 200


def test_returning_spotify_user_signs_into_the_same_account_and_heals_a_broken_connection(client, spotify):
    spotify.add_user()
    spotify.sign_in_as("wizzler")
    client.get(_authorize(client, spotify)[1])
    user = User.objects.get(socialaccount__uid="wizzler")
    User.objects.filter(pk=user.pk).update(spotify_broken_at="2026-01-01T00:00Z", display_name="Old name")
    client.logout()

    client.get(_authorize(client, spotify)[1])

    assert User.objects.count() == 1
    user.refresh_from_db()
    assert user.spotify_broken_at is None
    assert user.display_name == "JM Wizzler"


def test_denied_consent_shows_a_friendly_page_and_creates_nobody(client, spotify):
    spotify.add_user()
    spotify.sign_in_as("wizzler")
    spotify.deny_consent = True

    _, callback = _authorize(client, spotify)
    assert "error=access_denied" in callback
    page = client.get(callback, follow=True)

    assert page.status_code == 200
    assert "you stayed signed out" in page.content.decode()
    assert not SocialAccount.objects.exists()


def test_a_forged_state_is_refused(client, spotify):
    spotify.add_user()
    spotify.sign_in_as("wizzler")
    _, callback = _authorize(client, spotify)
    forged = callback.replace("state=", "state=forged")

    page = client.get(forged, follow=True)

    assert "could not finish signing you in" in page.content.decode()
    assert not User.objects.exists()


def test_a_regular_user_links_spotify_later_and_stays_regular(client, spotify, listener):
    spotify.add_user()
    spotify.sign_in_as("wizzler")
    client.force_login(listener, backend="django.contrib.auth.backends.ModelBackend")

    start = client.post("/accounts/spotify/login/", {"process": "connect"})
    callback = requests.get(start["Location"], allow_redirects=False, timeout=5).headers["Location"]
    client.get(callback)

    listener.refresh_from_db()
    assert listener.role == User.Role.REGULAR
    assert SocialAccount.objects.get(user=listener).uid == "wizzler"
