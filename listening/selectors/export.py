"""Listening's files in the "download my data" ZIP (accounts.data_export): every play with its sources, the
imports, the library, taste and the Spotify sync. Plays are read through a server-side cursor a batch at a time,
so a history of millions goes out without being held."""

from __future__ import annotations

from collections.abc import Iterator

from django.db import connection

from accounts.hooks import ExportFile, csv_file, json_file
from accounts.models import User
from listening.models import Artist, ArtistAffinity, ImportJob, SpotifySync, TopSnapshot, Track
from listening.selectors.library import library_export
from listening.selectors.taste import taste_top_artists

ROWS_PER_FETCH = 5000

PLAY_COLUMNS = ["play", "ended_at", "kind", "track", "artist", "album", "episode", "show", "spotify_id", "ms_played",
                "sources", "reason_start", "reason_end", "shuffle", "skipped", "offline", "platform", "country",
                "import"]
SOURCE_COLUMNS = ["play", "source", "ended_at", "ms_played", "track", "artist", "album", "episode", "show",
                  "reason_start", "reason_end", "shuffle", "skipped", "offline", "platform", "country", "import"]


def _text(column: str) -> str:
    """A text column as the CSV cell: one a spreadsheet would run as a formula (=, +, -, @) starts with '."""
    return f"CASE WHEN left({column}, 1) IN ('=', '+', '-', '@') THEN '''' || {column} ELSE {column} END"


def _time(column: str) -> str:
    return f"""to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS') || '+00:00'"""


# The cells come from PostgreSQL as text ready to write: formatting a million rows' times, ids and flags in
# Python took a minute. Plays are numbered in time order so that play_sources.csv can say whose record is whose.
_NUMBERED = "SELECT id, row_number() OVER (ORDER BY ended_at, id) AS n FROM listening_play WHERE user_id = %(user)s"
_ITEM = f"""{_text("t.name")}, {_text("ar.name")}, {_text("al.name")}, {_text("e.name")}, {_text("e.show_name")}"""
_HOW = f"""x.reason_start, x.reason_end, x.shuffle::text, x.skipped::text, x.offline::text, {_text("x.platform")},
    x.country, j.public_id::text"""
_ITEM_JOINS = """
    LEFT JOIN listening_track t ON t.id = x.track_id
    LEFT JOIN listening_artist ar ON ar.id = x.artist_id
    LEFT JOIN listening_album al ON al.id = x.album_id
    LEFT JOIN listening_episode e ON e.id = x.episode_id
    LEFT JOIN listening_importjob j ON j.id = x.import_job_id"""
_PLAYS = f"""
SELECT row_number() OVER (ORDER BY x.ended_at, x.id), {_time("x.ended_at")}, x.kind, {_ITEM},
    coalesce(t.spotify_id, e.spotify_id), x.ms_played,
    coalesce((SELECT string_agg(r.source, ' ' ORDER BY r.source) FROM listening_playrecord r WHERE r.play_id = x.id),
             x.source),
    {_HOW}
FROM listening_play x {_ITEM_JOINS}
WHERE x.user_id = %(user)s ORDER BY x.ended_at, x.id"""
_SOURCES = f"""
SELECT numbered.n, x.source, {_time("x.ended_at")}, x.ms_played, {_ITEM}, {_HOW}
FROM listening_playrecord x JOIN ({_NUMBERED}) numbered ON numbered.id = x.play_id {_ITEM_JOINS}
WHERE x.user_id = %(user)s ORDER BY numbered.n, x.source"""


def data_export_files(user: User) -> list[ExportFile]:
    return [
        csv_file(
            "listening/plays.csv",
            "Every play in your history, oldest first, as the stats count it: when it ended (UTC), what played, "
            "for how long (ms), the sources that recorded it (extended: extended streaming history, account: "
            "account data, sync: Spotify sync), how it started and ended, and the import that added it (empty: "
            "the sync).",
            PLAY_COLUMNS, lambda: _rows(_PLAYS, user),
        ),
        csv_file(
            "listening/play_sources.csv",
            "For each play more than one source recorded (an export overlapping the sync, say), each source's own "
            "record of it; `play` is the play's number in plays.csv.",
            SOURCE_COLUMNS, lambda: _rows(_SOURCES, user),
        ),
        json_file("listening/imports.json",
                  "Every export you uploaded and what became of it: its summary (plays added, duplicates, rows that "
                  "could not be read), errors, and whether it was undone. The uploaded files are not kept.",
                  lambda: _imports(user)),
        json_file("listening/library.json",
                  "Your favourites, ratings, playlists and the songs you picked to start with.",
                  lambda: library_export(user)),
        json_file("listening/taste.json",
                  "Your taste settings (whether you share it), the artists that weigh most in it now, and the taste "
                  "others see when you share it.",
                  lambda: _taste(user)),
        json_file("listening/spotify_sync.json",
                  "Where your Spotify sync stands, and the top artists and songs Spotify gave us for you.",
                  lambda: _sync(user)),
    ]


def _rows(sql: str, user: User) -> Iterator[tuple]:
    with connection.chunked_cursor() as cursor:
        cursor.execute(sql, {"user": user.pk})
        while rows := cursor.fetchmany(ROWS_PER_FETCH):
            yield from rows


def _imports(user: User) -> list[dict]:
    return [
        {"id": str(job.public_id), "filename": job.filename, "size_bytes": job.size_bytes, "status": job.status,
         "summary": job.summary, "error": job.error, "uploaded_at": job.created_at, "started_at": job.started_at,
         "finished_at": job.finished_at}
        for job in ImportJob.objects.filter(user=user).order_by("created_at")
    ]


def _taste(user: User) -> dict:
    published = ArtistAffinity.objects.filter(user=user).select_related("artist").order_by("-weight", "artist_id")
    return {
        "share_my_taste": user.public_profile,
        "top_artists": [{"artist": artist.name, "share": round(share, 4)}
                        for artist, share in taste_top_artists(user=user)],
        "published_taste": [{"artist": row.artist.name, "weight": row.weight} for row in published],
    }


def _sync(user: User) -> dict:
    sync = SpotifySync.objects.filter(user=user).first()
    snapshots = list(TopSnapshot.objects.filter(user=user).order_by("taken_on", "kind", "time_range"))
    names = _catalog_names(snapshots)
    return {
        "sync": None if sync is None else {
            "last_run_at": sync.last_run_at, "last_success_at": sync.last_success_at,
            "last_error": sync.last_error, "plays_added": sync.plays_added,
        },
        "spotify_top_lists": [
            {"taken_on": snapshot.taken_on, "kind": snapshot.kind, "time_range": snapshot.get_time_range_display(),
             "items": [names[snapshot.kind].get(item_id, "") for item_id in snapshot.item_ids]}
            for snapshot in snapshots
        ],
    }


def _catalog_names(snapshots: list[TopSnapshot]) -> dict[str, dict[int, str]]:
    wanted = {kind: {i for s in snapshots if s.kind == kind for i in s.item_ids} for kind in ("artists", "tracks")}
    return {
        "artists": dict(Artist.objects.filter(pk__in=wanted["artists"]).values_list("pk", "name")),
        "tracks": dict(Track.objects.filter(pk__in=wanted["tracks"]).values_list("pk", "name")),
    }
