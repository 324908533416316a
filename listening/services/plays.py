"""Writes for plays and the catalog, in bulk: every path that adds listening history comes through here."""

from __future__ import annotations

import io
from collections import Counter
from dataclasses import dataclass, field

from django.db import connection, transaction

from accounts.models import User
from listening.imports import PlayRow
from listening.models import DEDUPE_WINDOW_SECONDS
from listening.names import name_key
from listening.services.periods import period_fold_ctes, rolling_starts, sessions_refresh
from listening.services.rollups import USER_HISTORY_LOCK, fold_ctes

# Catalog rows are shared by everyone; concurrent imports take this lock while they add to it, so two
# imports never both create "the same" artist. The plays themselves need no lock (ON CONFLICT).
CATALOG_LOCK = 0x5EC0_CA7A


@dataclass
class ImportSummary:
    """What an import did, as the user is told."""

    rows: int = 0
    added: int = 0
    duplicates: int = 0
    added_by_kind: Counter = field(default_factory=Counter)
    unreadable: Counter = field(default_factory=Counter)

    def add(self, other: ImportSummary) -> None:
        self.rows += other.rows
        self.added += other.added
        self.duplicates += other.duplicates
        self.added_by_kind += other.added_by_kind
        self.unreadable += other.unreadable

    def as_dict(self) -> dict:
        return {
            "rows": self.rows, "added": self.added, "duplicates": self.duplicates,
            "music": self.added_by_kind["music"], "podcasts": self.added_by_kind["podcast"],
            "audiobooks": self.added_by_kind["audiobook"], "unreadable": dict(self.unreadable),
        }


@transaction.atomic
def plays_add(*, user: User, rows: list[PlayRow], source: str) -> ImportSummary:
    """Add plays to the user's history, creating catalog rows as needed. Plays already known (the same
    track within the dedupe window, from any source) are skipped, so re-adding the same rows adds nothing."""
    writer = PlaysWriter(user=user, source=source)
    return writer.add(writer.prepare(rows))


@dataclass
class PreparedRows:
    """A batch of rows as encoded COPY text, with the items and listening contexts it names for the first
    time; made without the database."""

    count: int
    data: bytes
    new_items: list[tuple[int, PlayRow]]  # (item number, a row naming it)
    new_contexts: list[str]  # COPY text of play_context rows


