"""The mood page and the mood history in a real browser. The mood page runs against a real daphne (the page and
its mood socket), in a Chromium whose camera is a fake device playing a video made from a face photo."""

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import expect

from emotions.models import MoodReading, RecommendedPlay
from emotions.moods import mood_picked
from emotions.services import mood_record, recommended_play_record
from emotions.recommender.track_moods import track_moods_fill
from listening.models import Artist, Genre, Track
from listening.services import artist_genres_add
from tests.browser.conftest import serious_violations
from tests.conftest import session_key_for
from tests.emotions.camera import y4m_from_image
from tests.factories import plays_add_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VIEWPORTS = {"desktop": {"width": 1366, "height": 768}, "phone": {"width": 390, "height": 844}}
FACES = Path(__file__).resolve().parent.parent / "emotions" / "faces"
SONGS = [("Nils Frahm", "Says"), ("Ólafur Arnalds", "Near Light"), ("Daft Punk", "One More Time"),
         ("Pharrell Williams", "Happy"), ("Adele", "Someone Like You")]
GENRES = {"Nils Frahm": "ambient piano", "Ólafur Arnalds": "neo-classical", "Daft Punk": "french house disco",
          "Pharrell Williams": "funk pop", "Adele": "sad soul"}


def fits_the_width(page) -> bool:
    return page.evaluate("document.scrollingElement.scrollWidth <= window.innerWidth")


@pytest.fixture(scope="module")
def smiling_camera(browser_with, tmp_path_factory):
    """A Chromium whose camera plays a smiling face (NASA's photo of Eileen Collins), over and over."""
    video = y4m_from_image(FACES / "astronaut.jpg", tmp_path_factory.mktemp("camera") / "smiling.y4m")
    return browser_with("--use-fake-device-for-media-stream", f"--use-file-for-fake-video-capture={video}")


@pytest.fixture(scope="module")
def faceless_camera(browser_with, tmp_path_factory):
    """A Chromium whose camera shows a cup of coffee and no face."""
    video = y4m_from_image(FACES / "coffee.jpg", tmp_path_factory.mktemp("camera") / "coffee.y4m")
    return browser_with("--use-fake-device-for-media-stream", f"--use-file-for-fake-video-capture={video}")


@pytest.fixture
def on_the_stack(daphne_server):
    """A page in a browser on the real daphne (the page and its mood socket), signed in as `user`; Spotify's
    player is a stand-in page, as the internet is not there."""
    contexts = []

    def open_page(browser, user, *, viewport="desktop", camera=True):
        context = browser.new_context(base_url=f"http://{daphne_server}", viewport=VIEWPORTS[viewport],
                                      permissions=["camera"] if camera else [])
        context.set_default_timeout(20_000)
        context.route("https://open.spotify.com/**",
                      lambda route: route.fulfill(body="<title>Spotify</title>", content_type="text/html"))
        context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session_key_for(user),
                              "domain": "127.0.0.1", "path": "/"}])
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


def with_history(user):
    """Songs the listener played two days ago (none in the last hours, which are not recommended again), their
    artists' genres, and so where each song sits on the circumplex: quiet piano, sad soul, happy funk, disco."""
    start = timezone.now() - timedelta(days=2)
    plays_add_for(user, *[
        (artist, name, start - timedelta(minutes=5 * (10 * n + k)), 3, {"uri": f"spotify:track:{n:022d}"})
        for n, (artist, name) in enumerate(SONGS) for k in range(len(SONGS) - n)
    ])
    artist_genres_add(pairs=[(Artist.objects.get(name=artist).pk, Genre.objects.get_or_create(name=genre)[0].pk)
                             for artist, genre in GENRES.items()], source="spotify")
    track_moods_fill(track_ids=list(Track.objects.values_list("pk", flat=True)))


def songs(page):
    return page.get_by_role("list", name="Songs for your mood").get_by_role("listitem")


# --- the mood page -----------------------------------------------------------------------------------------
def test_the_camera_reads_a_smile_songs_follow_and_words_change_them(smiling_camera, on_the_stack, listener,
                                                                     axe_source):
    with_history(listener)
    page = on_the_stack(smiling_camera, listener)

    page.goto("/mood/")

    expect(page.locator("#camera-on")).to_be_visible()
    expect(page.locator("#camera-preview")).to_be_visible()
    # The first frames wait for the face model to load in the server.
    expect(page.locator("#mood-current")).to_have_text("You seem happy.", timeout=30_000)
    expect(page.locator("#mood-note")).to_contain_text("from your face")
    expect(page.locator("#recommendations")).to_have_attribute("data-mood", "happy")
    expect(page.get_by_role("status").filter(has_text="to match your happy mood")).to_be_visible()
    expect(songs(page).first).to_be_visible()
    expect(page.locator("#mood-chart path.line-valence")).to_have_attribute("d", re.compile(r"^M"))
    first_happy = songs(page).locator(".song-name").all_inner_texts()
    assert first_happy.index("One More Time") < first_happy.index("Says")
    assert MoodReading.objects.filter(user=listener, source="face", mood="happy").exists()
    violations = serious_violations(page, axe_source)
    assert not violations, violations

    page.get_by_role("button", name="Stop the camera").click()

    expect(page.locator("#camera-on")).to_be_hidden()
    expect(page.get_by_text("Camera off.")).to_be_visible()
    assert page.evaluate("document.getElementById('camera-preview').srcObject") is None
    expect(page.get_by_role("button", name="Turn the camera on")).to_be_focused()

    page.get_by_label("How are you feeling?").fill("I feel so sad and lonely today, nothing is going right")
    page.get_by_role("button", name="Tell").click()

    expect(page.locator("#mood-current")).to_have_text("You seem sad.")
    expect(page.locator("#mood-note")).to_contain_text("from your words")
    expect(page.locator("#recommendations")).to_have_attribute("data-mood", "sad")
    expect(page.get_by_role("status").filter(has_text="to match your sad mood")).to_be_visible()
    assert MoodReading.objects.filter(user=listener, source="text", mood="sad").exists()
    # Songs that fit sadness now come first: the quiet piano before the disco that fitted the smile.
    expect(songs(page).locator(".song-name")).not_to_have_text(first_happy)
    sad_order = songs(page).locator(".song-name").all_inner_texts()
    assert sad_order.index("Says") < sad_order.index("One More Time")

    page.get_by_label("Lift my mood").check()

    expect(page.get_by_role("status").filter(has_text="to lift your sad mood")).to_be_visible()
    first = songs(page).first
    name = first.locator(".song-name").inner_text()
    reason = first.locator(".song-reason").inner_text()
    with page.context.expect_page() as spotify:
        first.get_by_role("button", name=re.compile(f"^Play {re.escape(name)} by ")).click()

    track = Track.objects.get(name=name)
    expect(spotify.value).to_have_url(f"https://open.spotify.com/track/{track.spotify_id}")
    played = RecommendedPlay.objects.get(user=listener)
    assert (played.track, played.mood, played.strategy, played.reason) == (track, "sad", "lift", reason)


