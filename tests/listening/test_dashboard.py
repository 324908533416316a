"""The stats pages and their JSON API (listening/views/dashboard.py, listening/api/stats.py)."""

import re
from datetime import datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from listening.models import Track
from listening.periods import user_today
from tests.conftest import client_for
from tests.factories import plays_add_for
from tests.listening.test_import import AUDIO_2023, VIDEO_2023, spotify_zip
from tests.listening.test_import_undo import undo
from tests.listening.test_stats import local


@pytest.fixture
def history(listener):
    """31 tracks by one artist over the last two weeks, track N played N times, plus one podcast."""
    listener.time_zone = "Europe/Amsterdam"
    listener.save(update_fields=["time_zone"])
    today = user_today(listener)
    plays = [
        ("Caribou", f"Track {n:02d}", local(today - timedelta(days=n % 14), 9, 0) + timedelta(minutes=4 * i), 3,
         {"album": "Suddenly"})
        for n in range(1, 32) for i in range(n)
    ]
    plays_add_for(listener, *plays, ("Song Exploder", "Episode 1", local(today, 7), 30, {"kind": "podcast"}))
    return listener


def test_the_dashboard_shows_totals_tops_and_recent_plays(client, history, django_assert_max_num_queries):
    client = client_for(client, history)

    with django_assert_max_num_queries(20):
        page = client.get("/listening/?period=4w").content.decode()

    assert 'data-total="plays">496<' in page  # 1 + 2 + … + 31
    assert 'data-total="artists">1<' in page
    assert "Plus 1 podcast episode (30 min)" in page
    top_tracks = re.search(r'data-top="tracks">(.*?)</ol>', page, re.S).group(1)
    assert re.findall(r">(Track \d\d)</a>", top_tracks)[:3] == ["Track 31", "Track 30", "Track 29"]
    assert 'id="clock-data"' in page


def test_top_lists_scroll_for_more_until_the_end(client, history):
    client = client_for(client, history)
    page = client.get("/listening/?period=4w").content.decode()
    names = re.findall(r">(Track \d\d)</a>", re.search(r'data-top="tracks">(.*?)</ol>', page, re.S).group(1))
    more = re.search(r'hx-get="(/listening/top/tracks/[^"]+)"', page).group(1).replace("&amp;", "&")

    while more:
        chunk = client.get(more).content.decode()
        names += re.findall(r">(Track \d\d)</a>", chunk)
        found = re.search(r'hx-get="([^"]+)"', chunk)
        more = found.group(1).replace("&amp;", "&") if found else None

    assert names == [f"Track {n:02d}" for n in range(31, 0, -1)]


def test_recently_played_scrolls_back_through_every_play(client, history):
    client = client_for(client, history)
    page = client.get("/listening/").content.decode()
    recent = re.search(r'class="scroll-list recent-list">(.*?)</ol>', page, re.S).group(1)
    seen = len(re.findall(r"<time ", recent))
    more = re.search(r'hx-get="(/listening/recent/[^"]+)"', recent).group(1).replace("&amp;", "&")

    while more:
        chunk = client.get(more).content.decode()
        seen += len(re.findall(r"<time ", chunk))
        found = re.search(r'hx-get="([^"]+)"', chunk)
        more = found.group(1).replace("&amp;", "&") if found else None

    assert seen == 497


def test_ranking_by_minutes_and_custom_dates_change_what_is_shown(client, history):
    client = client_for(client, history)
    today = user_today(history)

    page = client.get(f"/listening/?period=custom&start={today}&end={today}&by=minutes").content.decode()

    # Only today's plays: tracks 14 and 28 (n % 14 == 0), ranked by minutes.
    assert re.findall(r">(Track \d\d)</a>", re.search(r'data-top="tracks">(.*?)</ol>', page, re.S).group(1)) == [
        "Track 28", "Track 14",
    ]
    assert 'data-total="plays">42<' in page


def test_a_backwards_custom_range_shows_a_form_error_and_the_default_period(client, history):
    response = client_for(client, history).get("/listening/?period=custom&start=2026-03-01&end=2026-01-01")

    page = response.content.decode()
    assert "The start date is after the end date." in page
    assert "Last 4 weeks" in page


def test_someone_elses_history_never_shows(client, history, other_listener):
    page = client_for(client, other_listener).get("/listening/?period=all").content.decode()

    assert "Track 31" not in page
    assert 'data-total="plays">0<' in page


def test_an_item_page_shows_the_listeners_own_numbers(client, history, other_listener):
    track = Track.objects.get(name="Track 31")

    mine = client_for(client, history).get(f"/listening/tracks/{track.public_id}/").content.decode()
    theirs = client_for(client, other_listener).get(f"/listening/tracks/{track.public_id}/").content.decode()

    assert "<strong>#1</strong>" in mine and "<strong>31</strong><br>plays" in mine
    assert "You haven't played this yet." in theirs


def test_unknown_items_and_bad_cursors_are_refused(client, history):
    client = client_for(client, history)

    assert client.get("/listening/tracks/00000000-0000-0000-0000-000000000000/").status_code == 404
    assert client.get("/listening/recent/?before=yesterday").status_code == 400