class PlaysWriter:
    """Adds batches of one user's plays inside the caller's transaction, the way plays_add does. An import's
    many batches share one writer, so each song is looked up in the catalog once, not once per batch.

    `prepare` is plain Python and may run on another thread (an import prepares the next batch while the
    database adds this one); `add` does the database work. Rows name their items, and their listening
    context (reasons, flags, platform, country: a handful of combinations per history), by numbers the writer
    gives each the first time it sees it; `add` maps new item numbers to catalog ids in play_item and
    stores new contexts in play_context, so each play is four integers to COPY. One writer at a time per
    transaction."""

    def __init__(self, *, user: User, source: str, bulk: bool = False):
        # bulk: many batches (an import). Period totals and sessions are then marked out of date and rebuilt
        # once after commit, rather than folded in batch by batch.
        self.user, self.source, self.bulk = user, source, bulk
        self.catalog = _Catalog()
        self.item_numbers: dict[tuple, int] = {}
        self.context_numbers: dict[tuple, int] = {}
        self.started = False
        self.periods_built_on = None

    def prepare(self, rows: list[PlayRow]) -> PreparedRows:
        items, contexts, new_items, new_contexts, lines = self.item_numbers, self.context_numbers, [], [], []
        for row in rows:
            key = (row.kind, row.item_uri, row.artist_or_show, row.name)
            item = items.get(key)
            if item is None:
                item = items[key] = len(items)
                new_items.append((item, row))
            context = (row.reason_start, row.reason_end, row.shuffle, row.skipped, row.offline, row.platform,
                       row.country)
            number = contexts.get(context)
            if number is None:
                number = contexts[context] = len(contexts)
                new_contexts.append("\t".join((
                    str(number), *map(_text, context[:2]), *(_FLAGS[flag] for flag in context[2:5]),
                    *map(_text, context[5:]),
                )) + "\n")
            lines.append(f"{item}\t{number}\t{row.ended_at}\t{row.ms_played}\n")
        return PreparedRows(len(rows), "".join(lines).encode(), new_items, new_contexts)

    def add(self, prepared: PreparedRows) -> ImportSummary:
        summary = ImportSummary(rows=prepared.count)
        if not prepared.count:
            return summary
        if not connection.in_atomic_block:
            raise RuntimeError("PlaysWriter.add needs a transaction (its locks and catalog ids live in one).")
        with connection.cursor() as cursor:
            self.stage(cursor, prepared)
            # Right after a big import the table's statistics are stale, and the planner, believing the user
            # has few plays, picks a nested loop or a merge on the item alone (popular songs then compare
            # every play with every play): minutes instead of a second. A hash join on (item, minute) is
            # right at every size here, so this statement is told so, with the memory to sort a batch.
            cursor.execute(INSERT_PLANNER_SETTINGS)
            params = insert_params(self.user, self.source)
            if self.periods_built_on:
                cursor.execute(INSERT_NEW_PLAYS_WITH_PERIODS, {**params, **rolling_starts(self.periods_built_on)})
            else:
                cursor.execute(INSERT_NEW_PLAYS, params)
            added = cursor.fetchall()
            cursor.execute(INSERT_PLANNER_RESET)
            for kind, count, *_ in added:
                summary.added_by_kind[kind] = count
            if added and self.periods_built_on:
                sessions_refresh(cursor, user=self.user, plays=[
                    pair for _, _, starts, ends in added for pair in zip(starts, ends, strict=True)
                ])
        summary.added = sum(summary.added_by_kind.values())
        summary.duplicates = summary.rows - summary.added
        return summary

    def _start(self, cursor) -> None:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [USER_HISTORY_LOCK, self.user.pk])
        # What a foreign key would check for every play, once: the user exists and stays until commit.
        cursor.execute("SELECT 1 FROM accounts_user WHERE id = %s FOR KEY SHARE", [self.user.pk])
        if cursor.fetchone() is None:
            raise User.DoesNotExist(f"User {self.user.pk} was deleted; their plays are not added.")
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CATALOG_LOCK])
        if self.bulk:
            cursor.execute(
                "INSERT INTO listening_periodtotalsstate (user_id, built_on) VALUES (%s, NULL) "
                "ON CONFLICT (user_id) DO UPDATE SET built_on = NULL", [self.user.pk],
            )
        else:
            cursor.execute("SELECT built_on FROM listening_periodtotalsstate WHERE user_id = %s", [self.user.pk])
            row = cursor.fetchone()
            self.periods_built_on = row[0] if row else None
        # Both tables live until the transaction ends; another writer before us may have used them.
        cursor.execute(_STAGING_TABLES)
        cursor.execute("TRUNCATE play_item, play_context")
        self.started = True

    def stage(self, cursor, prepared: PreparedRows) -> None:
        """Map the batch's new items to catalog ids, store its new contexts, and COPY its rows."""
        if not self.started:
            self._start(cursor)
        rows = [row for _, row in prepared.new_items]
        self.catalog.resolve(cursor, rows)
        _copy(cursor, "play_item (number, kind, track_id, episode_id, artist_id, album_id)", "".join(
            f"{number}\t{self.catalog.item_columns(row)}\n" for number, row in prepared.new_items
        ).encode())
        _copy(cursor, "play_context", "".join(prepared.new_contexts).encode())
        cursor.execute("TRUNCATE play_staging")
        _copy(cursor, "play_staging", prepared.data)


def _copy(cursor, table: str, data: bytes) -> None:
    # In one read: psycopg2 takes the interpreter lock back for every chunk it reads, and while the
    # read-ahead thread parses, each wait for it is a thread switch (up to 5 ms) — 1 s a million plays.
    if data:
        cursor.copy_expert(f"COPY {table} FROM STDIN", io.BytesIO(data), len(data))  # size: one read


INSERT_PLANNER_SETTINGS = (
    "SET LOCAL enable_nestloop = off; SET LOCAL enable_mergejoin = off; SET LOCAL work_mem = '64MB'"
)
INSERT_PLANNER_RESET = "SET LOCAL enable_nestloop = on; SET LOCAL enable_mergejoin = on; SET LOCAL work_mem TO DEFAULT"


def insert_params(user: User, source: str) -> dict:
    return {"user_id": user.pk, "source": source, "window": DEDUPE_WINDOW_SECONDS, "time_zone": user.time_zone}


_STAGING_TABLES = """
CREATE TEMP TABLE IF NOT EXISTS play_item (
    number integer PRIMARY KEY, kind text, track_id bigint, episode_id bigint, artist_id bigint, album_id bigint
) ON COMMIT DROP;
CREATE TEMP TABLE IF NOT EXISTS play_context (
    number integer PRIMARY KEY, reason_start text, reason_end text, shuffle boolean, skipped boolean,
    offline boolean, platform text, country text
) ON COMMIT DROP;
CREATE TEMP TABLE IF NOT EXISTS play_staging (
    item_number integer, context_number integer, ended_epoch bigint, ms_played integer
) ON COMMIT DROP
"""

