"""What one play is (listening/services/plays.py): every row a source records is a play except exact duplicates;
records of one listening by different sources (an export and the sync, account data and an extended export)
are one play; an import tells the three kinds of known rows apart. Checked against the real exports."""

import json
import zoneinfo
from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import IntegrityError, transaction
from django.db.models import Sum

from listening import selectors
from listening.models import HourlyListening, Play, PlayRecord, SpotifySync, Track
from listening.periods import period_of
from listening.services import spotify_sync_run
from tests.factories import plays_add_for
from tests.fakes.exports import PLAYS_PER_FILE
from tests.fakes.exports import extended_rows as synthetic_rows
from tests.fakes.spotify import recorded_tracks
from tests.listening.test_import import ACCOUNT, AUDIO_2023, ENDSONG, VIDEO_2023, spotify_zip, zip_of
from tests.listening.test_sync import connect, quick_spotify  # noqa: F401 (autouse)

AUCKLAND = zoneinfo.ZoneInfo("Pacific/Auckland")  # far from UTC, and its clocks change twice in 2023


# --- the exports' own count, straight from their JSON ---------------------------------------------------
def item_of(row: dict) -> str | None:
    """What an extended-history row played (as the export names it), or None for a row that names nothing."""
    if row.get("spotify_track_uri") and row.get("master_metadata_track_name"):
        return row["spotify_track_uri"]
    if row.get("spotify_episode_uri") and row.get("episode_name"):
        return row["spotify_episode_uri"]
    return row.get("audiobook_chapter_uri") or row.get("audiobook_uri")


def extended_rows(*paths) -> list[dict]:
    return [row for path in paths for row in json.loads(path.read_bytes()) if item_of(row)]


def kept(rows: list[dict], key, ms: str = "ms_played") -> dict:
    """One row per key: the one with the most ms played (exact duplicates are one play, its longest)."""
    best = {}
    for row in rows:
        if key(row) not in best or row[ms] > best[key(row)][ms]:
            best[key(row)] = row
    return best


def exact(row: dict) -> tuple:
    return row["ts"], item_of(row)


def ended(row: dict) -> datetime:
    return datetime.fromisoformat(row["ts"].replace("Z", "+00:00"))


def minutes_total(user) -> int:
    return Play.objects.filter(user=user).aggregate(ms=Sum("ms_played"))["ms"]


# --- one source ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("paths", [(AUDIO_2023, VIDEO_2023), (ENDSONG,)], ids=["extended 2023", "endsong"])
def test_every_row_of_a_seconds_precise_export_is_a_play_except_exact_duplicates(listener, run_import, paths):
    rows = extended_rows(*paths)
    plays = kept(rows, exact)

    job = run_import(listener, spotify_zip(*paths))

    assert job.summary["rows"] == len(rows)
    assert job.summary["added"] == Play.objects.filter(user=listener).count() == len(plays)
    assert job.summary["duplicates_in_upload"] == len(rows) - len(plays) > 0
    # The minutes are the export's own, summed over the rows kept, in the plays and in every roll-up.
    expected_ms = sum(row["ms_played"] for row in plays.values())
    assert minutes_total(listener) == expected_ms
    assert HourlyListening.objects.filter(user=listener).aggregate(ms=Sum("ms_played"))["ms"] == expected_ms


def test_skip_backs_repeats_and_paused_listens_of_one_song_minutes_apart_or_less_are_each_a_play(
    listener, run_import
):
    rows = sorted(kept(extended_rows(ENDSONG, AUDIO_2023), exact).values(), key=ended)
    close = [
        (first, second) for first, second in zip(rows, rows[1:])
        if item_of(first) == item_of(second) and 0 < (ended(second) - ended(first)).total_seconds() < 60
    ]
    assert len(close) > 20  # real exports are full of them
    run_import(listener, spotify_zip(ENDSONG, AUDIO_2023))

    for first, second in close:
        for row in (first, second):
            play = Play.objects.get(user=listener, ended_at=ended(row), source="extended",
                                    track__spotify_id=item_of(row).rsplit(":", 1)[-1])
            assert play.ms_played == row["ms_played"]


def test_the_most_played_songs_of_october_are_counted_from_every_listen(listener, run_import):
    listener.time_zone = "Pacific/Auckland"
    listener.save(update_fields=["time_zone"])
    songs = [row for row in kept(extended_rows(AUDIO_2023), exact).values() if row.get("spotify_track_uri")]
    october = Counter(row["spotify_track_uri"] for row in songs if ended(row).astimezone(AUCKLAND).month == 10)

    run_import(listener, spotify_zip(AUDIO_2023))

    entries = selectors.top(user=listener, period=period_of(date(2023, 10, 1), date(2023, 10, 31), "October"),
                            kind="tracks", limit=1000)
    assert {f"spotify:track:{entry.item.spotify_id}": entry.plays for entry in entries} == october
    assert entries[0].plays == max(october.values())


