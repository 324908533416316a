"""Roll-ups (listening/services/rollups.py) and the stats read from them (listening/selectors/stats.py)."""

import zoneinfo
from datetime import date, datetime, time, timedelta

import pytest
from django.db.models import Sum
from django.utils import timezone

from accounts.models import User
from listening import selectors
from listening.models import (
    Artist, ArtistGenre, DailyAlbumPlays, DailyArtistPlays, DailyTrackPlays, Genre, HourlyListening, Play, Track,
)
from listening.periods import period_of, period_parse, user_today
from listening.services import period_totals_rebuild, rollups_audit, rollups_rebuild
from rewrapped.api import ApplicationError
from tests.accounts.test_profile import GOOD_PROFILE
from tests.conftest import client_for, wait_until
from tests.factories import plays_add_for
from tests.listening.test_import import AUDIO_2023, VIDEO_2023, spotify_zip

AMSTERDAM = zoneinfo.ZoneInfo("Europe/Amsterdam")


def local(day, hour, minute=0):
    return datetime.combine(day, time(hour, minute), AMSTERDAM)


def rollup_sums(user) -> dict:
    return {
        model.__name__: model.objects.filter(user=user).aggregate(plays=Sum("plays"), ms=Sum("ms_played"))
        for model in (DailyTrackPlays, DailyArtistPlays, DailyAlbumPlays, HourlyListening)
    }


def test_imported_plays_are_folded_into_every_rollup_once(listener, run_import):
    run_import(listener, spotify_zip(AUDIO_2023, VIDEO_2023))
    music = Play.objects.filter(user=listener, kind="music").aggregate(ms=Sum("ms_played"))
    music_plays = Play.objects.filter(user=listener, kind="music").count()
    every = Play.objects.filter(user=listener).aggregate(ms=Sum("ms_played"))

    sums = rollup_sums(listener)
    assert sums["DailyTrackPlays"] == {"plays": music_plays, "ms": music["ms"]}
    assert sums["DailyArtistPlays"] == {"plays": music_plays, "ms": music["ms"]}
    assert sums["HourlyListening"] == {"plays": Play.objects.filter(user=listener).count(), "ms": every["ms"]}

    run_import(listener, spotify_zip(AUDIO_2023, VIDEO_2023))  # adds nothing, so folds nothing

    assert rollup_sums(listener) == sums


def test_rollups_count_days_in_the_listeners_time_zone(amsterdam_listener):
    day = user_today(amsterdam_listener) - timedelta(days=3)
    plays_add_for(amsterdam_listener, ("Björk", "Hyperballad", local(day, 0, 30), 5))  # 23:30 UTC the day before

    assert list(DailyArtistPlays.objects.filter(user=amsterdam_listener).values_list("day", flat=True)) == [day]
    assert HourlyListening.objects.get(user=amsterdam_listener).hour == 0


@pytest.mark.django_db(transaction=True)
def test_changing_time_zone_regroups_the_history_by_the_new_days(client, amsterdam_listener, celery_worker):
    day = user_today(amsterdam_listener) - timedelta(days=3)
    plays_add_for(amsterdam_listener, ("Björk", "Hyperballad", local(day, 0, 30), 5))

    client_for(client, amsterdam_listener).post("/profile/", {**GOOD_PROFILE, "time_zone": "America/New_York"})

    wait_until(
        lambda: DailyArtistPlays.objects.filter(user=amsterdam_listener, day=day - timedelta(days=1)).exists(),
        "the worker to regroup the history in New York days",
    )
    assert HourlyListening.objects.get(user=amsterdam_listener).hour == 18


def test_rebuilding_rollups_gives_what_the_incremental_folds_gave(listener, run_import):
    run_import(listener, spotify_zip(AUDIO_2023))
    folded = rollup_sums(listener)
    top_before = selectors.top(user=listener, period=period_parse(user=listener, key="all"), kind="artists", limit=5)

    rollups_rebuild(user=listener)

    assert rollup_sums(listener) == folded
    after = selectors.top(user=listener, period=period_parse(user=listener, key="all"), kind="artists", limit=5)
    assert [(e.item, e.plays) for e in after] == [(e.item, e.plays) for e in top_before]