# Keep one row per play, and fold the added ones into the roll-ups in the same statement: drop rows whose
# previous row for the same item ended less than the window before (the same play listed twice), then rows
# matching a stored play within the window. Stored plays are read once for the batch's time span (the
# (user, time) index), then matched by hash on (item, minute) with the neighbouring minutes.
# No ON CONFLICT: under the user's history lock nothing else writes these plays, and the two filters drop
# every row the unique keys would refuse, so a conflict would be a bug, raised rather than hidden (and
# ON CONFLICT's speculative insertion cost a sixth of the statement).
INSERT_NEW_PLAYS = """
WITH ordered AS (
    SELECT s.ended_epoch, s.ms_played, c.*, i.kind, i.track_id, i.episode_id, i.artist_id, i.album_id,
           coalesce(i.track_id, -i.episode_id) AS item,
           lag(s.ended_epoch) OVER (
               PARTITION BY coalesce(i.track_id, -i.episode_id) ORDER BY s.ended_epoch, s.ms_played DESC
           ) AS previous_end
    FROM play_staging s JOIN play_item i ON i.number = s.item_number JOIN play_context c ON c.number = s.context_number
), stored AS MATERIALIZED (
    SELECT coalesce(p.track_id, -p.episode_id) AS item, extract(epoch FROM p.ended_at)::bigint AS ended_epoch
    FROM listening_play p
    WHERE p.user_id = %(user_id)s
      AND p.ended_at BETWEEN to_timestamp((SELECT min(ended_epoch) FROM play_staging) - %(window)s)
                         AND to_timestamp((SELECT max(ended_epoch) FROM play_staging) + %(window)s)
), stored_minutes AS MATERIALIZED (
    SELECT item, ended_epoch, ended_epoch / 60 + shift AS minute FROM stored, (VALUES (-1), (0), (1)) AS v(shift)
), fresh AS (
    SELECT o.* FROM ordered o
    LEFT JOIN stored_minutes m
      ON m.item = o.item AND m.minute = o.ended_epoch / 60 AND abs(m.ended_epoch - o.ended_epoch) < %(window)s
    WHERE (o.previous_end IS NULL OR o.ended_epoch - o.previous_end >= %(window)s) AND m.item IS NULL
), inserted AS (
    INSERT INTO listening_play (
        user_id, kind, track_id, episode_id, artist_id, album_id, ended_at, ended_minute, ms_played, source,
        reason_start, reason_end, shuffle, skipped, offline, platform, country
    )
    SELECT %(user_id)s, kind, track_id, episode_id, artist_id, album_id, to_timestamp(ended_epoch),
           ended_epoch / 60, ms_played, %(source)s, coalesce(reason_start, ''), coalesce(reason_end, ''),
           shuffle, skipped, offline, coalesce(platform, ''), coalesce(country, '')
    FROM fresh
    RETURNING kind, track_id, artist_id, album_id, ended_at, ms_played, skipped
), """ + fold_ctes("inserted") + """
SELECT kind, count(*) FROM inserted GROUP BY kind
"""
# The same, also folding the plays into current period totals (small additions: sync), and saying when each
# added play started and ended, for the sessions.
INSERT_NEW_PLAYS_WITH_PERIODS = INSERT_NEW_PLAYS.replace(
    fold_ctes("inserted"), fold_ctes("inserted") + ", " + period_fold_ctes()
).replace(
    "SELECT kind, count(*) FROM inserted GROUP BY kind",
    "SELECT kind, count(*), array_agg(ended_at - ms_played * interval '1 millisecond'), array_agg(ended_at) "
    "FROM inserted GROUP BY kind",
)


_FLAGS = {True: "t", False: "f", None: "\\N"}
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _text(value) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, int):
        return str(value)
    return value.translate(_COPY_ESCAPES)