def test_account_data_gives_the_minute_only_so_a_song_repeated_in_one_minute_is_one_play(listener, run_import):
    rows = [row for row in json.loads(ACCOUNT.read_bytes()) if row.get("trackName")]
    plays = kept(rows, lambda row: (row["endTime"], row["artistName"], row["trackName"]), ms="msPlayed")

    job = run_import(listener, spotify_zip(ACCOUNT, folder="Spotify Account Data"))

    assert job.summary["added"] == Play.objects.filter(user=listener).count() == len(plays)
    assert job.summary["duplicates_in_upload"] == len(rows) - len(plays) > 0
    assert minutes_total(listener) == sum(row["msPlayed"] for row in plays.values())
    assert set(Play.objects.filter(user=listener).values_list("source", flat=True)) == {"account"}


def test_reimporting_tells_the_rows_already_in_the_history_from_repeats_inside_the_upload(listener, run_import):
    rows = extended_rows(AUDIO_2023)
    plays = kept(rows, exact)
    run_import(listener, spotify_zip(AUDIO_2023))

    again = run_import(listener, spotify_zip(AUDIO_2023)).summary

    assert again["added"] == 0 and Play.objects.filter(user=listener).count() == len(plays)
    assert again["already_in_history"] == len(plays)
    assert again["duplicates_in_upload"] == len(rows) - len(plays)
    assert again["matched_sync"] == 0


def test_the_same_export_twice_in_one_upload_is_imported_once_across_batches(listener, run_import):
    # Two copies of a 40,000-play export in one ZIP are more than one batch: the copy meets some of the plays in
    # the database (added by the batch before) and the rest inside its own batch.
    rows = list(synthetic_rows(40_000))
    files = {
        f"Spotify Extended Streaming History/Streaming_History_Audio_{copy}{number}.json":
            json.dumps(rows[start:start + PLAYS_PER_FILE]).encode()
        for copy in "ab" for number, start in enumerate(range(0, len(rows), PLAYS_PER_FILE))
    }

    summary = run_import(listener, zip_of(files)).summary

    assert summary["added"] == Play.objects.filter(user=listener).count() == 40_000
    assert summary["duplicates_in_upload"] == 40_000 and summary["already_in_history"] == 0


def test_the_database_refuses_a_source_recording_one_play_twice(listener):
    plays_add_for(listener, ("Björk", "Joga", datetime(2024, 5, 1, 12, 0, 7, tzinfo=UTC), 4))
    play = Play.objects.get(user=listener)

    with pytest.raises(IntegrityError), transaction.atomic():
        Play.objects.create(user=listener, kind="music", track=play.track, ended_at=play.ended_at, ms_played=1,
                            source="extended")
    # Another source's record of that moment is another row (pairing, not the database, makes it one play).
    Play.objects.create(user=listener, kind="music", track=play.track, ended_at=play.ended_at, ms_played=1,
                        source="sync")


# --- two sources ------------------------------------------------------------------------------------------
def recently_played(rows: list[dict], *, late_by: timedelta) -> list[dict]:
    """Spotify's recently-played items for these export rows (newest first), as the sync got them: played_at
    stamped by another system (`late_by` later, with milliseconds), the track's full length as its duration."""
    shape = recorded_tracks()[0]
    ids = {}  # one Spotify id per artist and per album, as Spotify has
    items = []
    for row in rows:
        spotify_id = row["spotify_track_uri"].rsplit(":", 1)[-1]
        artist_id = ids.setdefault(row["master_metadata_album_artist_name"], f"artist{len(ids):016d}")
        album_id = ids.setdefault((artist_id, row["master_metadata_album_album_name"]), f"album{len(ids):017d}")
        artist = {"id": artist_id, "name": row["master_metadata_album_artist_name"], "type": "artist",
                  "uri": f"spotify:artist:{artist_id}"}
        track = {**shape, "id": spotify_id, "uri": row["spotify_track_uri"], "name": row["master_metadata_track_name"],
                 "artists": [artist], "duration_ms": row["ms_played"] + 20_000, "is_local": False,
                 "album": {**shape["album"], "id": album_id, "artists": [artist],
                           "name": row["master_metadata_album_album_name"]}}
        played = ended(row) + late_by + timedelta(milliseconds=417)
        items.append({"track": track, "context": None,
                      "played_at": played.isoformat(timespec="milliseconds").replace("+00:00", "Z")})
    return sorted(items, key=lambda item: item["played_at"], reverse=True)


def synced_rows(count: int = 40) -> list[dict]:
    """The export's last songs that recently played would list (played over 30 s)."""
    songs = sorted((row for row in kept(extended_rows(AUDIO_2023), exact).values()
                    if row.get("spotify_track_uri") and row["ms_played"] > 30_000), key=ended)
    return songs[-count:]


