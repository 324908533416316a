"""The library in a real browser: building a playlist, and picking songs you love up to the limit."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from listening.models import Playlist, StarterPick, Track
from tests.factories import plays_add_for

pytestmark = pytest.mark.browser


def catalog(user, songs):
    start = timezone.now() - timedelta(days=3)
    plays_add_for(user, *[
        (artist, name, start - timedelta(minutes=5 * n), 3, {"uri": f"spotify:track:{n:022d}"})
        for n, (artist, name) in enumerate(songs)
    ])


def song_titles(page, playlist_name):
    return page.get_by_role("list", name=f"Songs in {playlist_name}").locator(".track-title strong")


def test_a_listener_builds_reorders_renames_and_deletes_a_playlist(page, sign_in, listener, axe):
    catalog(listener, [("Daft Punk", "One More Time"), ("Daft Punk", "Digital Love"), ("Björk", "Hyperballad")])
    sign_in(listener)
    page.goto("/")
    page.get_by_role("link", name="Library").click()

    page.get_by_label("Name:").fill("Friday night")
    page.get_by_role("button", name="Create playlist").click()
    expect(page.get_by_role("heading", name="Friday night", level=1)).to_be_visible()
    expect(page.get_by_text("No songs yet.")).to_be_visible()

    page.get_by_label("Search the catalog for songs or artists").fill("daft")
    page.get_by_role("button", name="Search", exact=True).click()
    page.get_by_role("button", name="Add to playlist: One More Time").click()
    expect(song_titles(page, "Friday night")).to_have_text(["One More Time"])
    page.get_by_role("button", name="Add to playlist: Digital Love").click()
    expect(song_titles(page, "Friday night")).to_have_text(["One More Time", "Digital Love"])
    page.get_by_label("Search the catalog for songs or artists").fill("björk")
    page.get_by_role("button", name="Search", exact=True).click()
    page.get_by_role("button", name="Add to playlist: Hyperballad").click()
    expect(song_titles(page, "Friday night")).to_have_text(["One More Time", "Digital Love", "Hyperballad"])
    expect(page.get_by_text("In this playlist")).to_be_visible()

    page.get_by_role("button", name="Move up: Hyperballad").click()
    expect(song_titles(page, "Friday night")).to_have_text(["One More Time", "Hyperballad", "Digital Love"])
    page.get_by_role("button", name="Move down: One More Time").click()
    expect(song_titles(page, "Friday night")).to_have_text(["Hyperballad", "One More Time", "Digital Love"])
    page.get_by_role("button", name="Remove: Digital Love").click()
    expect(song_titles(page, "Friday night")).to_have_text(["Hyperballad", "One More Time"])
    assert not axe(), axe()

    page.get_by_label("Name:").fill("")
    page.get_by_role("button", name="Save name").click()
    expect(page.get_by_label("Name:")).to_have_attribute("aria-invalid", "true")
    page.get_by_label("Name:").fill("Saturday morning")
    page.get_by_role("button", name="Save name").click()
    expect(page.get_by_role("heading", name="Saturday morning", level=1)).to_be_visible()
    expect(song_titles(page, "Saturday morning")).to_have_text(["Hyperballad", "One More Time"])

    page.get_by_text("Delete this playlist").click()
    page.get_by_role("button", name="Delete “Saturday morning”").click()
    expect(page.get_by_role("status").get_by_text("Playlist “Saturday morning” deleted.")).to_be_visible()
    expect(page.get_by_text("No playlists yet.")).to_be_visible()
    assert not axe(), axe()
    assert not Playlist.objects.exists()


def test_a_new_listener_is_warned_from_45_picks_and_stopped_at_50(page, sign_in, guest, listener, axe):
    catalog(listener, [(f"Artist {n}", f"Old {n}" if n < 44 else f"Fresh {n}") for n in range(51)])
    StarterPick.objects.bulk_create(
        StarterPick(user=guest, track=track) for track in Track.objects.filter(name__startswith="Old")
    )
    sign_in(guest)

    page.goto("/listening/library/picks/?q=fresh")
    expect(page.get_by_text("44 of 50 picked")).to_be_visible()
    expect(page.get_by_role("alert")).to_have_count(0)
    page.get_by_role("button", name="Pick: Fresh 44").click()

    expect(page.get_by_text("45 of 50 picked")).to_be_visible()
    expect(page.get_by_role("alert")).to_have_text("Only 5 picks left: keep them for the songs you love most.")
    expect(page.get_by_text("Picked ✓")).to_have_count(1)
    assert not axe(), axe()

    for n in range(45, 50):
        page.get_by_role("button", name=f"Pick: Fresh {n}").click()
        expect(page.get_by_text(f"{n + 1} of 50 picked")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("You have picked 50 songs, the most there can be.")
    expect(page.get_by_role("button", name="Pick: Fresh 50")).to_be_disabled()

    page.get_by_role("button", name="Unpick: Old 0", exact=True).click()
    expect(page.get_by_text("49 of 50 picked")).to_be_visible()
    expect(page.get_by_role("button", name="Pick: Fresh 50")).to_be_enabled()
    assert StarterPick.objects.filter(user=guest).count() == 49


def test_the_taste_page_shares_your_taste(page, sign_in, listener, axe):
    catalog(listener, [("Robyn", "Dancing On My Own")])
    sign_in(listener)
    page.goto("/listening/taste/")

    page.get_by_role("switch", name="Share my music taste").check()
    page.get_by_role("button", name="Save").click()

    expect(page.get_by_role("status").get_by_text("Your taste is shared")).to_be_visible()
    expect(page.get_by_role("switch", name="Share my music taste")).to_be_checked()
    expect(page.get_by_role("list").get_by_text("Robyn")).to_be_visible()
    assert not axe(), axe()
    listener.refresh_from_db()
    assert listener.public_profile
