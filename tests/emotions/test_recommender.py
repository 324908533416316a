"""The mood recommender as listeners meet it: their own history, their library, other listeners' co-listening
and the mood they are in decide what they get, and why."""

import importlib.util
from datetime import UTC, datetime, timedelta
from pathlib import Path
from statistics import mean

import pytest

from emotions.models import TrackMood
from emotions.moods import CIRCUMPLEX, MoodEstimate, Strategy
from emotions.recommender import recommend
from emotions.recommender.co_listening import co_listening_rebuild
from emotions.recommender.track_moods import track_moods_fill
from emotions.services import mood_record
from listening.models import Artist, Genre, Track
from listening.services import artist_genres_add, favourite_add, starter_pick_add
from tests.factories import UserFactory, plays_add_for

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 5, 20, 18, tzinfo=UTC)
ROOT = Path(__file__).resolve().parents[2]


def mood(label: str) -> MoodEstimate:
    valence, arousal = CIRCUMPLEX[label]
    return MoodEstimate(label=label, valence=valence, arousal=arousal, confidence=0.9, probabilities={label: 0.9})


def sid(name: str) -> str:
    """The song's Spotify id (made from its name)."""
    return name.replace(" ", "").ljust(22, "0")[:22]


def listen(user, songs: list[tuple[str, str]], *, days: int = 30, per_day: int = 1, end: datetime = NOW,
           minutes: float = 3.5):
    """The listener plays each song `per_day` times a day for `days` days before `end`, one after another."""
    plays = []
    for day in range(days, 0, -1):
        at = end - timedelta(days=day)
        for _ in range(per_day):
            for artist, name in songs:
                at += timedelta(minutes=4)
                plays.append((artist, name, at, minutes, {"uri": f"spotify:track:{sid(name)}"}))
    plays_add_for(user, *plays)


def genres(**by_artist: str) -> None:
    artist_genres_add(pairs=[(Artist.objects.get(name=artist).pk, Genre.objects.get_or_create(name=genre)[0].pk)
                             for artist, genre in by_artist.items()], source="spotify")


def moods_known() -> None:
    track_moods_fill(track_ids=list(Track.objects.values_list("pk", flat=True)))


CALM = [(f"Still Water {n % 5}", f"Hush {n}") for n in range(10)]
LOUD = [(f"Riot Engine {n % 5}", f"Blast {n}") for n in range(10)]


def test_a_listener_of_only_calm_acoustic_music_gets_calm_acoustic_music_when_calm(listener):
    listen(listener, CALM, days=40)
    loud_crowd = [UserFactory() for _ in range(3)]
    for other in loud_crowd:
        listen(other, LOUD, days=40, per_day=3)  # popular here, but not this listener's music
    genres(**{artist: "acoustic folk" for artist, _ in CALM}, **{artist: "metalcore" for artist, _ in LOUD})
    moods_known()
    co_listening_rebuild()

    songs = recommend(user=listener, mood=mood("calm"), strategy=Strategy.MATCH, limit=10, now=NOW)

    assert len(songs) == 10
    assert {song.artist for song in songs} <= {artist for artist, _ in CALM}
    assert all(song.energy < 0 for song in songs)


def test_what_a_listener_played_when_calm_comes_back_when_they_are_calm_again(listener):
    listen(listener, CALM[:5] + LOUD[:5], days=20)
    genres(**{artist: "acoustic folk" for artist, _ in CALM[:5]}, **{artist: "metalcore" for artist, _ in LOUD[:5]})
    # Last week they told us they were calm in the mornings, while playing a loud song; on the other mornings
    # they played a quiet one as often, and told us nothing.
    for day in range(12, 0, -1):
        morning = NOW - timedelta(days=day, hours=8)
        if day % 2:
            mood_record(user=listener, estimate=mood("calm"), source="manual", at=morning)
        plays_add_for(listener, ("Riot Engine 2", "Blast 2", morning + timedelta(minutes=3), 3.5) if day % 2
                      else ("Still Water 0", "Hush 0", morning + timedelta(minutes=3), 3.5))

    calm = recommend(user=listener, mood=mood("calm"), limit=5, now=NOW)

    assert (calm[0].name, calm[0].reason) == ("Blast 2", "You played this a lot when calm")
    assert calm[1].name == "Hush 0"