@pytest.fixture
def history(amsterdam_listener):
    """Three weeks ago: a long Radiohead day. Last week: more Björk plays, but shorter. Plus a podcast."""
    today = user_today(amsterdam_listener)
    long_ago, recent = today - timedelta(days=21), today - timedelta(days=5)
    plays_add_for(
        amsterdam_listener,
        ("Radiohead", "Let Down", local(long_ago, 20), 10, {"album": "OK Computer"}),
        ("Radiohead", "Karma Police", local(long_ago, 20, 30), 10, {"album": "OK Computer"}),
        ("Radiohead", "Let Down", local(long_ago, 21), 10, {"album": "OK Computer"}),
        ("Björk", "Hyperballad", local(recent, 8), 2, {"album": "Post"}),
        ("Björk", "Hyperballad", local(recent, 8, 5), 2, {"album": "Post"}),
        ("Björk", "Army of Me", local(recent, 8, 10), 2, {"album": "Post"}),
        ("Björk", "Isobel", local(recent, 8, 15), 2, {"album": "Post", "skipped": True}),
        ("The Daily", "Monday episode", local(recent, 7), 25, {"kind": "podcast"}),
    )
    return amsterdam_listener


def test_totals_count_music_and_keep_podcasts_apart(history):
    totals = selectors.totals(user=history, period=period_parse(user=history, key="4w"))

    assert totals == {
        "plays": 7, "minutes": 38, "artists": 2, "tracks": 5, "days": 2,
        "podcast_plays": 1, "podcast_minutes": 25, "audiobook_plays": 0, "audiobook_minutes": 0,
    }


def test_top_artists_rank_by_plays_or_by_minutes(history):
    period = period_parse(user=history, key="4w")

    by_plays = selectors.top(user=history, period=period, kind="artists")
    by_minutes = selectors.top(user=history, period=period, kind="artists", by="minutes")

    assert [(e.rank, e.item.name, e.plays, e.minutes) for e in by_plays] == [(1, "Björk", 4, 8), (2, "Radiohead", 3, 30)]
    assert [e.item.name for e in by_minutes] == ["Radiohead", "Björk"]


def test_a_shorter_period_leaves_out_older_plays(history):
    tracks = selectors.top(user=history, period=period_parse(user=history, key="custom",
                           start=user_today(history) - timedelta(days=7), end=user_today(history)), kind="tracks")

    assert [(e.item.name, e.plays) for e in tracks] == [("Hyperballad", 2), ("Army of Me", 1), ("Isobel", 1)]


def test_top_lists_page_without_gaps_or_repeats(history):
    period = period_parse(user=history, key="all")
    everything = selectors.top(user=history, period=period, kind="tracks", limit=10)

    pages = [selectors.top(user=history, period=period, kind="tracks", offset=offset, limit=2) for offset in (0, 2, 4)]

    assert [e.item for page in pages for e in page] == [e.item for e in everything]
    assert [e.rank for page in pages for e in page] == [1, 2, 3, 4, 5]


def test_top_albums_and_genres(history):
    period = period_parse(user=history, key="all")
    rock = Genre.objects.create(name="art rock")
    ArtistGenre.objects.create(artist=Artist.objects.get(name="Radiohead"), genre=rock, source="spotify")

    albums = selectors.top(user=history, period=period, kind="albums")
    genres = selectors.top(user=history, period=period, kind="genres")

    assert [(e.item.name, e.plays) for e in albums] == [("Post", 4), ("OK Computer", 3)]
    assert [(e.item.name, e.plays, e.minutes) for e in genres] == [("art rock", 3, 30)]


def test_the_clock_puts_plays_at_the_local_weekday_and_hour(history):
    recent = user_today(history) - timedelta(days=5)

    clock = selectors.listening_clock(user=history, period=period_parse(user=history, key="4w"))

    assert clock["minutes"][recent.weekday()][8] == 8
    assert sum(map(sum, clock["minutes"])) == 38  # music only: the podcast is not on the clock
    assert clock["max"] == 20  # 20:00–21:00, three weeks ago


def test_streaks_find_the_longest_run_and_a_current_one_reaching_yesterday(amsterdam_listener):
    today = user_today(amsterdam_listener)
    days = [today - timedelta(days=n) for n in (40, 39, 38, 37, 10, 2, 1)]
    plays_add_for(amsterdam_listener, *[("Björk", "Joga", local(day, 12), 3) for day in days])

    streaks = selectors.streaks(user=amsterdam_listener)

    assert streaks["longest"] == {"days": 4, "start": days[0], "end": days[3]}
    assert streaks["current"] == {"days": 2, "start": days[5], "end": days[6]}


def test_no_current_streak_after_a_day_without_music(amsterdam_listener):
    plays_add_for(amsterdam_listener, ("Björk", "Joga", local(user_today(amsterdam_listener) - timedelta(days=3), 12), 3))

    assert selectors.streaks(user=amsterdam_listener)["current"]["days"] == 0


