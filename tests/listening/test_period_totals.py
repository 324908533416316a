"""Period totals and sessions (listening/services/periods.py): the dashboard reads them while they are current,
and every figure they give is the one the daily roll-ups give."""

import random
import zoneinfo
from datetime import date, datetime, time, timedelta

import pytest

from accounts.models import User
from listening import selectors
from listening.imports import PlayRow
from listening.models import Artist, ArtistGenre, Genre, PeriodTotalsState, Play, Track
from listening.periods import period_of, period_parse, user_today
from listening.services import artist_genres_add, period_totals_due, period_totals_rebuild
from listening.services.plays import PlaysWriter
from tests.factories import plays_add_for
from tests.listening.test_stats import local

ARTISTS = ["Björk", "Radiohead", "Aphex Twin", "Portishead", "Massive Attack", "Sigur Rós", "Caribou", "Bonobo"]
GENRES = {"Björk": ["art pop", "electronica"], "Radiohead": ["art rock"], "Aphex Twin": ["electronica", "idm"],
          "Portishead": ["trip hop"], "Massive Attack": ["trip hop", "electronica"], "Caribou": ["electronica"]}


def history_plays(user, *, days: int, count: int, seed: int) -> list[tuple]:
    """`count` plays on the `days` local days before today, in daytime runs (no session crosses midnight)."""
    rng, today, plays = random.Random(seed), user_today(user), []
    while len(plays) < count:
        day = today - timedelta(days=rng.randrange(1, days))
        moment = local(day, rng.randrange(8, 20), rng.randrange(60))
        artist = ARTISTS[min(int(rng.paretovariate(1.3)) - 1, len(ARTISTS) - 1)]
        for _ in range(rng.randint(1, 5)):
            moment += timedelta(minutes=rng.randint(3, 40))
            song = f"Song {rng.randrange(6)}"
            plays.append((artist, song, moment, rng.randint(1, 6), {"album": f"{artist} LP {song[-1] in '012'}"}))
    return plays


@pytest.fixture
def history(amsterdam_listener):
    plays_add_for(amsterdam_listener, *history_plays(amsterdam_listener, days=800, count=900, seed=3))
    for artist in Artist.objects.filter(name__in=GENRES):
        for name in GENRES[artist.name]:
            ArtistGenre.objects.create(artist=artist, genre=Genre.objects.get_or_create(name=name)[0], source="spotify")
    return amsterdam_listener


def periods_to_compare(user) -> dict:
    today = user_today(user)
    last_year, this_month = today.year - 1, today.replace(day=1)
    month_end = (this_month - timedelta(days=1))
    return {
        "4w": period_parse(user=user, key="4w"),
        "6m": period_parse(user=user, key="6m"),
        "1y": period_parse(user=user, key="1y"),
        "all": period_parse(user=user, key="all"),
        str(last_year): period_parse(user=user, key="custom", start=date(last_year, 1, 1), end=date(last_year, 12, 31)),
        f"{month_end:%Y-%m}": period_of(month_end.replace(day=1), month_end, "last month"),
        "parts": period_of(today - timedelta(days=100), today - timedelta(days=40), "any stretch"),
        "more parts": period_of(date(last_year - 1, 2, 17), today - timedelta(days=5), "a longer stretch"),
    }


def everything_the_dashboard_shows(user) -> dict:
    """Every stats figure the dashboard and item pages show, for every kind of period."""
    user = User.objects.get(pk=user.pk)  # a fresh object: it reads the current state of the period totals
    shown = {}
    for key, period in periods_to_compare(user).items():
        shown[key, "totals"] = selectors.totals(user=user, period=period)
        for kind in ("tracks", "artists", "albums", "genres"):
            for by in ("plays", "minutes"):
                for offset in (0, 3):
                    shown[key, kind, by, offset] = [
                        (entry.rank, entry.item.pk, entry.plays, entry.minutes)
                        for entry in selectors.top(user=user, period=period, kind=kind, by=by, offset=offset, limit=4)
                    ]
        shown[key, "genres over time"] = selectors.genre_evolution(user=user, period=period)
        shown[key, "sessions"] = selectors.sessions(user=user, period=period)
    everything = period_parse(user=user, key="all")
    for kind in ("tracks", "artists", "albums"):
        for entry in selectors.top(user=user, period=everything, kind=kind, limit=3):
            shown[kind, entry.item.pk] = selectors.item_stats(user=user, item=entry.item)
    return shown


