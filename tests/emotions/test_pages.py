"""The mood page and the mood history page (emotions/views.py, emotions/selectors.py): what a listener sees of
their own moods, what they played in each, and the recommended songs they played."""

import json
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from emotions.models import MoodReading, RecommendedPlay
from listening.models import Track
from tests.conftest import client_for
from tests.emotions.test_api import read
from tests.factories import plays_add_for


def test_the_mood_page_offers_the_camera_words_every_mood_and_both_strategies(client, listener,
                                                                                django_assert_max_num_queries):
    client_for(client, listener)

    with django_assert_max_num_queries(6):
        response = client.get("/mood/")

    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-mood-socket="/ws/mood/"' in page
    assert 'data-plays-url="/api/v1/emotions/plays/"' in page
    assert "How are you feeling?" in page and 'maxlength="1000"' in page
    for label in ("Happy", "Calm", "Neutral", "Surprised", "Sad", "Afraid", "Angry", "Disgusted"):
        assert f">{label}</button>" in page
    assert "Match my mood" in page and "Lift my mood" in page
    assert 'aria-current="page">Mood</a>' in page


def test_the_mood_pages_are_for_signed_in_listeners(client):
    assert client.get("/mood/")["Location"].startswith("/accounts/login/")
    assert client.get("/mood/history/")["Location"].startswith("/accounts/login/")


def chart_of(response) -> dict:
    page = response.content.decode()
    start = page.index('<script id="mood-history-data" type="application/json">') + len(
        '<script id="mood-history-data" type="application/json">')
    return json.loads(page[start:page.index("</script>", start)])


def test_the_history_charts_moods_by_the_listeners_own_days_and_weeks(client, listener):
    listener.time_zone = "Pacific/Auckland"
    listener.save(update_fields=["time_zone"])
    zone = ZoneInfo("Pacific/Auckland")
    today = timezone.now().astimezone(zone).date()
    yesterday = today - timedelta(days=1)
    # Either side of midnight in Auckland: the same UTC day (midnight there is 11:00 or 12:00 UTC).
    read(listener, "sad", datetime.combine(yesterday, time(23, 40), zone))
    read(listener, "calm", datetime.combine(yesterday, time(23, 45), zone))
    read(listener, "happy", datetime.combine(today, time(0, 5), zone))
    client_for(client, listener)

    page = client.get("/mood/history/")
    by_week = chart_of(client.get("/mood/history/?by=week"))

    days = {p["start"]: p for p in chart_of(page)["periods"]}
    assert len(days) == 30 and max(days) == today.isoformat()
    assert days[yesterday.isoformat()]["shares"] == {"calm": pytest.approx(2 / 3, abs=1e-4),
                                                     "sad": pytest.approx(1 / 3, abs=1e-4)}
    assert days[today.isoformat()]["shares"] == {"happy": 1.0}
    assert days[(today - timedelta(days=2)).isoformat()] == {
        "start": (today - timedelta(days=2)).isoformat(), "end": (today - timedelta(days=2)).isoformat(),
        "shares": {}, "valence": None}
    assert "67% calm, 33% sad" in page.content.decode()  # the chart as a table
    weeks = {p["start"]: p for p in by_week["periods"]}
    assert len(weeks) == 12 and max(weeks) == (today - timedelta(days=today.weekday())).isoformat()
    assert sum(weeks.get((day - timedelta(days=day.weekday())).isoformat(), {}).get("shares", {}) != {}
               for day in (yesterday, today)) == 2


def test_the_history_says_what_to_do_when_there_is_nothing_yet(client, listener):
    client_for(client, listener)

    page = client.get("/mood/history/").content.decode()

    assert "No moods read in the last 30 days." in page
    assert "No plays matched to a mood yet." in page
    assert "Press Play on a song on" in page
    assert "mood-history-data" not in page


def test_plays_count_for_the_mood_in_effect_when_they_ended(client, listener, other_listener):
    now = timezone.now()
    read(listener, "calm", now - timedelta(minutes=30))
    for n in range(1, 30):  # every 10 s while the mood holds, as the mood socket stores it
        read(listener, "calm", now - timedelta(minutes=30) + timedelta(seconds=10 * n))
    read(listener, "sad", now - timedelta(minutes=25))  # and then for five minutes, the last reading
    plays_add_for(listener,
                  ("Nils Frahm", "Says", now - timedelta(minutes=29), 3),
                  ("Nils Frahm", "Says", now - timedelta(minutes=26), 3),
                  ("Ólafur Arnalds", "Near Light", now - timedelta(minutes=27), 3),
                  ("Adele", "Someone Like You", now - timedelta(minutes=24), 3),
                  # Ended after the last reading's ten minutes: no mood was known.
                  ("Daft Punk", "One More Time", now - timedelta(minutes=14), 3),
                  # Before any reading.
                  ("Daft Punk", "Digital Love", now - timedelta(minutes=31), 3))
    read(other_listener, "angry", now - timedelta(minutes=30))
    plays_add_for(other_listener, ("Slayer", "Angel of Death", now - timedelta(minutes=29), 3))
    client_for(client, listener)

    page = client.get("/mood/history/").content.decode()

    calm = page[page.index('id="played-calm"'):page.index('id="played-sad"')]
    assert "3 plays" in calm and "Says" in calm and "2 plays" in calm and "Near Light" in calm
    assert calm.index("Says") < calm.index("Near Light")
    sad = page[page.index('id="played-sad"'):page.index('id="recommended-title"')]
    assert "Someone Like You" in sad and "1 play<" in sad
    for elsewhere in ("One More Time", "Digital Love", "Angel of Death", 'id="played-angry"'):
        assert elsewhere not in page


def test_the_history_lists_the_recommended_songs_played_and_keeps_to_its_query_budget(
        client, listener, django_assert_max_num_queries):
    now = timezone.now()
    plays_add_for(listener, *[(f"Artist {n}", f"Song {n}", now - timedelta(days=2, minutes=n), 3) for n in range(40)])
    songs = list(Track.objects.all())
    MoodReading.objects.bulk_create(
        MoodReading(user=listener, at=now - timedelta(days=1, seconds=10 * n), source="face",
                    mood=("happy", "calm")[n // 100 % 2], confidence=0.7, valence=0.5, arousal=0.1)
        for n in range(1000))
    plays_add_for(listener, *[(f"Artist {n}", f"Song {n}", now - timedelta(days=1, minutes=n), 3) for n in range(40)])
    # More than a free listener may play now: written as the plays recorded before the free tier.
    RecommendedPlay.objects.bulk_create(
        RecommendedPlay(user=listener, track=song, played_at=now - timedelta(minutes=n), mood="calm",
                        strategy="lift", reason="You played this a lot when calm")
        for n, song in enumerate(songs[:25]))
    client_for(client, listener)

    with django_assert_max_num_queries(8):
        page = client.get("/mood/history/").content.decode()

    played = page[page.index('id="recommended-title"'):]
    assert played.count("<li>") == 20
    assert "Song 0" in played and "You played this a lot when calm" in played
