"""The finishing touches as a listener sees them, at a desktop's and a phone's width: plays counted in words
("1 play"), a greeting by name, the staff console's own title; Download my data as a ZIP of the plays; a taste made
of the whole history rather than one picked song; streak cards that follow the chosen period (in Auckland, across
a clock change); a profile of dropdowns, canonical time zones and examples; and a genre filter that matches by word."""

import csv
import io
import re
import zipfile
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from listening.models import Track
from listening.periods import user_today
from listening.services import starter_pick_add
from tests.events.factories import EventFactory, listens
from tests.factories import UserFactory, plays_add_for

pytestmark = pytest.mark.browser

AUCKLAND = ZoneInfo("Pacific/Auckland")
VIEWPORTS = {"desktop": {"width": 1366, "height": 768}, "phone": {"width": 390, "height": 844}}


@pytest.fixture(params=VIEWPORTS, ids=list(VIEWPORTS))
def sized(request, page):
    page.set_viewport_size(VIEWPORTS[request.param])
    return page


def card_text(locator) -> str:
    """A card's words as they read on screen: the figure and its noun sit on two lines."""
    return " ".join(locator.inner_text().split())


# --- 1. wording ---------------------------------------------------------------------------------------------------
def test_one_play_is_one_play_and_two_are_two_plays_at_home_and_on_the_dashboard(sized, sign_in, listener):
    page = sized
    yesterday = datetime.now(AUCKLAND) - timedelta(days=1)
    plays_add_for(listener, ("Robyn", "Dancing On My Own", yesterday, 4))
    sign_in(listener)

    page.goto("/")
    glance = page.get_by_role("list", name="Your listening at a glance")
    expect(glance.get_by_role("listitem").first).to_have_text(re.compile(r"^\s*1\s+play\s*$"), use_inner_text=True)
    expect(page.locator(".top-artists li").first).to_contain_text("· 1 play, 4 min")
    page.goto("/listening/")
    assert card_text(page.locator("[data-total=plays]").locator("..")) == "1 play"

    plays_add_for(listener, ("Robyn", "Hang With Me", yesterday + timedelta(minutes=5), 4))
    page.goto("/")
    expect(glance.get_by_role("listitem").first).to_have_text(re.compile(r"^\s*2\s+plays\s*$"), use_inner_text=True)
    expect(page.locator(".top-artists li").first).to_contain_text("· 2 plays, 8 min")
    page.goto("/listening/")
    assert card_text(page.locator("[data-total=plays]").locator("..")) == "2 plays"
    expect(page.locator("main")).not_to_contain_text("1 plays")


def test_home_greets_by_display_name_or_the_emails_first_part_never_the_address(sized, sign_in, listener):
    page = sized
    sign_in(listener)
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hi Lena Listener")

    nameless = UserFactory(email="mara.k@example.com", display_name="")
    page.context.clear_cookies()
    sign_in(nameless)
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hi mara.k")
    expect(page.locator("main")).not_to_contain_text("mara.k@example.com")


def test_the_staff_console_is_titled_as_the_sites_own(sized, sign_in, staff):
    page = sized
    sign_in(staff)

    page.goto("/admin/")

    expect(page).to_have_title(re.compile("Re-Wrapped staff console"))
    expect(page.get_by_role("link", name="Re-Wrapped staff console")).to_be_visible()
    expect(page.locator("body")).not_to_contain_text("Django administration")
    assert "Django" not in page.title()


# --- 2. download my data ------------------------------------------------------------------------------------------
def test_download_my_data_from_the_profile_is_a_zip_with_a_row_per_play_and_a_readme(sized, sign_in, listener):
    page = sized
    start = datetime(2025, 3, 1, 21, 30, tzinfo=AUCKLAND)
    played = [("Robyn", "Dancing On My Own"), ("Mitski", "Nobody"), ("Björk", "Jóga")]
    plays_add_for(listener, *[(artist, track, start + timedelta(hours=n), 4)
                              for n, (artist, track) in enumerate(played)])
    sign_in(listener)
    page.goto("/profile/")

    with page.expect_download() as download_info:
        page.get_by_role("link", name=re.compile("Download my data")).click()
    download = download_info.value

    assert re.fullmatch(r"rewrapped-data-\d{8}\.zip", download.suggested_filename)
    with zipfile.ZipFile(download.path()) as archive:
        assert "README.txt" in archive.namelist()
        assert "listening/plays.csv" in archive.read("README.txt").decode()
        with archive.open("listening/plays.csv") as plays:
            rows = list(csv.DictReader(io.TextIOWrapper(plays, encoding="utf-8", newline="")))
    assert sorted((row["artist"], row["track"]) for row in rows) == sorted(played)