def daily_rollups_answer(user) -> dict:
    """What the daily roll-ups say, with the period totals set aside for the question."""
    built_on = PeriodTotalsState.objects.filter(user=user).values_list("built_on", flat=True).first()
    PeriodTotalsState.objects.filter(user=user).update(built_on=None)
    try:
        return everything_the_dashboard_shows(user)
    finally:
        PeriodTotalsState.objects.filter(user=user).update(built_on=built_on)


def test_period_totals_give_every_figure_the_daily_rollups_give(history):
    expected = everything_the_dashboard_shows(history)  # nothing built yet: the daily roll-ups answer

    period_totals_rebuild(user=history)

    fresh = User.objects.get(pk=history.pk)
    for key, period in periods_to_compare(fresh).items():
        if "parts" in key:  # years and months from the totals, the days at the edges from the daily roll-ups
            assert selectors.stored_period(fresh, period) is None and selectors.stored_parts(fresh, period)
        else:  # one row per item in the totals holds the period
            assert selectors.stored_period(fresh, period) == key
    assert everything_the_dashboard_shows(history) == expected
    assert expected["all", "tracks", "plays", 0] and expected["all", "genres over time"]["months"]


def test_plays_added_later_are_folded_into_current_period_totals_and_sessions(history):
    period_totals_rebuild(user=history)
    today = user_today(history)
    newer = history_plays(history, days=40, count=120, seed=11) + [
        ("Björk", "Song 1", local(today, 9, 0), 4),  # a new session today
        ("Caribou", "Odessa", local(today, 9, 20), 5),  # joins it
    ]

    plays_add_for(history, *newer, source="sync")

    assert PeriodTotalsState.objects.get(user=history).built_on == today  # still current: nothing to rebuild
    assert everything_the_dashboard_shows(history) == daily_rollups_answer(history)
    sessions_today = selectors.sessions(user=history, period=period_of(today, today, "today"))
    assert sessions_today["count"] == 1 and sessions_today["longest"]["plays"] >= 2


def test_a_bulk_import_marks_the_totals_out_of_date_and_the_dashboard_reads_the_daily_rollups(history):
    period_totals_rebuild(user=history)
    writer = PlaysWriter(user=history, bulk=True)
    before = len(selectors.top(user=history, period=period_parse(user=history, key="all"), kind="tracks", limit=100))

    writer.add(writer.prepare([
        PlayRow("extended", "music", int(local(user_today(history), 7).timestamp()), 180_000, None, "New song",
                "Newcomer"),
    ]))

    fresh = User.objects.get(pk=history.pk)
    assert fresh.period_totals.built_on is None
    assert selectors.stored_period(fresh, period_parse(user=fresh, key="all")) is None
    tops = selectors.top(user=fresh, period=period_parse(user=fresh, key="all"), kind="tracks", limit=100)
    assert len(tops) == before + 1 and "New song" in {entry.item.name for entry in tops}
    assert history.pk in period_totals_due()


def test_rolling_windows_are_due_for_a_rebuild_once_a_new_day_starts_where_the_listener_lives(history):
    period_totals_rebuild(user=history)
    assert history.pk not in period_totals_due()

    PeriodTotalsState.objects.filter(user=history).update(built_on=user_today(history) - timedelta(days=1))

    fresh = User.objects.get(pk=history.pk)
    assert selectors.stored_period(fresh, period_parse(user=fresh, key="4w")) is None  # would be a day behind
    assert selectors.stored_period(fresh, period_parse(user=fresh, key="all")) == "all"  # all time does not move
    assert history.pk in period_totals_due()
    period_totals_rebuild(user=fresh)
    assert history.pk not in period_totals_due()


def test_a_listener_never_built_is_due_once_they_have_listened(listener, other_listener):
    plays_add_for(listener, ("Björk", "Joga", local(user_today(listener), 12), 4))

    due = period_totals_due()

    assert listener.pk in due and other_listener.pk not in due