def test_sessions_split_after_half_an_hour_of_silence(history):
    sessions = selectors.sessions(user=history, period=period_parse(user=history, key="4w"))

    # Radiohead 19:50–21:00 (gaps under 30 min), the podcast 06:35–07:00, Björk from 07:58.
    assert sessions["count"] == 3
    assert sessions["longest"]["plays"] == 3
    assert sessions["longest"]["minutes"] == 70


def test_genre_evolution_gives_minutes_per_month_for_each_top_genre(history):
    pop, rock = Genre.objects.create(name="art pop"), Genre.objects.create(name="art rock")
    ArtistGenre.objects.create(artist=Artist.objects.get(name="Björk"), genre=pop, source="spotify")
    ArtistGenre.objects.create(artist=Artist.objects.get(name="Radiohead"), genre=rock, source="spotify")
    period = period_parse(user=history, key="all")

    evolution = selectors.genre_evolution(user=history, period=period)

    months = evolution["months"]
    assert months == sorted(months) and months[0].day == 1
    totals = {series["genre"]: sum(series["minutes"]) for series in evolution["series"]}
    assert totals == {"art rock": 30, "art pop": 8}
    assert all(len(series["minutes"]) == len(months) for series in evolution["series"])


def test_item_stats_give_rank_first_and_last_listen(history):
    let_down = Track.objects.get(name="Let Down")
    long_ago = user_today(history) - timedelta(days=21)

    stats = selectors.item_stats(user=history, item=let_down)

    assert stats["rank"] == 1  # two plays: ties with Hyperballad are ranked above no one
    assert (stats["plays"], stats["minutes"]) == (2, 20)
    assert stats["first_played"] == local(long_ago, 20)
    assert stats["last_played"] == local(long_ago, 21)
    assert stats["months"] == [{"month": long_ago.replace(day=1), "plays": 2, "minutes": 20}]


def test_an_item_never_played_has_no_rank(history, other_listener):
    assert selectors.item_stats(user=other_listener, item=Track.objects.get(name="Let Down"))["rank"] is None


def test_history_pages_by_cursor_without_gaps(history):
    first = selectors.recent_plays(user=history, limit=3)
    rest = selectors.recent_plays(
        user=history, before=selectors.history_cursor_parse(selectors.history_cursor(first[-1])), limit=50
    )

    assert len(first) + len(rest) == 8
    assert [p.ended_at for p in first + rest] == sorted((p.ended_at for p in first + rest), reverse=True)


def test_weekday_filter_keeps_only_those_days(history):
    period = period_parse(user=history, key="all")
    weekend = selectors.totals(user=history, period=period, weekdays=selectors.WEEKEND)
    weekdays = selectors.totals(user=history, period=period, weekdays=frozenset({1, 2, 3, 4, 5}))

    assert weekend["plays"] + weekdays["plays"] == 7


@pytest.mark.parametrize(
    ("key", "start", "end", "message"),
    [
        ("fortnight", None, None, "Unknown period"),
        ("custom", "2024-02-30", "2024-03-01", "YYYY-MM-DD"),
        ("custom", "2024-03-01", "2024-02-01", "after the end date"),
    ],
)
def test_a_bad_period_is_refused_with_a_reason(listener, key, start, end, message):
    with pytest.raises(ApplicationError, match=message):
        period_parse(user=listener, key=key, start=start, end=end)


def test_an_empty_history_gives_zeros_not_errors(listener):
    period = period_of(None, None, "All time")

    assert selectors.totals(user=listener, period=period)["plays"] == 0
    assert selectors.top(user=listener, period=period, kind="genres") == []
    assert selectors.streaks(user=listener)["longest"]["days"] == 0
    assert selectors.sessions(user=listener, period=period) == {"count": 0, "average_minutes": 0, "longest": None}
    assert selectors.genre_evolution(user=listener, period=period) == {"months": [], "series": []}


def test_the_nightly_audit_rebuilds_rollups_that_drifted_from_the_plays(history, other_listener):
    plays_add_for(other_listener, ("Björk", "Joga", local(user_today(history), 9), 4))
    Play.objects.filter(user=history, track__name="Isobel").delete()  # by hand, behind the roll-ups' back

    rebuilt = rollups_audit(since=timezone.now() - timedelta(days=30))

    assert rebuilt == [history.pk]
    totals = selectors.totals(user=history, period=period_parse(user=history, key="all"))
    assert (totals["plays"], totals["tracks"]) == (6, 4)
    assert rollups_audit(since=timezone.now() - timedelta(days=30)) == []