@pytest.mark.parametrize("late_by", [timedelta(0), timedelta(seconds=2)], ids=["same second", "2 s later"])
def test_an_export_overlapping_a_recorded_sync_adds_exactly_the_missing_plays(spotify, listener, run_import, late_by):
    synced = synced_rows()
    connect(spotify, listener, played=recently_played(synced, late_by=late_by))
    assert spotify_sync_run(user=listener).plays_added == len(synced)
    rows = extended_rows(AUDIO_2023, VIDEO_2023)
    plays = kept(rows, exact)

    job = run_import(listener, spotify_zip(AUDIO_2023, VIDEO_2023))

    assert job.summary["matched_sync"] == len(synced)
    assert job.summary["added"] == len(plays) - len(synced)
    assert Play.objects.filter(user=listener).count() == len(plays)
    # Each play shows the export's record (the sync's time was a guess of the length): the minutes are the export's.
    assert minutes_total(listener) == sum(row["ms_played"] for row in plays.values())
    for row in synced:
        play = Play.objects.get(user=listener, track__spotify_id=row["spotify_track_uri"].rsplit(":", 1)[-1],
                                ended_at=ended(row))
        assert (play.source, play.ms_played, play.platform) == ("extended", row["ms_played"], row["platform"])
        assert set(play.records.values_list("source", flat=True)) == {"extended", "sync"}
    # A sync fetching those plays again (a run cut short starts over) knows them.
    SpotifySync.objects.filter(user=listener).update(played_after_ms=0)
    assert spotify_sync_run(user=listener).plays_added == len(synced)  # the running total: nothing new
    assert Play.objects.filter(user=listener).count() == len(plays)


def test_a_sync_after_the_export_adds_nothing_it_had(spotify, listener, run_import):
    synced = synced_rows()
    rows = extended_rows(AUDIO_2023)
    plays = kept(rows, exact)
    run_import(listener, spotify_zip(AUDIO_2023))
    connect(spotify, listener, played=recently_played(synced, late_by=timedelta(seconds=1)))

    assert spotify_sync_run(user=listener).plays_added == 0

    assert Play.objects.filter(user=listener).count() == len(plays)
    assert minutes_total(listener) == sum(row["ms_played"] for row in plays.values())
    assert PlayRecord.objects.filter(user=listener, source="sync").count() == len(synced)


def account_data_of(rows: list[dict]) -> bytes:
    """The account-data export Spotify makes of the same listening: music only, to the minute, names only."""
    songs = [{"endTime": row["ts"][:16].replace("T", " "), "artistName": row["master_metadata_album_artist_name"],
              "trackName": row["master_metadata_track_name"], "msPlayed": row["ms_played"]}
             for row in rows if row.get("spotify_track_uri")]
    return json.dumps(songs).encode()


@pytest.mark.parametrize("account_first", [True, False], ids=["account data first", "extended first"])
def test_account_data_and_the_extended_export_of_the_same_year_are_counted_once(listener, run_import, account_first):
    rows = extended_rows(AUDIO_2023)
    plays = kept(rows, exact)
    account = zip_of({"Spotify Account Data/StreamingHistory_music_0.json": account_data_of(rows)})
    extended = spotify_zip(AUDIO_2023)

    first = run_import(listener, account if account_first else extended).summary
    second = run_import(listener, extended if account_first else account).summary

    assert Play.objects.filter(user=listener).count() == len(plays)
    if account_first:  # every account-data play met the listen it recorded; the other rows are new plays
        assert second["already_in_history"] == first["added"]
        assert second["added"] == len(plays) - first["added"]
    else:
        assert second["added"] == 0
        assert second["already_in_history"] == second["rows"] - second["duplicates_in_upload"]
    # Same-minute repeats in the account data are one record of the longest, matched to that listen: the
    # minutes are the extended export's.
    assert minutes_total(listener) == sum(row["ms_played"] for row in plays.values())
    assert not Play.objects.filter(user=listener, kind="music").exclude(source="extended").exists()
    # A song with two Spotify ids (album and single) is one song to account data: every listen still pairs.
    assert Track.objects.filter(spotify_id__isnull=True, plays__user=listener).count() == 0


def test_an_upload_holding_both_exports_counts_each_listen_once(listener, run_import):
    rows = extended_rows(AUDIO_2023)
    plays = kept(rows, exact)

    summary = run_import(listener, zip_of({
        "Spotify Account Data/StreamingHistory_music_0.json": account_data_of(rows),
        "Spotify Extended Streaming History/Streaming_History_Audio_2023.json": AUDIO_2023.read_bytes(),
    })).summary

    assert summary["added"] == Play.objects.filter(user=listener).count() == len(plays)
    assert summary["duplicates_in_upload"] == summary["rows"] - len(plays)