def test_lifting_a_sad_mood_raises_the_valence_along_the_list(reccobeats, listener):
    sad = [(f"Grey Sky {n}", f"Rain {n}") for n in range(12)]
    happy = [(f"Sunny Day {n}", f"Shine {n}") for n in range(12)]
    listen(listener, sad + happy, days=30)
    for _, name in sad:
        reccobeats.add_song(sid(name), valence=0.1, energy=0.3)
    for _, name in happy:
        reccobeats.add_song(sid(name), valence=0.9, energy=0.7)
    moods_known()

    matched = recommend(user=listener, mood=mood("sad"), strategy=Strategy.MATCH, limit=20, now=NOW)
    lifted = recommend(user=listener, mood=mood("sad"), strategy=Strategy.LIFT, limit=20, now=NOW)

    assert mean(s.valence for s in lifted) > mean(s.valence for s in matched)
    assert mean(s.valence for s in lifted[10:]) > mean(s.valence for s in lifted[:10])
    assert matched[0].name.startswith("Rain")  # matching a sad mood starts where the listener is
    assert any(s.reason == "To lift your mood" for s in lifted)


def test_nothing_played_in_the_last_hours_is_recommended(listener):
    listen(listener, CALM, days=30, per_day=2)
    plays_add_for(listener, ("Still Water 1", "Hush 1", NOW - timedelta(minutes=40), 3.5),
                  ("Still Water 2", "Hush 2", NOW - timedelta(hours=2, minutes=50), 3.5))

    now = [s.name for s in recommend(user=listener, mood=None, limit=10, now=NOW)]
    later = [s.name for s in recommend(user=listener, mood=None, limit=10, now=NOW + timedelta(hours=4))]

    assert "Hush 1" not in now and "Hush 2" not in now
    assert "Hush 1" in later and "Hush 2" in later


def test_one_artist_never_takes_more_than_two_places_in_twenty_while_there_are_others(listener):
    obsession = [("Only Band", f"Hit {n}") for n in range(15)]
    others = [(f"Other Band {n}", f"Song {n}") for n in range(25)]
    listen(listener, obsession, days=30, per_day=3)
    listen(listener, others, days=30, end=NOW - timedelta(hours=12))

    songs = recommend(user=listener, mood=None, limit=20, now=NOW)

    assert len(songs) == 20
    assert sum(song.artist == "Only Band" for song in songs) == 2
    assert songs[0].artist == "Only Band"  # still their first love, at the top


def test_a_new_listener_with_starter_picks_gets_songs_at_once(listener):
    regulars = [UserFactory() for _ in range(2)]
    for regular in regulars:
        listen(regular, CALM + LOUD[:4], days=10)
    co_listening_rebuild()
    starter_pick_add(user=listener, track=Track.objects.get(name="Hush 2"))
    starter_pick_add(user=listener, track=Track.objects.get(name="Hush 5"))

    songs = recommend(user=listener, mood=None, limit=10, now=NOW)

    assert len(songs) == 10
    assert {"Hush 2", "Hush 5"} <= {s.name for s in songs}
    assert "One of your starter picks" in {s.reason for s in songs}
    assert {s.reason for s in songs} - {"One of your starter picks"}  # and more, from listeners who love them


def test_a_favourite_added_shows_up_at_once_with_its_reason(listener):
    listen(listener, CALM, days=30)
    listen(UserFactory(), LOUD, days=30)
    co_listening_rebuild()
    recommend(user=listener, mood=None, limit=10, now=NOW)  # kept for the hour

    favourite_add(user=listener, track=Track.objects.get(name="Blast 7"))
    songs = recommend(user=listener, mood=None, limit=12, now=NOW)

    assert ("Blast 7", "One of your favourites") in {(s.name, s.reason) for s in songs}


