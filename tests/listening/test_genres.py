"""Genres from MusicBrainz (listening/services/genres.py, listening/musicbrainz.py) for artists Spotify gives
none, against the fake Spotify and the fake MusicBrainz."""

import time
from datetime import timedelta

import pytest
from django.core.cache import cache

from listening import selectors
from listening.models import Artist, ArtistGenre, Play
from listening.musicbrainz import musicbrainz_outbound
from listening.names import name_key
from listening.periods import period_parse
from listening.services import spotify_sync_run
from listening.services.genres import ASK_AGAIN_AFTER, _asked_key, musicbrainz_genres_fetch
from rewrapped import outbound
from rewrapped.models import ApiCallLog
from rewrapped.redis import redis_client
from tests.fakes.spotify import new_tracks, plays_of
from tests.listening.test_sync import START, connect


@pytest.fixture(autouse=True)
def quick_outbound(settings):
    settings.OUTBOUND_BACKOFF_SECONDS = 0
    settings.SPOTIFY_RATE_PER_SECOND = 1000


def musicbrainz_genres(artist_name):
    return set(ArtistGenre.objects.filter(artist__name=artist_name, source="musicbrainz")
               .values_list("genre__name", flat=True))


def test_an_artist_spotify_gives_no_genres_gets_musicbrainz_tags_on_the_dashboard(spotify, musicbrainz, listener):
    connect(spotify, listener, played=plays_of(new_tracks(2), count=6, start=START))
    musicbrainz.add_artist("Band 1-0", {"Shoegaze": 7, "dream  pop": 4, "british": 2, "rock": 1, "90s": 1,
                                        "seen live": 1, "never voted": 0})

    sync = spotify_sync_run(user=listener)

    assert sync.last_error == "" and sync.last_success_at
    # The five most-given tags with a vote, lower-cased; ties by name.
    assert musicbrainz_genres("Band 1-0") == {"shoegaze", "dream pop", "british", "90s", "rock"}
    assert musicbrainz_genres("Band 1-1") == set()  # MusicBrainz does not know it
    top = selectors.top(user=listener, period=period_parse(user=listener, key="all"), kind="genres")
    assert {entry.item.name for entry in top} == {"shoegaze", "dream pop", "british", "90s", "rock"}
    assert top[0].plays == 3  # every play of Band 1-0 counts for each of its genres
    # Searched by name, introducing ourselves as MusicBrainz asks, and logged like every outside call.
    # (Artists of the user's Spotify top lists without genres are searched too.)
    searched = musicbrainz.searched()
    assert {"Band 1-0", "Band 1-1"} <= set(searched) and len(searched) == len(set(searched))
    assert all(agent.startswith("Re-Wrapped/") for _, _, agent in musicbrainz.requests)
    assert ApiCallLog.objects.filter(service="musicbrainz", endpoint="/ws/2/artist", status=200).count() == len(searched)


def test_an_artist_known_only_by_name_is_searched_too(musicbrainz, db):
    Artist.objects.create(name="Cocteau Twins", name_key=name_key("Cocteau Twins"))
    musicbrainz.add_artist("Cocteau Twins", {"dream pop": 12, "ethereal wave": 5})

    assert musicbrainz_genres_fetch() == 1

    assert musicbrainz_genres("Cocteau Twins") == {"dream pop", "ethereal wave"}


def test_an_artist_spotify_has_not_been_asked_about_waits_for_spotify(musicbrainz, db):
    Artist.objects.create(name="Slowdive", name_key="slowdive", spotify_id="72X6FHxaShda0XeQw3vbeF")
    musicbrainz.add_artist("Slowdive", {"shoegaze": 9})

    assert musicbrainz_genres_fetch() == 0 and musicbrainz.searched() == []


def test_a_low_score_or_another_artists_match_is_ignored(musicbrainz, db):
    for name in ("Unsure", "Lookalike"):
        Artist.objects.create(name=name, name_key=name_key(name))
    musicbrainz.add_artist("Unsure", {"rock": 5}, score=85)
    musicbrainz.add_artist("Lookalike Tribute Band", {"covers": 5}, found_by="Lookalike")

    assert musicbrainz_genres_fetch() == 0

    assert musicbrainz.searched() == ["Unsure", "Lookalike"]
    assert not ArtistGenre.objects.exists()


def test_a_miss_is_not_asked_again_for_30_days(musicbrainz, db):
    artist = Artist.objects.create(name="Nobody Knows", name_key="nobody knows")

    musicbrainz_genres_fetch()
    musicbrainz_genres_fetch()

    assert musicbrainz.searched() == ["Nobody Knows"]
    ttl = redis_client().ttl(cache.make_and_validate_key(_asked_key(artist.pk)))
    assert ASK_AGAIN_AFTER - timedelta(minutes=1) < timedelta(seconds=ttl) <= ASK_AGAIN_AFTER

    # 30 days later: the mark and the day's cached answer are long gone.
    cache.delete(_asked_key(artist.pk))
    redis_client().delete(*redis_client().scan_iter("outbound:musicbrainz:cache:*"))
    musicbrainz.add_artist("Nobody Knows", {"outsider": 1})
    musicbrainz_genres_fetch()

    assert musicbrainz.searched() == ["Nobody Knows", "Nobody Knows"]
    assert musicbrainz_genres("Nobody Knows") == {"outsider"}


@pytest.mark.parametrize("status", [429, 503])
def test_musicbrainz_asking_us_to_wait_defers_only_the_genre_step(spotify, musicbrainz, listener, monkeypatch,
                                                                 status):
    connect(spotify, listener, played=plays_of(new_tracks(2), count=6, start=START))
    musicbrainz.add_artist("Band 1-0", {"shoegaze": 3})
    musicbrainz.fail(status, retry_after=120, times=10)

    sync = spotify_sync_run(user=listener)

    assert sync.last_error == "" and sync.deferred_until is None and sync.last_success_at
    assert Play.objects.filter(user=listener).count() == 6
    assert not ArtistGenre.objects.filter(source="musicbrainz").exists()
    assert ApiCallLog.objects.filter(service="musicbrainz", status=status).exists()
    if status == 429:
        assert musicbrainz_outbound().paused_for() > 100  # for every process, as long as it asked
        asked = len(musicbrainz.searched())
        spotify_sync_run(user=listener)
        assert len(musicbrainz.searched()) == asked  # still paused: not asked
        monkeypatch.setattr(outbound, "clock", lambda: time.time() + 121)  # the Retry-After has passed
    musicbrainz.faults.clear()

    spotify_sync_run(user=listener)  # the artists not answered were left for a later run

    assert musicbrainz_genres("Band 1-0") == {"shoegaze"}


def test_genre_sources_without_musicbrainz_turn_it_off(spotify, musicbrainz, listener, settings):
    settings.GENRE_SOURCES = ["spotify"]
    connect(spotify, listener, played=plays_of(new_tracks(2), count=6, start=START))
    musicbrainz.add_artist("Band 1-0", {"shoegaze": 3})

    sync = spotify_sync_run(user=listener)

    assert sync.last_error == "" and musicbrainz.searched() == []
    assert not ArtistGenre.objects.filter(source="musicbrainz").exists()


def test_the_client_keeps_to_one_request_a_second(settings):
    settings.MUSICBRAINZ_RATE_PER_SECOND = 1

    client = musicbrainz_outbound()

    assert (client.rate_per_second, client.burst) == (1.0, 1)
