"""From a Spotify export to the dashboard, in a real browser against real daphne, Celery and Redis."""

import pytest
from django.conf import settings
from playwright.sync_api import expect

from listening.models import Genre, PeriodTotalsState
from listening.periods import period_parse
from listening.selectors import top, totals
from listening.services import artist_genres_add
from tests.browser.conftest import serious_violations
from tests.conftest import session_key_for, wait_until
from tests.listening.test_import import AUDIO_2023, VIDEO_2023, spotify_zip

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Every progress push the page receives, kept across page loads (injected like a browser extension,
# so the site's CSP stays on).
RECORD_PROGRESS = """
window.progressSeen = [];
document.addEventListener("rewrapped:import.progress", (event) => window.progressSeen.push(event.detail));
"""


@pytest.fixture
def stack_page(browser, daphne_server, celery_worker):
    """A browser page on the real daphne (pages and sockets), with a real worker behind it."""
    context = browser.new_context(base_url=f"http://{daphne_server}")
    context.set_default_timeout(20_000)
    context.add_init_script(RECORD_PROGRESS)
    yield context.new_page()
    context.close()


def sign_in(page, user):
    page.context.add_cookies([
        {"name": settings.SESSION_COOKIE_NAME, "value": session_key_for(user), "domain": "127.0.0.1", "path": "/"},
    ])


def test_upload_watch_the_import_then_explore_the_dashboard(stack_page, listener, axe_source):
    page = stack_page
    sign_in(page, listener)

    page.goto("/listening/import/")
    page.get_by_label("Your Spotify data export").set_input_files(
        files=[{"name": "my_spotify_data.zip", "mimeType": "application/zip",
                "buffer": spotify_zip(AUDIO_2023, VIDEO_2023)}]
    )
    page.get_by_role("button", name="Import").click()

    job = page.locator("[data-job]").first
    expect(job.locator(".job-status")).to_have_text("Done", timeout=60_000)
    expect(job).to_contain_text("1,484 plays added")
    percents = [seen["percent"] for seen in page.evaluate("window.progressSeen") if seen["percent"] is not None]
    assert percents[-1] == 100
    assert percents == sorted(percents)

    # The worker rebuilds the period totals after the import; then sync tells us these artists' genres.
    wait_until(lambda: PeriodTotalsState.objects.filter(user=listener, built_on__isnull=False).exists(),
               "the period totals")
    leaders = top(user=listener, period=period_parse(user=listener, key="all"), kind="artists", limit=6)
    for index, entry in enumerate(leaders):
        genre, _ = Genre.objects.get_or_create(name=("pop", "electronic", "hip hop")[index % 3])
        artist_genres_add(pairs=[(entry.item.pk, genre.pk)], source="spotify")

    year_2023 = period_parse(user=listener, key="custom", start="2023-01-01", end="2023-12-31")
    page.get_by_role("link", name="Stats").click()
    expect(page.get_by_role("heading", name="Top tracks")).to_be_visible()
    # The export is from 2023: nothing in the last four weeks, so the page opens on the year of its latest play.
    expect(page.get_by_role("heading", level=1)).to_have_text("Your listening · 2023")
    expect(page.locator('[data-total="plays"]')).to_have_text(f"{totals(user=listener, period=year_2023)['plays']:,}")
    page.get_by_role("navigation", name="Period").get_by_role("link", name="All time").click()
    expect(page.locator('[data-total="plays"]')).to_have_text("1,471")
    expect(page.get_by_text("Plus 13 podcast episodes")).to_be_visible()

    expect(page.locator("#clock-chart rect.clock-cell")).to_have_count(7 * 24)
    expect(page.locator("#genre-chart path.genre-layer")).to_have_count(3)
    expect(page.locator(".genre-legend [data-genre]")).to_have_count(3)

    tracks = page.locator('[data-top="tracks"] > li:not(.more-sentinel)')
    expect(tracks).to_have_count(10)
    page.locator('[data-top="tracks"] .more-sentinel').scroll_into_view_if_needed()
    expect(tracks).to_have_count(20)
    expect(tracks.nth(10)).to_have_attribute("value", "11")

    best = top(user=listener, period=year_2023, kind="artists", limit=3)
    page.get_by_label("Your question").fill("top 3 artists in 2023")
    page.get_by_role("button", name="Ask").click()
    answer = page.locator("#ask-answer")
    expect(answer.locator(".ask-sentence")).to_contain_text(best[0].item.name)
    expect(answer.locator("tbody tr")).to_have_count(3)
    expect(answer.locator("tbody tr").nth(2)).to_contain_text(best[2].item.name)
    page.get_by_label("Your question").fill("what is the airspeed of a swallow")
    page.get_by_role("button", name="Ask").click()
    expect(answer).to_contain_text("Sorry, I didn't understand that.")

    page.get_by_role("link", name="rank by minutes instead").click()
    expect(page.get_by_text("Ranked by minutes")).to_be_visible()
    expect(page.locator('[data-total="plays"]')).to_have_text("1,471")

    tracks.first.get_by_role("link").click()
    expect(page.get_by_text("of your tracks")).to_be_visible()
    expect(page.locator("#months-chart rect.month-bar").first).to_be_visible()

    page.goto("/listening/?period=all")
    expect(page.locator("#genre-chart path.genre-layer")).to_have_count(3)
    assert serious_violations(page, axe_source) == []