def test_genres_learned_after_the_plays_reach_current_period_totals_at_once(history):
    period_totals_rebuild(user=history)
    artist = Track.objects.filter(artist__name="Sigur Rós").first().artist
    post_rock, electronica = Genre.objects.create(name="post-rock"), Genre.objects.get(name="electronica")

    added = artist_genres_add(pairs=[(artist.pk, post_rock.pk), (artist.pk, electronica.pk)], source="musicbrainz")

    assert added == 2
    genres = selectors.top(user=User.objects.get(pk=history.pk), period=period_parse(user=history, key="all"),
                           kind="genres", limit=20)
    assert "post-rock" in {entry.item.name for entry in genres}
    assert everything_the_dashboard_shows(history) == daily_rollups_answer(history)
    assert artist_genres_add(pairs=[(artist.pk, post_rock.pk)], source="spotify") == 0  # known: nothing added twice


# --- any stretch of days, against the plays themselves -----------------------------------------------------------
AUCKLAND = zoneinfo.ZoneInfo("Pacific/Auckland")


@pytest.fixture
def auckland_year(listener):
    """Plays from March to October 2024 in Auckland, whose clocks went back on 7 April and forward on 29 September:
    songs of skewed popularity (so top lists have long tails), at any hour, local midnights and month ends
    included."""
    listener.time_zone = "Pacific/Auckland"
    listener.save(update_fields=["time_zone"])
    rng, plays, day = random.Random(7), [], date(2024, 3, 20)
    songs = [(artist, f"Song {n}") for artist in ARTISTS for n in range(8)]
    while day <= date(2024, 10, 15):
        for _ in range(rng.randrange(2, 12)):
            artist, song = songs[min(int(rng.paretovariate(0.8)) - 1, len(songs) - 1)]
            at = datetime.combine(day, time(rng.randrange(24), rng.randrange(60), rng.randrange(60)), AUCKLAND)
            plays.append((artist, song, at, rng.randint(1, 6), {"album": f"{artist} LP {song[-1] in '0123'}"}))
        plays.append(("Caribou", "Midnight", datetime.combine(day, time(23, 59, 30), AUCKLAND), 2))
        day += timedelta(days=1)
    plays_add_for(listener, *plays)
    period_totals_rebuild(user=listener)
    return User.objects.get(pk=listener.pk)


def scanned(user, start: date, end: date, field: str) -> dict:
    """(plays, ms) per item of the plays that ended on these local days, read from the plays one by one."""
    found = {}
    for play in Play.objects.filter(user=user, kind="music", **{f"{field}__isnull": False}):
        if start <= play.ended_at.astimezone(zoneinfo.ZoneInfo(user.time_zone)).date() <= end:
            plays, ms = found.get(getattr(play, f"{field}_id"), (0, 0))
            found[getattr(play, f"{field}_id")] = (plays + 1, ms + play.ms_played)
    return found


@pytest.mark.parametrize(("start", "end"), [
    (date(2024, 3, 25), date(2024, 10, 2)),  # whole months and both clock changes, days at each end
    (date(2024, 4, 3), date(2024, 5, 10)),  # no whole month, across the clocks going back
    (date(2024, 4, 30), date(2024, 6, 1)),  # a day either side of a whole month
    (date(2024, 9, 10), date(2024, 9, 20)),  # inside one month
    (date(2024, 4, 7), date(2024, 4, 7)),  # one day, of 25 hours
    (date(2024, 9, 29), date(2024, 9, 29)),  # one day, of 23 hours
])
def test_any_stretch_of_days_gives_what_its_plays_give(auckland_year, start, end):
    period = period_of(start, end, "a stretch")
    assert selectors.stored_parts(auckland_year, period)  # read from the period totals and the edge days

    for kind, field in (("tracks", "track"), ("artists", "artist"), ("albums", "album")):
        items = scanned(auckland_year, start, end, field)
        for by in ("plays", "minutes"):
            ranked = sorted(items.items(), key=lambda pair: (
                (-pair[1][1], -pair[1][0]) if by == "minutes" else (-pair[1][0], -pair[1][1]), pair[0]))
            for offset in (0, 5):
                shown = selectors.top(user=auckland_year, period=period, kind=kind, by=by, offset=offset, limit=5)
                assert [(entry.item.pk, entry.plays, entry.minutes) for entry in shown] == [
                    (pk, plays, ms // 60000) for pk, (plays, ms) in ranked[offset:offset + 5]
                ], (kind, by, offset)
    totals = selectors.totals(user=auckland_year, period=period)
    tracks = scanned(auckland_year, start, end, "track")
    assert (totals["plays"], totals["tracks"], totals["artists"]) == (
        sum(plays for plays, _ in tracks.values()), len(tracks), len(scanned(auckland_year, start, end, "artist")))