def test_co_listening_surfaces_a_song_a_similar_listener_loves(listener):
    shared = [(f"Common Ground {n}", f"Shared {n}") for n in range(6)]
    listen(listener, shared, days=20)
    for _ in range(3):
        listen(UserFactory(), shared + [("Hidden Gem", "Treasure")], days=20)
    listen(UserFactory(), LOUD, days=20, per_day=4)  # more popular, but nothing like this listener
    co_listening_rebuild()

    songs = recommend(user=listener, mood=None, limit=7, now=NOW)

    treasure = [s for s in songs if s.name == "Treasure"]
    assert treasure and treasure[0].reason in {"Listeners like you love it", "Goes with what you just played"}
    assert not {s.name for s in songs} & {name for _, name in LOUD}


def test_what_a_listener_plays_at_this_hour_where_they_live_comes_first_across_a_dst_change(listener):
    listener.time_zone = "Pacific/Auckland"  # UTC+13 until 5 April 2026, UTC+12 after
    listener.save(update_fields=["time_zone"])
    mornings, evenings = [], []
    for day in range(50):  # 1 March … 19 April: across the end of daylight saving time
        local = datetime(2026, 3, 1, tzinfo=UTC) + timedelta(days=day)
        offset = timedelta(hours=13 if local < datetime(2026, 4, 5, tzinfo=UTC) else 12)
        for n in range(3):
            mornings.append(("Dawn Chorus", f"Sunrise {n}", local + timedelta(hours=7, minutes=4 * n) - offset, 3.5))
            evenings.append(("Night Owls", f"Moon {n}", local + timedelta(hours=21, minutes=4 * n) - offset, 3.5))
    plays_add_for(listener, *mornings, *evenings)

    # 20 April, 07:30 and 21:30 in Auckland (UTC+12).
    morning = recommend(user=listener, mood=None, limit=2, now=datetime(2026, 4, 19, 19, 30, tzinfo=UTC))
    evening = recommend(user=listener, mood=None, limit=2, now=datetime(2026, 4, 20, 9, 30, tzinfo=UTC))

    assert {s.artist for s in morning} == {"Dawn Chorus"}
    assert {s.artist for s in evening} == {"Night Owls"}


YOUTH = [(f"Canal Kids {n}", f"Bike Lane {n}") for n in range(4)]
DUTCH = [(f"Polder Brass {n}", f"Windmill {n}") for n in range(4)]
ELDERS = [(f"Shinkansen {n}", f"Old Kyoto {n}") for n in range(4)]
LIKE_YOU = "Popular with listeners like you"


def crowd(songs: list[tuple[str, str]], ages: list[int | None], **profile) -> list:
    """Listeners of the given ages (and profile) who each played these songs every day for ten days."""
    people = [UserFactory(age=age, **profile) for age in ages]
    for person in people:
        listen(person, songs, days=10)
    return people


def names(songs) -> list[str]:
    return [song.name for song in songs]


def test_a_brand_new_listener_gets_what_listeners_of_their_age_and_country_love(listener):
    crowd(YOUTH, [19, 24], country="NL")
    crowd(DUTCH, [50] * 6, country="NL")  # more of them, but they share only the country
    crowd(ELDERS, [50] * 8, country="JP")  # the most popular songs here, from listeners nothing like this one
    co_listening_rebuild()
    listener.country, listener.age = "NL", 22
    listener.save(update_fields=["country", "age"])

    songs = recommend(user=listener, mood=None, limit=12, now=NOW)

    assert set(names(songs[:4])) == {name for _, name in YOUTH}
    assert {song.reason for song in songs[:4]} == {LIKE_YOU}
    assert set(names(songs[4:8])) == {name for _, name in DUTCH}
    assert set(names(songs[8:])) == {name for _, name in ELDERS}


