"""Charts in a real browser, at a desktop's and a phone's width, in a zone far west of UTC (Los Angeles), for a
listener in one far east of it (Auckland): every month from an item's first play to its last has its bar, an empty
month an empty one; axes say "Feb 2025" and "30 Nov", never ISO dates or the day before; the dashboard opens on the
period that holds the listening; and no rotated label of a promoter's chart is cut off."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from playwright.sync_api import expect

from events.metrics import event_metrics_aggregate
from events.models import Event, EventInteraction
from listening.models import Artist, ArtistGenre, Genre, Track
from listening.periods import user_today
from tests.browser.conftest import PLAIN_STATIC_STORAGE
from tests.conftest import session_key_for
from tests.factories import plays_add_for
from tests.promoters.conftest import event_for

pytestmark = pytest.mark.browser

AUCKLAND = ZoneInfo("Pacific/Auckland")
VIEWPORTS = {"desktop": {"width": 1366, "height": 768}, "phone": {"width": 390, "height": 844}}


@pytest.fixture(params=list(VIEWPORTS))
def chart_page(request, browser, live_server, transactional_db, settings):
    """A page at the viewport's size whose clock is in Los Angeles (see the page fixture for the storage)."""
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {"BACKEND": PLAIN_STATIC_STORAGE}}
    context = browser.new_context(
        base_url=live_server.url, viewport=VIEWPORTS[request.param], timezone_id="America/Los_Angeles"
    )
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def sign_in(page, user):
    page.context.add_cookies([
        {"name": settings.SESSION_COOKIE_NAME, "value": session_key_for(user), "domain": "127.0.0.1", "path": "/"},
    ])


def tick_labels(page, selector: str, axis: str = "x") -> list[str]:
    return page.locator(f"{selector} .{axis}-axis .tick text").all_text_contents()


@pytest.fixture
def auckland_listener(listener):
    listener.time_zone = "Pacific/Auckland"
    listener.save(update_fields=["time_zone"])
    return listener


def test_an_items_chart_has_a_bar_for_every_month_labelled_by_month_and_year(chart_page, auckland_listener):
    page = chart_page
    plays_add_for(
        auckland_listener,
        ("Björk", "Joga", datetime(2025, 2, 14, 20, 0, tzinfo=AUCKLAND), 4),
        # 00:30 on 1 April in Auckland is 31 March in UTC, and the afternoon before in Los Angeles.
        ("Björk", "Joga", datetime(2025, 4, 1, 0, 30, tzinfo=AUCKLAND), 4),
    )
    sign_in(page, auckland_listener)

    page.goto(f"/listening/tracks/{Track.objects.get(name='Joga').public_id}/")

    bars = page.locator("#months-chart rect.month-bar")
    expect(bars).to_have_count(3)
    assert [float(bars.nth(n).get_attribute("height")) > 0 for n in range(3)] == [True, False, True]
    assert tick_labels(page, "#months-chart") == ["Feb 2025", "Mar 2025", "Apr 2025"]
    assert tick_labels(page, "#months-chart", "y") == ["0", "1"]  # whole plays
    assert bars.nth(1).locator("title").text_content() == "Mar 2025 · 0 plays"
    assert bars.nth(2).locator("title").text_content() == "Apr 2025 · 1 play"


def test_an_old_export_opens_on_its_last_year_with_its_genres_by_month(chart_page, auckland_listener):
    page = chart_page
    year = user_today(auckland_listener).year - 3
    plays_add_for(
        auckland_listener,
        ("Björk", "Joga", datetime(year, 2, 1, 0, 30, tzinfo=AUCKLAND), 30),
        ("Björk", "Hyperballad", datetime(year, 4, 1, 0, 30, tzinfo=AUCKLAND), 30),
    )
    ArtistGenre.objects.create(
        artist=Artist.objects.get(name="Björk"), genre=Genre.objects.create(name="art pop"), source="spotify"
    )
    sign_in(page, auckland_listener)

    page.goto("/listening/")

    expect(page.get_by_role("heading", level=1)).to_have_text(f"Your listening · {year}")
    expect(page.locator('[data-total="plays"]')).to_have_text("2")
    expect(page.locator("#genre-chart path.genre-layer")).to_have_count(1)
    assert tick_labels(page, "#genre-chart") == [f"Feb {year}", f"Mar {year}", f"Apr {year}"]


def test_a_promoters_charts_label_days_plainly_and_cut_no_label_off(chart_page, promoter, listener):
    page = chart_page
    first_day = datetime(2026, 11, 30, 20, 0, tzinfo=UTC)
    events = [
        event_for(promoter, title=title, moderation=Event.Moderation.APPROVED, starts_at=first_day + timedelta(days=n))
        for n, title in enumerate(["An Evening With The Extraordinarily Long-Named Chamber Orchestra", "Late Set"])
    ]
    EventInteraction.objects.bulk_create([
        EventInteraction(event=events[0], user=listener, kind="impression", targeted=None, at=first_day),
        EventInteraction(event=events[0], user=listener, kind="view", targeted=None, at=first_day + timedelta(days=2)),
        EventInteraction(event=events[1], user=listener, kind="impression", targeted=None, at=first_day),
    ])
    event_metrics_aggregate()
    sign_in(page, promoter)

    page.goto(f"/promoter/events/event/{events[0].pk}/analytics/")
    expect(page.locator("#daily-chart svg")).to_be_visible()
    assert tick_labels(page, "#daily-chart") == ["30 Nov", "1 Dec", "2 Dec"]
    assert tick_labels(page, "#daily-chart", "y") == ["0", "1"]  # whole interactions
    assert labels_cut_off(page, "#daily-chart") == []
    summary = ("Interactions per day. 30 Nov: 1 impression, 0 detail views, 0 saves, 0 ticket clicks; "
               "1 Dec: 0 impressions, 0 detail views, 0 saves, 0 ticket clicks; "
               "2 Dec: 0 impressions, 1 detail view, 0 saves, 0 ticket clicks")
    expect(page.locator("#daily-chart svg")).to_have_attribute("aria-label", summary)

    page.goto("/promoter/events/event/analytics/")
    expect(page.locator("#comparison-chart svg")).to_be_visible()
    assert labels_cut_off(page, "#comparison-chart") == []


def labels_cut_off(page, selector: str) -> list[str]:
    """The axis labels that reach outside their chart's drawing, where an SVG cuts them off."""
    return page.evaluate(
        """(selector) => {
            const svg = document.querySelector(`${selector} svg`).getBoundingClientRect();
            return [...document.querySelectorAll(`${selector} .x-axis .tick text`)].filter((text) => {
                const box = text.getBoundingClientRect();
                return box.left < svg.left - 0.5 || box.right > svg.right + 0.5 || box.bottom > svg.bottom + 0.5;
            }).map((text) => text.textContent);
        }""",
        selector,
    )
