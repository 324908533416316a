"""The mood page and the mood history in a real browser. The mood page runs against a real daphne (the page and
its mood socket), in a Chromium whose camera is a fake device playing a video made from a face photo."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from emotions.moods import mood_picked
from emotions.services import mood_record, recommended_play_record
from listening.models import Track
from tests.factories import plays_add_for

pytestmark = pytest.mark.browser

VIEWPORTS = {"desktop": {"width": 1366, "height": 768}, "phone": {"width": 390, "height": 844}}


def fits_the_width(page) -> bool:
    return page.evaluate("document.scrollingElement.scrollWidth <= window.innerWidth")


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

    expect(page.get_by_role("img", name="Share of time in each mood per week").locator("circle.valence-dot")).not_to_have_count(0)