def test_a_genre_named_by_two_sources_counts_the_artist_once(history):
    rock, radiohead = Genre.objects.create(name="art rock"), Artist.objects.get(name="Radiohead")
    ArtistGenre.objects.bulk_create(
        [ArtistGenre(artist=radiohead, genre=rock, source=source) for source in ("spotify", "musicbrainz")],
        ignore_conflicts=True,
    )

    genres = selectors.top(user=history, period=period_parse(user=history, key="all"), kind="genres")

    assert [(e.item.name, e.plays) for e in genres] == [("art rock", 3)]


AUCKLAND = zoneinfo.ZoneInfo("Pacific/Auckland")


@pytest.fixture
def auckland_listener(listener):
    listener.time_zone = "Pacific/Auckland"
    listener.save(update_fields=["time_zone"])
    return listener


@pytest.mark.parametrize("from_period_totals", [False, True])
def test_an_items_months_run_unbroken_from_its_first_play_to_its_last(auckland_listener, from_period_totals):
    # 00:30 on 1 April in Auckland is still 31 March in UTC; New Zealand leaves summer time on 6 April.
    plays_add_for(
        auckland_listener,
        ("Björk", "Joga", datetime(2025, 2, 14, 20, 0, tzinfo=AUCKLAND), 4),
        ("Björk", "Joga", datetime(2025, 4, 1, 0, 30, tzinfo=AUCKLAND), 4),
        ("Björk", "Joga", datetime(2025, 4, 20, 9, 0, tzinfo=AUCKLAND), 4),
    )
    if from_period_totals:
        period_totals_rebuild(user=auckland_listener)
    listener = User.objects.get(pk=auckland_listener.pk)

    stats = selectors.item_stats(user=listener, item=Track.objects.get(name="Joga"))

    assert stats["months"] == [
        {"month": date(2025, 2, 1), "plays": 1, "minutes": 4},
        {"month": date(2025, 3, 1), "plays": 0, "minutes": 0},
        {"month": date(2025, 4, 1), "plays": 2, "minutes": 8},
    ]


@pytest.mark.parametrize(("days_ago", "key"), [(1, "4w"), (27, "4w"), (28, "6m"), (181, "6m"), (182, "1y"), (364, "1y")])
def test_the_default_period_is_the_shortest_preset_holding_the_latest_listening(auckland_listener, days_ago, key):
    # Half past midnight in Auckland is the day before in UTC: the listener's own day decides.
    day = user_today(auckland_listener) - timedelta(days=days_ago)
    plays_add_for(auckland_listener, ("Björk", "Joga", datetime.combine(day, time(0, 30), AUCKLAND), 3))

    period = selectors.default_period(user=auckland_listener)

    assert period.key == key
    assert selectors.totals(user=auckland_listener, period=period)["plays"] == 1


def test_an_old_export_opens_on_the_year_of_its_latest_listening(auckland_listener):
    year = user_today(auckland_listener).year - 3
    plays_add_for(
        auckland_listener,
        ("Björk", "Joga", datetime(year - 1, 6, 1, 12, 0, tzinfo=AUCKLAND), 3),
        ("Björk", "Hyperballad", datetime(year, 1, 1, 0, 30, tzinfo=AUCKLAND), 3),
    )

    period = selectors.default_period(user=auckland_listener)

    assert (period.start, period.end, period.label) == (date(year, 1, 1), date(year, 12, 31), str(year))
    assert selectors.totals(user=auckland_listener, period=period)["plays"] == 1


def test_a_listener_without_listening_opens_on_the_last_four_weeks(listener):
    assert selectors.default_period(user=listener).key == "4w"


def test_streaks_count_only_the_periods_days(amsterdam_listener):
    today = user_today(amsterdam_listener)
    days = [today - timedelta(days=n) for n in (40, 39, 38, 37, 10, 2, 1)]
    plays_add_for(amsterdam_listener, *[("Björk", "Joga", local(day, 12), 3) for day in days])
    four_weeks = period_parse(user=amsterdam_listener, key="4w")
    past = period_of(today - timedelta(days=45), today - timedelta(days=38), "six weeks ago")

    recent = selectors.streaks(user=amsterdam_listener, period=four_weeks)
    earlier = selectors.streaks(user=amsterdam_listener, period=past)

    assert recent == {"current": {"days": 2, "start": days[5], "end": days[6]},
                      "longest": {"days": 2, "start": days[5], "end": days[6]}}
    # The four-day run is cut at the period's end; a period long over has no current streak.
    assert earlier == {"current": None, "longest": {"days": 3, "start": days[0], "end": days[2]}}