class _Catalog:
    """Finds or creates, in a handful of statements, every artist, album, track and episode the rows name,
    and remembers them for the rest of the transaction. New rows get their ids in the order the history first
    names them (ORDER BY the arrays' ordinality), whatever plan the database picks."""

    def __init__(self):
        self.cursor = None
        self.artist_ids: dict[str, int] = {}
        self.album_ids: dict[tuple[int, str], int] = {}
        self.track_ids: dict[tuple, tuple[int, int, int | None]] = {}
        self.episode_ids: dict[tuple, int] = {}

    @staticmethod
    def track_key(row: PlayRow) -> tuple:
        return ("uri", row.item_uri) if row.item_uri else ("name", name_key(row.artist_or_show), name_key(row.name))

    @staticmethod
    def episode_key(row: PlayRow) -> tuple:
        return ("uri", row.item_uri) if row.item_uri else ("name", name_key(f"{row.artist_or_show} — {row.name}"))

    def item_columns(self, row: PlayRow) -> str:
        """The row's kind, track, episode, artist and album ids as COPY text (once resolved)."""
        if row.kind == "music":
            track_id, artist_id, album_id = self.track_ids[self.track_key(row)]
            return f"music\t{track_id}\t\\N\t{artist_id}\t{_text(album_id)}"
        return f"{row.kind}\t\\N\t{self.episode_ids[self.episode_key(row)]}\t\\N\t\\N"

    def resolve(self, cursor, rows: list[PlayRow]) -> None:
        """Look up (or create) the items of `rows` not already known."""
        self.cursor = cursor
        music, episodes = {}, {}
        for row in rows:
            if row.kind == "music":
                key = self.track_key(row)
                if key not in self.track_ids:
                    music[key] = row
            else:
                key = self.episode_key(row)
                if key not in self.episode_ids:
                    episodes[key] = row
        if music:
            self._artists({
                key: row.artist_or_show for row in music.values()
                if (key := name_key(row.artist_or_show)) not in self.artist_ids
            })
            self._albums({
                pair: row.album for row in music.values()
                if row.album and (pair := (self.artist_ids[name_key(row.artist_or_show)], name_key(row.album)))
                not in self.album_ids
            })
            self._tracks(music)
        self._episodes(episodes)

    def _rows(self, sql: str, params) -> list[tuple]:
        self.cursor.execute(sql, params)
        return self.cursor.fetchall()

    def _artists(self, names: dict[str, str]) -> None:
        if not names:
            return
        keys = list(names)
        self.cursor.execute(
            """INSERT INTO listening_artist (name, name_key, image_url)
               SELECT n.name, n.key, '' FROM unnest(%s::text[], %s::text[]) WITH ORDINALITY AS n(key, name, position)
               WHERE NOT EXISTS (SELECT 1 FROM listening_artist a WHERE a.name_key = n.key) ORDER BY n.position""",
            [keys, [names[key] for key in keys]],
        )
        # Several artists can share a name; an import that knows only the name takes the oldest.
        for key, artist_id in self._rows(
            "SELECT name_key, min(id) FROM listening_artist WHERE name_key = ANY(%s) GROUP BY name_key", [keys]
        ):
            self.artist_ids[key] = artist_id

    def _albums(self, albums: dict[tuple[int, str], str]) -> None:
        if not albums:
            return
        artist_ids, keys = zip(*albums)
        names = [albums[pair] for pair in albums]
        self.cursor.execute(
            """INSERT INTO listening_album (artist_id, name, name_key, image_url)
               SELECT n.artist_id, n.name, n.key, '' FROM unnest(%s::bigint[], %s::text[], %s::text[])
                   WITH ORDINALITY AS n(artist_id, key, name, position)
               WHERE NOT EXISTS (SELECT 1 FROM listening_album a WHERE a.artist_id = n.artist_id AND a.name_key = n.key)
               ORDER BY n.position""",
            [list(artist_ids), list(keys), names],
        )
        for artist_id, key, album_id in self._rows(
            """SELECT a.artist_id, a.name_key, min(a.id) FROM listening_album a
               JOIN unnest(%s::bigint[], %s::text[]) AS n(artist_id, key) ON a.artist_id = n.artist_id AND a.name_key = n.key
               GROUP BY a.artist_id, a.name_key""",
            [list(artist_ids), list(keys)],
        ):
            self.album_ids[(artist_id, key)] = album_id

    def _tracks(self, music: dict[tuple, PlayRow]) -> None:
        by_uri = {key[1].rsplit(":", 1)[-1]: row for key, row in music.items() if key[0] == "uri"}
        if by_uri:
            ids = list(by_uri)
            rows = [by_uri[spotify_id] for spotify_id in ids]
            artist_ids = [self.artist_ids[name_key(row.artist_or_show)] for row in rows]
            album_ids = [self.album_ids.get((a, name_key(row.album))) if row.album else None
                         for a, row in zip(artist_ids, rows)]
            self.cursor.execute(
                """INSERT INTO listening_track (spotify_id, artist_id, album_id, name, name_key, isrc)
                   SELECT n.spotify_id, n.artist_id, n.album_id, n.name, n.key, ''
                   FROM unnest(%s::text[], %s::bigint[], %s::bigint[], %s::text[], %s::text[])
                       WITH ORDINALITY AS n(spotify_id, artist_id, album_id, name, key, position)
                   ORDER BY n.position
                   ON CONFLICT (spotify_id) DO NOTHING""",
                [ids, artist_ids, album_ids, [r.name for r in rows], [name_key(r.name) for r in rows]],
            )
            for spotify_id, track_id, artist_id, album_id in self._rows(
                "SELECT spotify_id, id, artist_id, album_id FROM listening_track WHERE spotify_id = ANY(%s)", [ids]
            ):
                self.track_ids[("uri", f"spotify:track:{spotify_id}")] = (track_id, artist_id, album_id)
        by_name = [key for key in music if key[0] == "name"]
        if by_name:
            artist_ids = [self.artist_ids[key[1]] for key in by_name]
            names = [music[key].name for key in by_name]
            track_keys = [key[2] for key in by_name]
            album_ids = [self.album_ids.get((a, name_key(music[key].album))) if music[key].album else None
                         for a, key in zip(artist_ids, by_name)]
            # Names only (account data): match the catalog, or keep the names until search resolves them.
            self.cursor.execute(
                """INSERT INTO listening_track (artist_id, album_id, name, name_key, isrc)
                   SELECT n.artist_id, n.album_id, n.name, n.key, ''
                   FROM unnest(%s::bigint[], %s::bigint[], %s::text[], %s::text[])
                       WITH ORDINALITY AS n(artist_id, album_id, name, key, position)
                   WHERE NOT EXISTS (SELECT 1 FROM listening_track t WHERE t.artist_id = n.artist_id AND t.name_key = n.key)
                   ORDER BY n.position""",
                [artist_ids, album_ids, names, track_keys],
            )
            artist_keys = {self.artist_ids[key[1]]: key[1] for key in by_name}
            for artist_id, key, track_id, album_id in self._rows(
                """SELECT DISTINCT ON (t.artist_id, t.name_key) t.artist_id, t.name_key, t.id, t.album_id
                   FROM listening_track t
                   JOIN unnest(%s::bigint[], %s::text[]) AS n(artist_id, key) ON t.artist_id = n.artist_id AND t.name_key = n.key
                   ORDER BY t.artist_id, t.name_key, (t.spotify_id IS NULL), t.id""",
                [artist_ids, track_keys],
            ):
                self.track_ids[("name", artist_keys[artist_id], key)] = (track_id, artist_id, album_id)

    def _episodes(self, episodes: dict[tuple, PlayRow]) -> None:
        if not episodes:
            return
        keys = list(episodes)
        rows = [episodes[key] for key in keys]
        spotify_ids = [key[1].rsplit(":", 1)[-1] if key[0] == "uri" else None for key in keys]
        name_keys = [name_key(f"{row.artist_or_show} — {row.name}") for row in rows]
        self.cursor.execute(
            """INSERT INTO listening_episode (kind, spotify_id, name, show_name, name_key)
               SELECT n.kind, n.spotify_id, n.name, n.show_name, n.key
               FROM unnest(%s::text[], %s::text[], %s::text[], %s::text[], %s::text[])
                   WITH ORDINALITY AS n(kind, spotify_id, name, show_name, key, position)
               WHERE n.spotify_id IS NOT NULL
                  OR NOT EXISTS (SELECT 1 FROM listening_episode e WHERE e.name_key = n.key)
               ORDER BY n.position
               ON CONFLICT (spotify_id) DO NOTHING""",
            [[row.kind for row in rows], spotify_ids, [r.name for r in rows], [r.artist_or_show for r in rows], name_keys],
        )
        found = self._rows(
            """SELECT spotify_id, name_key, id FROM listening_episode
               WHERE spotify_id = ANY(%s) OR (spotify_id IS NULL AND name_key = ANY(%s))""",
            [[s for s in spotify_ids if s], [k for s, k in zip(spotify_ids, name_keys) if not s]],
        )
        by_spotify_id = {spotify_id: episode_id for spotify_id, _, episode_id in found if spotify_id}
        by_name = {}
        for spotify_id, key, episode_id in found:
            if not spotify_id:
                by_name[key] = min(episode_id, by_name.get(key, episode_id))
        for key, spotify_id, nkey in zip(keys, spotify_ids, name_keys):
            self.episode_ids[key] = by_spotify_id[spotify_id] if spotify_id else by_name[nkey]

