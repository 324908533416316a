"""The audio-features provider (ReccoBeats' wire format, through the fake) and songs' places on the circumplex
with and without it."""

from datetime import UTC, datetime

import pytest

from emotions.audio_features import audio_features, audio_features_outbound
from emotions.models import TrackMood
from emotions.recommender.track_moods import track_moods_due, track_moods_fill
from listening.models import Artist, Genre, Track
from listening.services import artist_genres_add
from rewrapped.models import ApiCallLog
from rewrapped.outbound import RateLimited
from tests.factories import plays_add_for

pytestmark = pytest.mark.django_db

START = datetime(2026, 3, 2, 9, tzinfo=UTC)


def spotify_id(n: int) -> str:
    return f"{n:022d}"


def test_the_provider_gives_each_known_song_valence_and_energy_on_the_circumplex(reccobeats):
    reccobeats.add_song(spotify_id(1), valence=0.9, energy=0.2)
    reccobeats.add_song(spotify_id(44), valence=0.1, energy=0.95)

    found = audio_features([spotify_id(n) for n in range(45)])

    assert set(found) == {spotify_id(1), spotify_id(44)}  # songs it does not know are simply missing
    assert (found[spotify_id(1)].valence, found[spotify_id(1)].energy) == (0.8, -0.6)
    assert (found[spotify_id(44)].valence, found[spotify_id(44)].energy) == (-0.8, 0.9)
    assert [len(ids) for ids in reccobeats.asked()] == [40, 5]  # at most 40 a call, as ReccoBeats takes


def test_a_429_pauses_the_provider_for_every_process_as_long_as_it_asked(reccobeats):
    reccobeats.add_song(spotify_id(1), valence=0.5, energy=0.5)
    reccobeats.fail(429, retry_after=120, times=5)

    with pytest.raises(RateLimited):
        audio_features([spotify_id(1)])

    assert audio_features_outbound().paused_for() > 100
    assert ApiCallLog.objects.filter(service="audio-features", status=429).exists()
    asked = len(reccobeats.asked())
    with pytest.raises(RateLimited):
        audio_features([spotify_id(1)])
    assert len(reccobeats.asked()) == asked  # still paused: not asked again


def library_of_songs(listener):
    plays_add_for(listener, *[
        (artist, name, START.replace(hour=9 + n), 4, {"uri": f"spotify:track:{spotify_id(n)}"})
        for n, (artist, name) in enumerate([("Quiet Strings", "Morning Dew"), ("Quiet Strings", "Low Tide"),
                                            ("Iron Storm", "Hammerfall")])
    ])
    genres = {"Quiet Strings": "acoustic folk", "Iron Storm": "thrash metal"}
    artist_genres_add(pairs=[(Artist.objects.get(name=name).pk, Genre.objects.get_or_create(name=genre)[0].pk)
                             for name, genre in genres.items()], source="spotify")
    return {track.name: track.pk for track in Track.objects.all()}


def test_songs_the_provider_knows_take_its_measure_and_the_others_an_estimate(reccobeats, listener):
    songs = library_of_songs(listener)
    reccobeats.add_song(spotify_id(0), valence=0.6, energy=0.1)

    track_moods_fill(track_ids=list(songs.values()))

    measured = TrackMood.objects.get(track_id=songs["Morning Dew"])
    assert (measured.source, measured.valence, measured.energy) == ("provider", 0.2, -0.8)
    # Low Tide is unknown to the provider: its artist's measured song and its genres place it calm.
    low_tide = TrackMood.objects.get(track_id=songs["Low Tide"])
    assert low_tide.source == "estimate" and low_tide.energy < -0.3
    hammerfall = TrackMood.objects.get(track_id=songs["Hammerfall"])
    assert hammerfall.source == "estimate" and hammerfall.energy > 0.3 and hammerfall.valence < 0


def test_without_a_provider_every_song_is_estimated_from_what_is_known_of_it(listener, settings):
    settings.AUDIO_FEATURES_API_BASE = ""
    songs = library_of_songs(listener)

    track_moods_fill(track_ids=list(songs.values()))

    moods = {m.track_id: m for m in TrackMood.objects.all()}
    assert {m.source for m in moods.values()} == {"estimate"}
    assert moods[songs["Morning Dew"]].energy < 0 < moods[songs["Hammerfall"]].energy
    assert not ApiCallLog.objects.filter(service="audio-features").exists()


def test_a_song_measured_once_is_not_asked_for_again(reccobeats, listener):
    songs = library_of_songs(listener)
    reccobeats.add_song(spotify_id(0), valence=0.6, energy=0.1)
    track_moods_fill(track_ids=list(songs.values()))
    asked = reccobeats.asked()

    track_moods_fill(track_ids=list(songs.values()))

    assert spotify_id(0) not in reccobeats.asked()[len(asked):][0]


def test_the_catalog_is_walked_a_slice_at_a_time_for_songs_without_a_place(listener, settings):
    settings.AUDIO_FEATURES_API_BASE = ""
    songs = library_of_songs(listener)
    track_moods_fill(track_ids=[songs["Low Tide"]])

    first = track_moods_due(limit=2)
    second = track_moods_due(limit=2)
    third = track_moods_due(limit=2)

    assert first == [songs["Morning Dew"]]  # Low Tide already has its place
    assert second == [songs["Hammerfall"]]
    assert third == [songs["Morning Dew"]]  # back at the start: the end of the catalog was reached