# The JSON API


def test_api_top_pages_with_next_links(client, history, django_assert_max_num_queries):
    client = client_for(client, history)

    with django_assert_max_num_queries(8):
        first = client.get("/api/v1/listening/top/tracks/?period=4w&limit=20").json()
    second = client.get(first["next"]).json()

    assert [entry["name"] for entry in first["results"]][:2] == ["Track 31", "Track 30"]
    assert first["results"][0] == {
        "rank": 1, "id": str(Track.objects.get(name="Track 31").public_id), "name": "Track 31",
        "artist": {"id": str(Track.objects.get(name="Track 31").artist.public_id), "name": "Caribou"},
        "plays": 31, "minutes": 93,
    }
    assert [entry["rank"] for entry in second["results"]] == list(range(21, 32))
    assert second["next"] is None


def listening_queries(captured) -> list[str]:
    return [query["sql"] for query in captured.captured_queries if "listening_" in query["sql"]]


def test_api_top_lists_are_served_again_from_the_cache_until_new_plays_arrive(
    client, history, django_capture_on_commit_callbacks
):
    client = client_for(client, history)
    url = "/api/v1/listening/top/tracks/?period=4w&limit=3"
    first = client.get(url).json()

    with CaptureQueriesContext(connection) as again:
        assert client.get(url).json() == first
    assert listening_queries(again) == []  # the stats were not read again

    yesterday = user_today(history) - timedelta(days=1)
    with django_capture_on_commit_callbacks(execute=True):  # the sync's transaction commits
        plays_add_for(history, *[("Caribou", "Sun", local(yesterday, 20) + timedelta(minutes=4 * n), 3)
                                 for n in range(40)], source="sync")

    assert [entry["name"] for entry in client.get(url).json()["results"]] == ["Sun", "Track 31", "Track 30"]
    assert [entry["name"] for entry in first["results"]] == ["Track 31", "Track 30", "Track 29"]


def test_api_top_lists_follow_an_undone_import_at_once(client, listener, run_import, django_capture_on_commit_callbacks):
    job = run_import(listener, spotify_zip(AUDIO_2023, VIDEO_2023))
    client = client_for(client, listener)
    url = "/api/v1/listening/top/artists/?period=all"
    assert client.get(url).json()["results"]

    with django_capture_on_commit_callbacks(execute=True):
        undo(job)

    assert client.get(url).json()["results"] == []


def test_api_history_follows_cursors_to_the_first_play(client, history):
    client = client_for(client, history)
    url, seen = "/api/v1/listening/history/?limit=200", []

    while url:
        page = client.get(url).json()
        seen += page["results"]
        url = page["next"]

    assert len(seen) == 497
    assert [play["show"] for play in seen if play["kind"] == "podcast"] == ["Song Exploder"]
    moments = [datetime.fromisoformat(play["ended_at"]) for play in seen]
    assert moments == sorted(moments, reverse=True)


@pytest.mark.parametrize(
    "path",
    ["totals/?period=1y", "clock/?period=all", "streaks/", "sessions/?period=6m", "genres/?period=all"],
)
def test_api_stats_answer_with_a_small_query_budget(client, history, path, django_assert_max_num_queries):
    client = client_for(client, history)

    with django_assert_max_num_queries(6):
        response = client.get(f"/api/v1/listening/{path}")

    assert response.status_code == 200


def test_api_totals_and_streaks_carry_the_numbers(client, history):
    client = client_for(client, history)

    totals = client.get("/api/v1/listening/totals/?period=4w").json()
    streaks = client.get("/api/v1/listening/streaks/").json()

    assert (totals["plays"], totals["podcast_plays"], totals["tracks"]) == (496, 1, 31)
    assert streaks["current"]["days"] == 14 and streaks["current"]["end"] == str(user_today(history))


def test_api_item_stats(client, history):
    track = Track.objects.get(name="Track 02")

    stats = client_for(client, history).get(f"/api/v1/listening/tracks/{track.public_id}/").json()

    assert (stats["rank"], stats["plays"], stats["minutes"]) == (30, 2, 6)


@pytest.mark.parametrize(
    ("query", "field"),
    [("period=fortnight", "period"), ("period=custom&start=2026-02-30&end=2026-03-01", "start"),
     ("limit=0", "limit"), ("offset=-1", "offset")],
)
def test_api_refuses_bad_parameters_with_the_field_named(client, history, query, field):
    response = client_for(client, history).get(f"/api/v1/listening/top/artists/?{query}")

    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]


def test_api_refuses_a_backwards_custom_range(client, history):
    response = client_for(client, history).get("/api/v1/listening/totals/?period=custom&start=2026-03-01&end=2026-01-01")

    assert response.status_code == 400
    assert response.json()["error"]["message"] == "The start date is after the end date."


def test_api_history_refuses_a_made_up_cursor(client, history):
    response = client_for(client, history).get("/api/v1/listening/history/?before=last-week")

    assert response.status_code == 400
    assert "before" in response.json()["error"]["fields"]