def test_a_listener_who_tells_no_demographics_gets_the_same_songs_as_before(listener):
    crowd(YOUTH, [None, None])  # listeners who, like this one, left their profile empty
    elders = crowd(ELDERS, [None] * 4)
    co_listening_rebuild()
    before = [(song.name, song.reason) for song in recommend(user=listener, mood=None, limit=8, now=NOW)]

    for person in elders:
        person.country, person.age, person.occupation = "JP", 50, "retired"
        person.save(update_fields=["country", "age", "occupation"])
    co_listening_rebuild()  # the nightly build: nothing kept from before is reused
    after = [(song.name, song.reason) for song in recommend(user=listener, mood=None, limit=8, now=NOW)]

    assert after == before
    assert {name for name, _ in after[:4]} == {name for _, name in ELDERS}  # the most popular, as ever
    assert LIKE_YOU not in {reason for _, reason in after}


def test_listeners_like_you_fade_as_the_listeners_own_history_grows(listener):
    crowd(YOUTH, [19, 24], country="NL")
    crowd(ELDERS, [50] * 8, country="JP")
    co_listening_rebuild()
    listener.country, listener.age = "NL", 22
    listener.save(update_fields=["country", "age"])
    listen(listener, CALM[:3], days=2, end=NOW - timedelta(hours=12))

    few = recommend(user=listener, mood=None, limit=10, now=NOW)

    assert set(names(few[:3])) == {name for _, name in CALM[:3]}  # their own songs still first
    assert set(names(few[3:7])) == {name for _, name in YOUTH}
    assert {song.reason for song in few[3:7]} == {LIKE_YOU}

    listen(listener, CALM + LOUD, days=60, per_day=2, end=NOW - timedelta(hours=12))
    heavy = recommend(user=listener, mood=None, limit=20, now=NOW)

    assert set(names(heavy)) == {name for _, name in CALM + LOUD}
    assert LIKE_YOU not in {song.reason for song in heavy}


def test_a_listener_with_nothing_at_all_gets_an_empty_list(listener):
    assert recommend(user=listener, mood=mood("happy"), limit=10, now=NOW) == []


def test_songs_are_measured_before_they_are_recommended_by_mood(reccobeats, listener):
    listen(listener, CALM[:2], days=5)
    reccobeats.add_song(sid("Hush 0"), valence=0.95, energy=0.05)
    moods_known()

    songs = {s.name: s for s in recommend(user=listener, mood=mood("calm"), limit=5, now=NOW)}

    assert (songs["Hush 0"].valence, songs["Hush 0"].energy) == (0.9, -0.9)
    assert TrackMood.objects.get(track__name="Hush 0").source == "provider"


def test_the_evaluation_runs_on_the_shared_exports_and_prints_sane_figures(django_capture_on_commit_callbacks):
    spec = importlib.util.spec_from_file_location("recommender_benchmark", ROOT / "benchmarks" / "recommender.py")
    benchmark = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(benchmark)
    with django_capture_on_commit_callbacks(execute=True):
        listeners = [benchmark.listener_for(files) for files in benchmark.SHARED_EXPORTS]
    printed: list[str] = []

    result = benchmark.evaluate(listeners, out=printed.append)

    assert len(result["rows"]) == len(listeners) == 3
    for method, figures in result["figures"].items():
        assert all(0 <= value <= 1 for value in figures["ndcg"] + figures["recall"]), method
    assert max(result["figures"]["recommender"]["ndcg"]) > 0  # it found some of what they played next
    assert any(line.startswith("average") for line in printed)
    assert any("best baseline" in line for line in printed)
    assert any("new to the listener" in line for line in printed)

    earlier = benchmark.evaluate(listeners, weeks_earlier=1, out=printed.append)

    # A week earlier, each listener is trained on fewer plays and tested on other weeks.
    plays = {row["listener"]: row["plays"] for row in result["rows"]}
    assert earlier["rows"] and all(row["plays"] <= plays[row["listener"]] for row in earlier["rows"])
    assert any(row["plays"] < plays[row["listener"]] for row in earlier["rows"])
