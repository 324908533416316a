"""The free tier on the mood page, in a real browser on the real daphne: five recommended songs play, the sixth
opens the upgrade dialog instead (modal, focus kept inside, Escape or "Not now" back to the Play pressed); with no
free song left, nothing on the page leads to a song on Spotify."""

import json
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from billing.models import SongUse
from emotions.models import RecommendedPlay
from emotions.services import recommended_play_record
from listening.models import Track
from tests.browser.conftest import serious_violations
from tests.browser.test_mood import VIEWPORTS, fits_the_width, on_the_stack, songs, with_history  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_a_free_listener_plays_five_songs_and_the_sixth_opens_the_upgrade_dialog(browser, on_the_stack,  # noqa: F811
                                                                                listener, axe_source, viewport):
    with_history(listener)
    page = on_the_stack(browser, listener, viewport=viewport, camera=False)
    page.goto("/mood/")
    free_songs = page.locator("#free-songs")
    expect(free_songs).to_have_text("5 free songs left.")
    first = songs(page).first
    play = first.get_by_role("button", name=re.compile(r"^Play "))

    for left in ("4 free songs left.", "3 free songs left.", "2 free songs left.", "1 free song left.",
                 "No free songs left."):
        with page.context.expect_page() as spotify:
            play.click()
        expect(spotify.value).to_have_url(re.compile(r"^https://open\.spotify\.com/track/"))
        spotify.value.close()
        expect(free_songs).to_have_text(left)

    play.click()

    dialog = page.get_by_role("dialog", name="Play on with Premium")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("You have played your 5 free recommended songs.")
    upgrade = dialog.get_by_role("link", name="Upgrade to Premium")
    expect(upgrade).to_have_attribute("href", "/billing/upgrade/")
    expect(upgrade).to_be_focused()
    assert len(page.context.pages) == 1  # no tab opened for a song that does not play
    page.keyboard.press("Tab")
    expect(dialog.get_by_role("button", name="Not now")).to_be_focused()
    page.keyboard.press("Tab")
    expect(upgrade).to_be_focused()
    page.keyboard.press("Shift+Tab")
    expect(dialog.get_by_role("button", name="Not now")).to_be_focused()
    violations = serious_violations(page, axe_source)
    assert not violations, violations
    if viewport == "phone":
        assert fits_the_width(page)

    page.keyboard.press("Escape")

    expect(dialog).to_be_hidden()
    expect(play).to_be_focused()
    assert RecommendedPlay.objects.filter(user=listener).count() == 5
    assert SongUse.objects.filter(user=listener).count() == 5

    play.click()
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name="Not now").click()

    expect(dialog).to_be_hidden()
    expect(play).to_be_focused()
    assert RecommendedPlay.objects.filter(user=listener).count() == 5


def test_with_no_free_song_left_no_click_of_play_opens_a_song(browser, on_the_stack, listener):  # noqa: F811
    with_history(listener)
    for track in Track.objects.order_by("name")[:5]:
        recommended_play_record(user=listener, track_public_id=track.public_id, at=timezone.now())
    page = on_the_stack(browser, listener, camera=False)
    heard = []
    page.on("websocket", lambda socket: socket.on("framereceived", lambda frame: heard.append(frame)))

    page.goto("/mood/")

    expect(page.locator("#free-songs")).to_have_text("No free songs left.")
    play = songs(page).first.get_by_role("button", name=re.compile(r"^Play "))
    expect(play).to_be_visible()
    expect(play).not_to_have_attribute("href", re.compile(".*"))
    expect(page.locator('a[href*="spotify.com"]')).to_have_count(0)
    lists = [json.loads(frame) for frame in heard if '"recommendations"' in frame]
    assert lists and {item["spotify_id"] for item in lists[0]["items"]} == {None}

    dialog = page.get_by_role("dialog", name="Play on with Premium")
    play.click(button="middle")
    for keys in (["ControlOrMeta"], ["Shift"]):
        play.click(modifiers=keys)
        expect(dialog).to_be_visible()  # a click with a key held is still a click: it asks for Premium
        page.keyboard.press("Escape")
        expect(dialog).to_be_hidden()

    assert len(page.context.pages) == 1  # no tab opened, by the middle click or any other
    assert RecommendedPlay.objects.filter(user=listener).count() == 5
