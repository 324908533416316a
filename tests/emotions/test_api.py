"""The mood API (emotions/api.py): songs for a mood, telling a mood, the mood history and its summary by day and
week in the listener's time zone, and the recommended songs a listener played."""

import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from emotions.models import MoodReading, RecommendedPlay
from emotions.moods import MoodEstimate, mood_picked
from emotions.services import mood_record
from listening.models import Track
from tests.factories import plays_add_for

AUCKLAND = ZoneInfo("Pacific/Auckland")  # UTC+13 in summer, +12 from 03:00 on 6 April 2025 (clocks go back)


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def history(user, songs=("Slow Song", "Quiet Song", "Loud Song"), days_ago=2):
    """Songs the listener played a while ago, most played first, each with a Spotify id."""
    start = timezone.now() - timedelta(days=days_ago)
    plays = []
    for rank, name in enumerate(songs):
        plays += [("Nils Frahm", name, start - timedelta(minutes=10 * (rank * 10 + n)), 3,
                   {"uri": f"spotify:track:{rank:022d}"}) for n in range(len(songs) - rank)]
    plays_add_for(user, *plays)
    return [Track.objects.get(name=name) for name in songs]


def read(user, mood, at, source="face"):
    estimate = mood_picked(mood)
    return mood_record(user=user, estimate=MoodEstimate(label=mood, valence=estimate.valence,
                                                        arousal=estimate.arousal, confidence=0.8),
                       source=source, at=at)


# --- recommendations -------------------------------------------------------------------------------------
def test_songs_come_for_the_asked_mood_else_the_latest_recent_one_else_none(listener):
    history(listener)

    neutral = api(listener).get("/api/v1/emotions/recommendations/")

    assert neutral.status_code == 200
    assert neutral.json()["mood"] is None
    assert neutral.json()["strategy"] == "match"
    assert [item["name"] for item in neutral.json()["items"]] == ["Slow Song", "Quiet Song", "Loud Song"]
    first = neutral.json()["items"][0]
    assert first["artist"] == "Nils Frahm" and first["reason"] and first["spotify_id"] == f"{0:022d}"

    read(listener, "sad", timezone.now() - timedelta(hours=3))
    assert api(listener).get("/api/v1/emotions/recommendations/").json()["mood"] is None  # too long ago
    read(listener, "calm", timezone.now() - timedelta(minutes=20))
    assert api(listener).get("/api/v1/emotions/recommendations/").json()["mood"] == "calm"

    asked = api(listener).get("/api/v1/emotions/recommendations/?mood=angry&strategy=lift&limit=2")

    assert (asked.json()["mood"], asked.json()["strategy"], len(asked.json()["items"])) == ("angry", "lift", 2)


@pytest.mark.parametrize(("query", "field"), [
    ("mood=ecstatic", "mood"), ("strategy=up", "strategy"), ("limit=0", "limit"), ("limit=51", "limit"),
])
def test_a_bad_recommendations_question_is_told_which_field_is_wrong(listener, query, field):
    response = api(listener).get(f"/api/v1/emotions/recommendations/?{query}")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"
    assert list(response.json()["error"]["fields"]) == [field]


def test_recommendations_take_a_bounded_number_of_queries(listener, django_assert_max_num_queries):
    history(listener, songs=[f"Song {n}" for n in range(30)])
    read(listener, "happy", timezone.now() - timedelta(minutes=1))
    api(listener).get("/api/v1/emotions/recommendations/")  # the listener's model, learned once and kept

    with django_assert_max_num_queries(6):
        response = api(listener).get("/api/v1/emotions/recommendations/?mood=sad")

    assert len(response.json()["items"]) == 20


# --- telling a mood ----------------------------------------------------------------------------------------
def test_a_picked_mood_is_kept_and_answered_with_songs_for_it(listener):
    history(listener)

    response = api(listener).post("/api/v1/emotions/moods/", {"mood": "calm", "strategy": "lift"}, format="json")

    assert response.status_code == 201
    body = response.json()
    assert body["mood"]["mood"] == "calm" and body["mood"]["confidence"] == 1.0
    assert (body["mood"]["valence"], body["mood"]["arousal"]) == (0.5, -0.5)
    assert (body["recommendations"]["mood"], body["recommendations"]["strategy"]) == ("calm", "lift")
    assert body["recommendations"]["items"]
    reading = MoodReading.objects.get(user=listener)
    assert (reading.mood, reading.source, reading.confidence) == ("calm", "manual", 1.0)
    assert timezone.now() - reading.at < timedelta(minutes=1)
    assert api(listener).get("/api/v1/emotions/recommendations/").json()["mood"] == "calm"