# --- 3. taste -----------------------------------------------------------------------------------------------------
def test_taste_is_the_whole_history_not_one_picked_song(sized, sign_in, listener):
    page = sized
    plays_add_for(UserFactory(), ("Adele", "Hello", datetime.now(AUCKLAND), 5))  # puts the song in the catalog
    starter_pick_add(user=listener, track=Track.objects.get(name="Hello"))
    listens(listener, {"Mitski": 4, "Robyn": 9, "Slayer": 2}, days_ago=2 * 365)  # an export from two years ago
    sign_in(listener)

    page.goto("/listening/taste/")

    taste = page.locator("section", has=page.get_by_role("heading", name="Your taste")).get_by_role("listitem")
    expect(taste).to_have_count(3)
    expect(taste.first).to_contain_text("Robyn")
    expect(taste.first).to_contain_text("60%")  # 9 of 15 plays of three minutes each
    expect(page.locator("main")).not_to_contain_text("100%")
    expect(page.locator("main")).not_to_contain_text("Adele")


# --- 4. streaks ---------------------------------------------------------------------------------------------------
def test_the_streak_cards_follow_the_chosen_period(sized, sign_in, listener):
    page = sized
    listener.time_zone = "Pacific/Auckland"
    listener.save(update_fields=["time_zone"])
    # Ten days in a row two years ago, across Auckland's April change of clocks; three up to a minute ago.
    old_start = date(user_today(listener).year - 2, 3, 30)
    now = datetime.now(AUCKLAND)
    plays_add_for(listener, *[("Robyn", "Konichiwa Bitches", datetime.combine(day, time(12), AUCKLAND), 3)
                              for day in (old_start + timedelta(days=n) for n in range(10))])
    plays_add_for(listener, *[("Robyn", "Dancing On My Own", now - timedelta(days=n, minutes=1), 3) for n in range(3)])
    sign_in(listener)
    page.goto("/listening/")
    longest = page.locator("article", has_text="longest streak")
    expect(page.get_by_role("navigation", name="Period").get_by_role("link", name="4 weeks")).to_have_attribute(
        "aria-current", "page")
    assert card_text(longest).startswith("3 days longest streak")

    page.get_by_role("navigation", name="Period").get_by_role("link", name="All time").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("All time")
    old_end = old_start + timedelta(days=9)
    assert card_text(longest) == (f"10 days longest streak {old_start:%-d %b %Y} – {old_end:%-d %b %Y}")
    expect(page.locator("article", has_text="current streak")).to_have_text(
        re.compile(r"^\s*3\s+days\s+current streak\s*$"), use_inner_text=True)


# --- 5. profile ---------------------------------------------------------------------------------------------------
def test_the_profile_offers_country_names_canonical_time_zones_and_examples(sized, sign_in, listener):
    page = sized
    page.goto("/events/")
    event_countries = page.locator("select[name=country] option").all_text_contents()[1:]
    sign_in(listener)

    page.goto("/profile/")

    country = page.get_by_label("Country")
    assert country.evaluate("element => element.tagName") == "SELECT"
    assert country.locator("option").all_text_contents()[1:] == event_countries
    assert "Germany" in event_countries and "Netherlands" in event_countries
    zones = page.locator("select[name=time_zone] option")
    values = zones.evaluate_all("options => options.map(option => option.value)")
    assert {"UTC", "Europe/Amsterdam", "Asia/Kolkata", "America/New_York"} <= set(values)
    assert not {"US/Eastern", "Asia/Calcutta", "Europe/Kiev", "GMT"} & set(values)
    expect(zones.filter(has_text=re.compile("^America/New York$"))).to_have_count(1)
    for name in ("display_name", "interests", "age", "city"):
        assert page.locator(f"[name={name}]").get_attribute("placeholder"), name


# --- 6. genres ----------------------------------------------------------------------------------------------------
def test_the_genre_filter_finds_indie_pop_and_not_hindie(sized):
    page = sized
    EventFactory(title="Indie pop night", genres=["Indie Pop"])
    EventFactory(title="Hindie evening", genres=["Hindie"])
    page.goto("/events/")

    page.get_by_label("Genre").fill("indie")
    page.get_by_role("button", name="Search", exact=True).click()

    found = page.get_by_role("list", name="Events found")
    expect(found.get_by_role("link", name="Indie pop night")).to_be_visible()
    expect(found.get_by_role("link", name="Hindie evening")).to_have_count(0)
