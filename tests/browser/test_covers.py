"""Pictures in a real browser: covers of songs, albums and artists and events' pictures on every page that lists
them, and a generated cover wherever the picture is unknown or cannot load — never a broken image."""

import pytest
from playwright.sync_api import expect

from listening.models import Album, Track
from listening.services import favourite_add, spotify_tracks_store
from tests.events.factories import EventFactory
from tests.fakes.spotify import new_tracks
from tests.listening.test_spotify_details import imported

pytestmark = pytest.mark.browser

VIEWPORTS = {"desktop": {"width": 1366, "height": 768}, "phone": {"width": 390, "height": 844}}


def pictures_on(page) -> list[dict]:
    """Every <img> once loaded (each scrolled into view, so lazy ones load): what it shows and whether it is the
    generated cover. A picture that failed to load and was not swapped shows naturalWidth 0."""
    page.wait_for_function("""() => [...document.querySelectorAll("img")].every((img) => {
        img.scrollIntoView();
        return img.complete;
    })""", timeout=10_000)
    page.evaluate("window.scrollTo(0, 0)")
    return page.evaluate("""() => [...document.querySelectorAll("img")].map((img) => ({
        src: img.src, width: img.naturalWidth, cover: img.classList.contains("cover"),
        fallback: img.src.startsWith("data:image/svg+xml")}))""")


@pytest.fixture
def history(listener):
    """A listener whose songs Spotify gave covers for (at hosts the test cannot reach) and songs it did not."""
    songs = new_tracks(4)
    imported(listener, songs)
    spotify_tracks_store(tracks=songs[:2])  # two albums get Spotify's cover address
    for track in Track.objects.all():
        favourite_add(user=listener, track=track)
    return songs


@pytest.mark.parametrize("viewport", VIEWPORTS.values(), ids=VIEWPORTS.keys())
def test_pictures_that_cannot_load_show_generated_covers_and_nothing_is_broken(page, sign_in, listener, history,
                                                                                  viewport, axe):
    pictured = EventFactory(title="Pictured Show", image_url="https://s1.ticketm.net/dam/a/1/show_16_9.jpg")
    EventFactory(title="Plain Show")
    assert Album.objects.exclude(image_url="").count() == 2
    # Offline: no picture from anywhere but our own server loads.
    page.route("**/*", lambda route: route.abort() if "127.0.0.1" not in route.request.url else route.continue_())
    page.set_viewport_size(viewport)
    sign_in(listener)
    track = Track.objects.get(name=history[0]["name"])

    for path in ("/", "/listening/?period=all", f"/listening/tracks/{track.public_id}/",
                 f"/listening/albums/{track.album.public_id}/", f"/listening/artists/{track.artist.public_id}/",
                 "/listening/library/", "/events/?country=NL", f"/events/{pictured.public_id}/"):
        page.goto(path)
        pictures = pictures_on(page)

        assert pictures, path
        broken = [picture["src"][:80] for picture in pictures if picture["width"] == 0]
        assert not broken, (path, broken)
        # Every cover the page meant to fetch fell back to a generated one.
        assert not [p for p in pictures if p["src"].startswith("https://")], path
        # No picture runs off the side of a phone.
        assert page.evaluate("""() => [...document.querySelectorAll("img.cover")].every(
            (img) => img.getBoundingClientRect().right <= window.innerWidth)"""), path

    assert not axe(), axe()


@pytest.mark.parametrize("viewport", VIEWPORTS.values(), ids=VIEWPORTS.keys())
def test_a_known_picture_is_shown_where_it_loads(page, sign_in, listener, history, viewport):
    # Spotify's image host answers with a real picture.
    page.route("https://i.scdn.co/**", lambda route: route.fulfill(
        status=200, content_type="image/svg+xml",
        body='<svg xmlns="http://www.w3.org/2000/svg" width="300" height="300"><rect width="300" height="300"/></svg>',
    ))
    page.set_viewport_size(viewport)
    sign_in(listener)
    track = Track.objects.select_related("album").get(name=history[0]["name"])

    page.goto(f"/listening/tracks/{track.public_id}/")

    header = page.locator(".item-header img.cover")
    expect(header).to_have_attribute("src", track.album.image_url)
    pictures = pictures_on(page)
    assert {p["src"] for p in pictures if p["cover"] and not p["fallback"]} == {track.album.image_url}
    assert all(p["width"] > 0 for p in pictures)