# --- the history -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_the_history_charts_moods_by_day_and_week(page, sign_in, listener, axe, viewport):
    page.set_viewport_size(VIEWPORTS[viewport])
    now = timezone.now()
    for days, mood in ((3, "sad"), (2, "calm"), (1, "happy")):
        mood_record(user=listener, estimate=mood_picked(mood), source="manual", at=now - timedelta(days=days))
    plays_add_for(listener, ("Nils Frahm", "Says", now - timedelta(days=2) + timedelta(minutes=3), 3))
    recommended_play_record(user=listener, track_public_id=Track.objects.get().public_id, at=now, mood="calm",
                            strategy="match", reason="You played this a lot when calm")
    sign_in(listener)

    page.goto("/mood/history/")

    chart = page.get_by_role("img", name="Share of time in each mood per day")
    expect(chart.locator("rect.mood-bar")).to_have_count(3)
    expect(chart.locator("g.mood-sad rect")).to_have_count(1)
    expect(chart.locator("circle.valence-dot")).to_have_count(3)
    expect(page.get_by_role("heading", name="Calm · 1 play")).to_be_visible()
    expect(page.get_by_role("region", name="Recommended songs you played")).to_contain_text("Says")
    page.get_by_text("The same as a table").click()
    expect(page.get_by_role("table").locator("tbody tr")).to_have_count(3)
    assert not viewport == "phone" or fits_the_width(page)
    assert not axe(), axe()

    page.get_by_role("link", name="Last 12 weeks").click()

    by_week = page.get_by_role("img", name="Share of time in each mood per week")
    expect(by_week.locator("circle.valence-dot")).not_to_have_count(0)


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_with_the_camera_refused_words_and_picks_still_set_the_mood(smiling_camera, on_the_stack, listener,
                                                                     axe_source, viewport):
    with_history(listener)
    page = on_the_stack(smiling_camera, listener, viewport=viewport, camera=False)

    page.goto("/mood/")

    expect(page.get_by_text("The camera is blocked for this page.")).to_be_visible()
    expect(page.locator("#camera-on")).to_be_hidden()
    expect(songs(page).first).to_be_visible()  # songs for no mood in particular, at once
    expect(page.get_by_role("status").filter(has_text="you love")).to_be_visible()

    page.get_by_label("How are you feeling?").fill("I went to the shop and bought some bread")
    page.get_by_role("button", name="Tell").click()

    expect(page.locator("#mood-note")).to_have_text(re.compile(r"^I can't tell how you feel from that\."))
    expect(page.locator("#mood-current")).to_have_text("We don't know your mood yet.")

    page.get_by_label("How are you feeling?").fill("Best day ever, I'm so happy!")
    page.keyboard.press("Enter")

    expect(page.locator("#mood-current")).to_have_text("You seem happy.")
    expect(page.locator("#recommendations")).to_have_attribute("data-mood", "happy")

    page.get_by_role("button", name="Calm").click()

    expect(page.locator("#mood-current")).to_have_text("You seem calm.")
    expect(page.get_by_role("button", name="Calm")).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#mood-note")).to_have_text("100% sure · your pick")
    expect(page.get_by_role("status").filter(has_text="to match your calm mood")).to_be_visible()
    assert list(MoodReading.objects.filter(user=listener).order_by("at").values_list("source", "mood")) == [
        ("text", "happy"), ("manual", "calm")]
    if viewport == "phone":
        assert fits_the_width(page)
    violations = serious_violations(page, axe_source)
    assert not violations, violations


def test_a_camera_that_sees_no_face_says_so_and_reads_no_mood(faceless_camera, on_the_stack, listener):
    page = on_the_stack(faceless_camera, listener)

    page.goto("/mood/")

    expect(page.locator("#camera-on")).to_be_visible()
    expect(page.get_by_text("No face in view: look at the camera, in good light.")).to_be_visible(timeout=30_000)
    expect(page.locator("#mood-current")).to_have_text("We don't know your mood yet.")
    assert not MoodReading.objects.exists()


def test_without_a_camera_the_page_says_so_and_a_pick_still_works(browser, on_the_stack, listener):
    page = on_the_stack(browser, listener)

    page.goto("/mood/")

    expect(page.get_by_text("No camera found.")).to_be_visible()
    page.get_by_role("button", name="Angry").click()
    expect(page.locator("#mood-current")).to_have_text("You seem angry.")
    expect(page.get_by_role("status").filter(has_text="No songs to recommend yet")).to_be_visible()
