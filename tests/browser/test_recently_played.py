"""Recently played on the dashboard: its list loads page after page as the listener scrolls it, to the very end."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from listening.views.dashboard import RECENT_PAGE
from tests.factories import plays_add_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VIEWPORTS = {"desktop": {"width": 1366, "height": 768}, "phone": {"width": 390, "height": 844}}
PLAYS = 4 * RECENT_PAGE + 7


@pytest.fixture
def long_history(listener):
    """PLAYS plays, one a minute back from now: "Song 0" is the newest, the last one the oldest."""
    now = timezone.now()
    plays_add_for(listener, *[("The Scrollers", f"Song {n}", now - timedelta(minutes=n), 3) for n in range(PLAYS)])
    return listener


def scroll_to_the_end_of(page, listing) -> None:
    """Scroll inside the list, as a wheel or a finger does, until it loads no more."""
    rows = listing.locator("li:not(.more-sentinel)")
    while (shown := rows.count()) < PLAYS:
        listing.hover()
        page.mouse.wheel(0, 10_000)
        expect(rows).to_have_count(min(shown + RECENT_PAGE, PLAYS))


@pytest.mark.parametrize("viewport", VIEWPORTS.values(), ids=VIEWPORTS.keys())
def test_scrolling_recently_played_loads_every_play_down_to_the_oldest(page, sign_in, long_history, viewport):
    page.set_viewport_size(viewport)
    sign_in(long_history)
    page.goto("/listening/?period=all")
    listing = page.locator(".recent-list")
    listing.scroll_into_view_if_needed()
    expect(listing.locator("li:not(.more-sentinel)")).to_have_count(RECENT_PAGE)

    scroll_to_the_end_of(page, listing)

    expect(listing.locator("li").last).to_contain_text(f"Song {PLAYS - 1}")
    expect(listing).not_to_contain_text("Loading more")
    expect(listing.locator(".more-sentinel")).to_have_count(0)


@pytest.mark.parametrize("viewport", VIEWPORTS.values(), ids=VIEWPORTS.keys())
def test_a_page_that_fails_to_load_says_so_and_loads_when_asked_again(page, sign_in, long_history, viewport):
    page.set_viewport_size(viewport)
    sign_in(long_history)
    page.goto("/listening/?period=all")
    listing = page.locator(".recent-list")
    listing.scroll_into_view_if_needed()
    rows = listing.locator("li:not(.more-sentinel)")
    expect(rows).to_have_count(RECENT_PAGE)

    page.context.set_offline(True)
    listing.hover()
    page.mouse.wheel(0, 10_000)
    retry = listing.get_by_role("button", name="Try again")
    expect(listing).to_contain_text("Could not load more.")
    expect(listing).not_to_contain_text("Loading more")

    page.context.set_offline(False)
    retry.click()

    expect(rows).to_have_count(2 * RECENT_PAGE)
    expect(retry).to_have_count(0)
    scroll_to_the_end_of(page, listing)
    expect(listing.locator("li").last).to_contain_text(f"Song {PLAYS - 1}")
