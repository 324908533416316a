"""A new listener's first steps in a real browser, on a desktop and a phone: the welcome step after sign-up with
the browser's time zone to confirm, Spotify offered only where this site can reach it, and several renamed
export files imported at once, each ending in "See your stats"."""

import re

import pytest
from playwright.sync_api import expect

from accounts.models import User
from listening.models import ImportJob
from tests.browser.conftest import PLAIN_STATIC_STORAGE, serious_violations
from tests.browser.test_accounts import confirm_address
from tests.browser.test_dashboard import sign_in, stack_page  # noqa: F401 (fixture)
from tests.listening.test_import import ENDSONG, VIDEO_2023

pytestmark = pytest.mark.browser

NEW_PASSWORD = "vinyl crackle at midnight"
VIEWPORTS = {"desktop": {"width": 1366, "height": 768}, "phone": {"width": 390, "height": 844}}


@pytest.fixture(params=list(VIEWPORTS))
def viewport(request):
    return VIEWPORTS[request.param]


@pytest.fixture
def open_page(browser, live_server, transactional_db, settings):
    """A page of a browser context at `viewport`, living in `time_zone` (as the machine it runs on would)."""
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {"BACKEND": PLAIN_STATIC_STORAGE}}
    contexts = []

    def open_page(viewport, time_zone="UTC"):
        context = browser.new_context(base_url=live_server.url, viewport=viewport, timezone_id=time_zone)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


def test_a_new_listener_confirms_the_time_zone_their_browser_reports_and_sees_one_next_step(
    open_page, viewport, mailoutbox, axe_source
):
    # Kolkata: far from UTC, and a zone Chromium reports by its old alias, Asia/Calcutta.
    page = open_page(viewport, time_zone="Asia/Kolkata")
    page.goto("/accounts/signup/")
    page.get_by_label("Email:").fill("nina@example.com")
    page.get_by_label("Password:").fill(NEW_PASSWORD)
    page.get_by_label("Password (again):").fill(NEW_PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Sign up").click()
    confirm_address(page, mailoutbox, "nina@example.com")

    expect(page).to_have_url(re.compile(r"/welcome/$"))
    expect(page.get_by_role("heading", name="Welcome to Re-Wrapped")).to_be_visible()
    expect(page.get_by_role("combobox", name="Your time zone")).to_have_value("Asia/Kolkata")
    expect(page.get_by_text("Your browser says Asia/Kolkata: confirm it, or pick another.")).to_be_visible()
    next_step = page.get_by_role("button", name="Import your Spotify data")
    expect(next_step).to_be_visible()
    expect(page.get_by_role("button", name="Connect Spotify")).to_have_count(0)  # not set up here
    assert serious_violations(page, axe_source) == []

    page.get_by_role("button", name="Confirm time zone").click()

    expect(page.get_by_text("Time zone saved: your days and streaks follow Asia/Kolkata.")).to_be_visible()
    assert User.objects.get(email="nina@example.com").time_zone == "Asia/Kolkata"
    next_step.click()
    expect(page.get_by_role("heading", name="Import your Spotify history")).to_be_visible()


def test_a_time_zone_the_listener_chose_is_not_replaced_by_the_browsers(open_page, viewport, listener):
    listener.time_zone = "America/Sao_Paulo"
    listener.save(update_fields=["time_zone"])
    page = open_page(viewport, time_zone="Asia/Tokyo")
    sign_in(page, listener)

    page.goto("/welcome/")

    expect(page.get_by_role("combobox", name="Your time zone")).to_have_value("America/Sao_Paulo")
    expect(page.locator("#time-zone-detected")).to_be_empty()


def test_without_spotify_set_up_the_pages_say_so_once_and_offer_no_dead_button(open_page, viewport, listener,
                                                                               axe_source):
    page = open_page(viewport)
    page.goto("/accounts/login/")
    expect(page.locator("#spotify-not-configured")).to_have_count(1)
    expect(page.locator("#spotify-not-configured")).to_be_visible()
    expect(page.get_by_role("button", name="Continue with Spotify")).to_have_count(0)

    sign_in(page, listener)
    page.goto("/accounts/3rdparty/")
    notice = page.locator("#spotify-not-configured")
    expect(notice).to_be_visible()
    expect(page.get_by_role("button", name="Connect Spotify")).to_have_count(0)
    assert serious_violations(page, axe_source) == []
    notice.get_by_role("link", name="Import your Spotify data export").click()
    expect(page.get_by_role("heading", name="Import your Spotify history")).to_be_visible()


def test_with_spotify_set_up_connect_spotify_is_a_real_button_that_goes_to_spotify(open_page, viewport, listener,
                                                                                   spotify, axe_source):
    page = open_page(viewport)
    page.goto("/accounts/login/")
    expect(page.get_by_role("button", name="Continue with Spotify")).to_be_visible()
    expect(page.locator("#spotify-not-configured")).to_have_count(0)

    sign_in(page, listener)
    page.goto("/accounts/3rdparty/")
    button = page.get_by_role("button", name="Connect Spotify")
    expect(button).to_be_visible()
    assert serious_violations(page, axe_source) == []

    with page.expect_request(re.compile(re.escape(spotify.url) + r"/authorize\?")) as asked:
        button.click()
    assert "client_id=" in asked.value.url


@pytest.mark.django_db(transaction=True)
def test_several_renamed_files_import_at_once_and_see_your_stats_opens_their_days(stack_page, viewport, listener):
    page = stack_page
    page.set_viewport_size(viewport)
    sign_in(page, listener)
    page.goto("/listening/import/")
    page.get_by_label("Your Spotify data export").set_input_files(files=[
        {"name": "videos.json", "mimeType": "application/json", "buffer": VIDEO_2023.read_bytes()},
        {"name": "old history (copy)", "mimeType": "application/octet-stream", "buffer": ENDSONG.read_bytes()},
    ])
    page.get_by_role("button", name="Import").click()

    expect(page.get_by_text("2 files received, one import each")).to_be_visible()
    jobs = page.locator("[data-job]")
    expect(jobs).to_have_count(2)
    for n in range(2):
        expect(jobs.nth(n).locator(".job-status")).to_have_text("Done", timeout=60_000)
    videos = page.locator("[data-job]", has_text="videos.json")
    expect(videos).to_contain_text("16 plays added")
    job = ImportJob.objects.get(user=listener, filename="videos.json")

    videos.get_by_role("button", name="See your stats").click()

    expect(page).to_have_url(re.compile(
        rf"/listening/\?period=custom&start={job.summary['first_day']}&end={job.summary['last_day']}$"
    ))
    expect(page.locator('[data-total="plays"]')).not_to_have_text("0")