def test_words_are_read_kept_and_answered_with_songs_for_their_mood(listener):
    history(listener)

    response = api(listener).post("/api/v1/emotions/moods/", {"text": "I'm not happy at all, I feel so lonely"},
                                  format="json")

    assert response.status_code == 201
    assert response.json()["mood"]["mood"] == "sad" and response.json()["message"] is None
    assert response.json()["recommendations"]["mood"] == "sad"
    assert list(MoodReading.objects.values_list("source", "mood")) == [("text", "sad")]


def test_words_with_no_clear_mood_are_told_so_and_nothing_is_kept(listener):
    history(listener)
    read(listener, "calm", timezone.now() - timedelta(minutes=5))

    response = api(listener).post("/api/v1/emotions/moods/", {"text": "I went to the shop and bought some bread"},
                                  format="json")

    assert response.status_code == 200
    assert response.json()["mood"] is None
    assert response.json()["message"] == "I can't tell how you feel from that. Say a little more, or pick a mood."
    assert response.json()["recommendations"]["mood"] == "calm"  # the latest mood's songs, as before
    assert MoodReading.objects.count() == 1


@pytest.mark.parametrize(("body", "field"), [
    ({}, "mood"), ({}, "text"), ({"mood": "ecstatic"}, "mood"), ({"mood": "calm", "strategy": "sideways"}, "strategy"),
    ({"text": ""}, "text"), ({"text": "   "}, "text"), ({"text": "sad " * 251}, "text"),
    ({"text": "sad", "mood": "sad"}, "mood"),
])
def test_a_bad_mood_is_refused_and_nothing_is_kept(listener, body, field):
    response = api(listener).post("/api/v1/emotions/moods/", body, format="json")

    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
    assert not MoodReading.objects.exists()


# --- the history -------------------------------------------------------------------------------------------
def test_the_history_lists_only_the_callers_readings_newest_first_a_page_at_a_time(listener, other_listener):
    now = timezone.now()
    for minutes, mood in enumerate(["happy", "calm", "sad"]):
        read(listener, mood, now - timedelta(minutes=minutes))
    read(other_listener, "angry", now)

    first = api(listener).get("/api/v1/emotions/moods/?page_size=2")

    assert first.status_code == 200
    assert first.json()["count"] == 3
    assert [r["mood"] for r in first.json()["results"]] == ["happy", "calm"]
    assert first.json()["results"][0]["source"] == "face"
    assert "user" not in first.json()["results"][0] and "id" not in first.json()["results"][0]
    second = api(listener).get(first.json()["next"])
    assert [r["mood"] for r in second.json()["results"]] == ["sad"]


def test_the_history_takes_a_bounded_number_of_queries(listener, django_assert_max_num_queries):
    now = timezone.now()
    MoodReading.objects.bulk_create(
        MoodReading(user=listener, at=now - timedelta(seconds=10 * n), source="face", mood="happy", confidence=0.7,
                    valence=0.8, arousal=0.4) for n in range(200))

    with django_assert_max_num_queries(4):
        response = api(listener).get("/api/v1/emotions/moods/")

    assert len(response.json()["results"]) == 50


def auckland(*args, fold=0) -> datetime:
    return datetime(*args, tzinfo=AUCKLAND, fold=fold)


@pytest.fixture
def auckland_listener(listener):
    """A listener in Auckland who read their mood across the night the clocks went back, 6 April 2025."""
    listener.time_zone = "Pacific/Auckland"
    listener.save(update_fields=["time_zone"])
    read(listener, "happy", auckland(2025, 4, 5, 22, 0))                # 09:00 UTC on the 5th
    read(listener, "sad", auckland(2025, 4, 6, 2, 30))                  # 13:30 UTC on the 5th, summer time
    read(listener, "calm", auckland(2025, 4, 6, 2, 30, fold=1))         # 14:30 UTC: the same clock time again
    read(listener, "happy", auckland(2025, 4, 7, 0, 10))                # 12:10 UTC on the 6th
    read(listener, "neutral", auckland(2025, 4, 7, 0, 12))              # happy held 2 minutes, neutral 10
    return listener


def test_the_summary_groups_by_the_listeners_own_days_across_a_change_of_clocks(auckland_listener):
    response = api(auckland_listener).get("/api/v1/emotions/moods/summary/?by=day&start=2025-04-04&end=2025-04-07")

    assert response.status_code == 200
    body = response.json()
    assert (body["by"], body["time_zone"]) == ("day", "Pacific/Auckland")
    days = {p["start"]: p for p in body["periods"]}
    assert list(days) == ["2025-04-04", "2025-04-05", "2025-04-06", "2025-04-07"]
    assert days["2025-04-04"]["shares"] == {} and days["2025-04-04"]["valence"] is None
    assert days["2025-04-05"]["shares"] == {"happy": 1.0}
    assert days["2025-04-05"]["seconds"] == 600
    # Both readings of 02:30 are on the 6th, an hour apart in fact: ten minutes each.
    assert days["2025-04-06"]["shares"] == {"sad": 0.5, "calm": 0.5}
    assert days["2025-04-06"]["valence"] == pytest.approx(-0.1)
    # Shares are of time: happy held until neutral came two minutes later.
    assert days["2025-04-07"]["shares"] == {"neutral": pytest.approx(0.8333, abs=1e-4),
                                            "happy": pytest.approx(0.1667, abs=1e-4)}


