"""Listening's files in the "download my data" ZIP (listening/selectors/export.py): every play with its sources,
the imports, the library, taste and the sync, and nobody else's."""

import json
from datetime import UTC, datetime, timedelta

from django.utils import timezone

from listening.models import ImportJob
from listening.services import taste_sharing_set
from tests.accounts.test_data_export import csv_rows, download
from tests.conftest import client_for
from tests.factories import plays_add_for
from tests.listening.test_import import AUDIO_2023, spotify_zip


def plays_in(export: list[dict]) -> set[tuple]:
    """What identifies a play: when it ended and what played."""
    return {(row["ended_at"], row["spotify_id"]) for row in export}


def test_every_play_of_an_imported_export_is_in_the_csv_with_what_spotify_recorded(client, listener, run_import):
    job = run_import(listener, spotify_zip(AUDIO_2023))
    records = json.loads(AUDIO_2023.read_bytes())

    _, archive = download(client_for(client, listener))

    plays = csv_rows(archive, "listening/plays.csv")
    # Spotify's rows, less exact duplicates (the same item ending at the same second).
    recorded = {(datetime.fromisoformat(r["ts"]).isoformat(), (r["spotify_track_uri"] or r["spotify_episode_uri"])
                 .rsplit(":", 1)[1]) for r in records}
    assert len(plays) == len(recorded) and plays_in(plays) == recorded
    assert [int(row["play"]) for row in plays] == list(range(1, len(plays) + 1))
    assert plays[0] == {
        "play": "1", "ended_at": "2023-01-28T08:12:08+00:00", "kind": "music",
        "track": "Everybody Wants To Rule The World - From “The Hunger Games: Catching Fire” Soundtrack",
        "artist": "Lorde", "album": "The Hunger Games: Catching Fire", "episode": "", "show": "",
        "spotify_id": "3S1tTwSKIZgf4QGltFyCxM", "ms_played": "92351", "sources": "extended",
        "reason_start": "clickrow", "reason_end": "endplay", "shuffle": "false", "skipped": "true",
        "offline": "false", "platform": "android", "country": "IN", "import": str(job.public_id),
    }
    assert {row["kind"] for row in plays} == {"music", "podcast"}
    imports = json.loads(archive.read("listening/imports.json"))
    assert [(i["id"], i["filename"], i["status"], i["summary"]["added"]) for i in imports] == [
        (str(job.public_id), "my_spotify_data.zip", ImportJob.Status.DONE, len(plays)),
    ]


def test_a_play_two_sources_recorded_is_one_row_naming_both_and_each_record_is_kept(client, listener):
    ended = datetime(2025, 3, 30, 0, 59, 30, tzinfo=UTC)  # in the hour Europe's clocks skip
    plays_add_for(listener, ("Robyn", "Dancing On My Own", ended, 4.5))
    plays_add_for(listener, ("Robyn", "Dancing On My Own", ended, 4.8), source="sync")
    plays_add_for(listener, ("Robyn", "Hang With Me", ended + timedelta(minutes=5), 4), source="sync")

    _, archive = download(client_for(client, listener))

    plays = csv_rows(archive, "listening/plays.csv")
    assert [(p["play"], p["track"], p["sources"]) for p in plays] == [
        ("1", "Dancing On My Own", "extended sync"), ("2", "Hang With Me", "sync"),
    ]
    assert plays[0]["import"] == plays[1]["import"] == ""
    sources = csv_rows(archive, "listening/play_sources.csv")
    assert [(s["play"], s["source"], s["ms_played"]) for s in sources] == [("1", "extended", "270000"),
                                                                             ("1", "sync", "288000")]


def test_another_listeners_plays_library_and_taste_are_never_in_it(client, listener, other_listener, run_import):
    run_import(other_listener, spotify_zip(AUDIO_2023))
    plays_add_for(other_listener, ("Nobody You Know", "Their Secret Song", timezone.now(), 3))
    taste_sharing_set(user=other_listener, public=True)
    plays_add_for(listener, ("Robyn", "Dancing On My Own", timezone.now(), 4))

    _, archive = download(client_for(client, listener))

    everything = "".join(archive.read(name).decode() for name in archive.namelist())
    assert "Their Secret Song" not in everything and "Nobody You Know" not in everything
    assert "Lorde" not in everything and "my_spotify_data.zip" not in everything
    assert [row["track"] for row in csv_rows(archive, "listening/plays.csv")] == ["Dancing On My Own"]
    taste = json.loads(archive.read("listening/taste.json"))
    assert taste == {"share_my_taste": False, "top_artists": [{"artist": "Robyn", "share": 1.0}],
                     "published_taste": []}
