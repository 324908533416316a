"""The questions box in a real browser, at desktop and phone widths: comparing two artists, and following a name in
the answer to its page."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.factories import plays_add_for

pytestmark = [pytest.mark.browser]

VIEWPORTS = {"desktop": {"width": 1366, "height": 768}, "phone": {"width": 390, "height": 844}}


@pytest.fixture
def history(listener):
    listener.time_zone = "Pacific/Auckland"
    listener.save(update_fields=["time_zone"])
    now = timezone.now()
    plays_add_for(listener, *[("Sigur Rós", "Hoppípolla", now - timedelta(days=day, hours=1), 4.5)
                              for day in range(1, 6)])
    plays_add_for(listener, *[("Panic! At The Disco", "House of Memories", now - timedelta(days=day, hours=3), 3.5)
                              for day in range(1, 4)])
    return listener


@pytest.mark.parametrize("viewport", VIEWPORTS.values(), ids=VIEWPORTS.keys())
def test_asking_which_of_two_artists_i_played_more_and_following_a_name_to_its_page(
        page, sign_in, history, axe, viewport):
    page.set_viewport_size(viewport)
    sign_in(history)
    page.goto("/listening/")

    page.get_by_label("Your question").fill("who did I listen to more, panic at the disco or sigur ros?")
    page.get_by_role("button", name="Ask").click()

    sentence = page.locator(".ask-sentence")
    expect(sentence).to_have_text("You listened to Sigur Rós more than to Panic! At The Disco in all your history: "
                                  "5 plays (22 minutes) against 3 plays (10 minutes).")
    rows = page.locator(".ask-table tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("Sigur Rós")
    assert axe() == []

    sentence.get_by_role("link", name="Panic! At The Disco").click()

    expect(page).to_have_url(re.compile(r"/listening/artists/[0-9a-f-]{36}/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Panic! At The Disco")