def test_the_summary_by_week_runs_monday_to_sunday_where_the_listener_lives(auckland_listener):
    response = api(auckland_listener).get("/api/v1/emotions/moods/summary/?by=week&start=2025-03-31&end=2025-04-13")

    weeks = response.json()["periods"]
    assert [(w["start"], w["end"]) for w in weeks] == [("2025-03-31", "2025-04-06"), ("2025-04-07", "2025-04-13")]
    assert weeks[0]["shares"] == pytest.approx({"happy": 1 / 3, "sad": 1 / 3, "calm": 1 / 3}, abs=1e-4)
    assert weeks[1]["shares"] == pytest.approx({"neutral": 0.8333, "happy": 0.1667}, abs=1e-4)


def test_the_summary_defaults_to_the_last_30_days_and_12_weeks(listener):
    days = api(listener).get("/api/v1/emotions/moods/summary/").json()["periods"]
    weeks = api(listener).get("/api/v1/emotions/moods/summary/?by=week").json()["periods"]

    today = timezone.now().astimezone(ZoneInfo(listener.time_zone)).date()
    assert (len(days), days[-1]["start"]) == (30, today.isoformat())
    assert len(weeks) == 12 and weeks[-1]["start"] <= today.isoformat() <= weeks[-1]["end"]


@pytest.mark.parametrize(("query", "field"), [
    ("by=month", "by"), ("start=yesterday", "start"), ("start=2025-04-07&end=2025-04-01", "start"),
    ("start=2000-01-01&end=2025-01-01", "start"), ("start=2999-01-01", "start"),
])
def test_a_bad_summary_question_is_told_which_field_is_wrong(listener, query, field):
    response = api(listener).get(f"/api/v1/emotions/moods/summary/?{query}")

    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]


# --- recommended plays -------------------------------------------------------------------------------------
def test_playing_a_recommended_song_is_counted_once_per_play_and_listed(listener, other_listener):
    song = history(listener)[0]
    body = {"track": str(song.public_id), "mood": "calm", "strategy": "lift",
            "reason": "You played this a lot when calm"}

    first = api(listener).post("/api/v1/emotions/plays/", body, format="json")
    again = api(listener).post("/api/v1/emotions/plays/", {"track": str(song.public_id)}, format="json")

    assert (first.status_code, again.status_code) == (201, 201)
    assert first.json()["track"] == {"id": str(song.public_id), "spotify_id": song.spotify_id, "name": "Slow Song",
                                     "artist": "Nils Frahm", "cover_url": ""}
    assert (first.json()["mood"], first.json()["strategy"], first.json()["reason"]) == (
        "calm", "lift", "You played this a lot when calm")
    assert RecommendedPlay.objects.filter(user=listener, track=song, source="recommendation").count() == 2
    listed = api(listener).get("/api/v1/emotions/plays/").json()
    assert [p["id"] for p in listed["results"]] == [again.json()["id"], first.json()["id"]]
    assert api(other_listener).get("/api/v1/emotions/plays/").json()["count"] == 0


@pytest.mark.parametrize(("body", "field", "code"), [
    ({}, "track", "invalid"), ({"track": "not-an-id"}, "track", "invalid"),
    ({"track": str(uuid.UUID(int=1))}, "track", "unknown_track"), ("mood", "mood", "invalid"),
    ("reason", "reason", "invalid"),
])
def test_a_bad_recommended_play_is_refused_and_nothing_is_counted(listener, body, field, code):
    song = history(listener)[0]
    if body == "mood":
        body = {"track": str(song.public_id), "mood": "ecstatic"}
    elif body == "reason":
        body = {"track": str(song.public_id), "reason": "x" * 201}

    response = api(listener).post("/api/v1/emotions/plays/", body, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == code
    assert field in response.json()["error"]["fields"]
    assert not RecommendedPlay.objects.exists()


def test_the_recommended_plays_list_takes_a_bounded_number_of_queries(listener, django_assert_max_num_queries):
    songs = history(listener, songs=[f"Song {n}" for n in range(10)])
    RecommendedPlay.objects.bulk_create(
        RecommendedPlay(user=listener, track=songs[n % 10], played_at=datetime(2025, 1, 1, tzinfo=UTC)
                        + timedelta(minutes=n)) for n in range(60))

    with django_assert_max_num_queries(4):
        response = api(listener).get("/api/v1/emotions/plays/")

    assert len(response.json()["results"]) == 50
