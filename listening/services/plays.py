"""Writes for plays and the catalog, in bulk: every path that adds listening history comes through here.

What one play is (DESIGN.md): every row a source records is a play, except exact duplicates (the same song ending
at the same moment, to that source's precision). Rows of different sources for the same listening (an export
overlapping the sync, account data overlapping an extended export) pair one-to-one, nearest first, within what
their precisions allow. The play shows the richest source's record with the longest measured ms_played, and keeps
each source's record (PlayRecord): a row sent again is known, and an undone import leaves the others' records.
"""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date

from django.db import connection, transaction

from accounts.models import User
from listening.imports import PlayRow
from listening.models import ImportJob, Play
from listening.names import name_key
from listening.services.periods import period_fold_ctes, rolling_starts, sessions_refresh
from listening.services.rollups import fold_ctes, history_lock, rollups_refold

# Catalog rows are shared by everyone; concurrent imports take this lock while they add to it, so two
# imports never both create "the same" artist. A user's plays have a lock of their own (history_lock).
CATALOG_LOCK = 0x5EC0_CA7A

# Sources richest first (the order Play.Source declares them): a play shows the richest record of it.
SOURCES = [source.value for source in Play.Source]
# How precisely each source stamps the end of a play, in seconds: account data cuts it to the minute.
PRECISION_SECONDS = {Play.Source.EXTENDED: 1, Play.Source.SYNC: 1, Play.Source.ACCOUNT: 60}
# How far apart, beyond their precisions, two sources may stamp the end of the same listening: Spotify's
# systems stamp it separately, and account data's minutes may be rounded rather than cut. Under a minute, so
# two records of one listening never lie more than a minute apart (the pairing looks in the neighbouring ones).
PAIRING_SLACK_SECONDS = 30
# Sources that measured ms_played; sync's is the track's length, since recently played does not say.
MEASURED = (Play.Source.EXTENDED, Play.Source.ACCOUNT)
# The most items (and listening contexts) a writer remembers, each with its catalog rows and song: about 1.4 kB
# each, so an export crafted to name millions of songs stays within 500 MB. Past this the writer forgets
# everything at the next batch and looks up again what is named again; most histories name fewer songs, and the
# largest pay a look-up or two more per song.
REMEMBERED_ITEMS = 100_000


def _precision(source: str) -> str:
    """SQL: the precision in seconds of the source in the SQL expression `source`."""
    cases = " ".join(f"WHEN '{name}' THEN {seconds}" for name, seconds in PRECISION_SECONDS.items())
    return f"(CASE {source} {cases} END)"


def _gap(source_a: str, epoch_a: str, source_b: str, epoch_b: str) -> str:
    """SQL: seconds between the spans two records' end times stand for ([end, end + precision)), 0 if they meet."""
    return (f"greatest(0, {epoch_a} - ({epoch_b} + {_precision(source_b)} - 1), "
            f"{epoch_b} - ({epoch_a} + {_precision(source_a)} - 1))")


def _richness(source: str) -> str:
    """SQL: 1 for the richest source, then 2, 3."""
    return f"array_position(ARRAY{SOURCES}::text[], {source}::text)"


@dataclass
class ImportSummary:
    """What an import did, as the user is told: every row read is added, or one of the three kinds of known."""

    rows: int = 0
    added: int = 0
    duplicates_in_upload: int = 0  # rows repeating another row of this upload
    already_in_history: int = 0  # rows of plays the history had before this upload
    matched_sync: int = 0  # rows of plays the Spotify sync had recorded
    added_by_kind: Counter = field(default_factory=Counter)
    unreadable: Counter = field(default_factory=Counter)

    def add(self, other: ImportSummary) -> None:
        self.rows += other.rows
        self.added += other.added
        self.duplicates_in_upload += other.duplicates_in_upload
        self.already_in_history += other.already_in_history
        self.matched_sync += other.matched_sync
        self.added_by_kind += other.added_by_kind
        self.unreadable += other.unreadable

    def as_dict(self) -> dict:
        return {
            "rows": self.rows, "added": self.added, "duplicates_in_upload": self.duplicates_in_upload,
            "already_in_history": self.already_in_history, "matched_sync": self.matched_sync,
            "music": self.added_by_kind["music"], "podcasts": self.added_by_kind["podcast"],
            "audiobooks": self.added_by_kind["audiobook"], "unreadable": dict(self.unreadable),
        }


@transaction.atomic
def plays_add(*, user: User, rows: list[PlayRow]) -> ImportSummary:
    """Add plays to the user's history, creating catalog rows as needed. Rows already known (from any source)
    add nothing, so re-adding the same rows adds nothing."""
    writer = PlaysWriter(user=user)
    return writer.add(writer.prepare(rows))


@dataclass
class PreparedRows:
    """A batch of rows as encoded COPY text, with the items and listening contexts it names for the first
    time; made without the database."""

    count: int
    data: bytes
    new_items: list[tuple[int, PlayRow]]  # (item number, a row naming it)
    new_contexts: list[str]  # COPY text of play_context rows
    sources: set[str]
    span: tuple[int, int]  # the first and last end time
    forgets: bool  # numbered afresh: every item and context it names is new, the ones before are forgotten


class PlaysWriter:
    """Adds batches of one user's plays inside the caller's transaction, the way plays_add does. An import's
    many batches share one writer, so each song is looked up in the catalog once, not once per batch (up to
    REMEMBERED_ITEMS of them).

    `prepare` is plain Python and may run on another thread (an import prepares the next batch while the
    database adds this one); `add` does the database work. Rows name their items, and their source and listening
    context (reasons, flags, platform, country: a handful of combinations per history), by numbers the writer
    gives each the first time it sees it; `add` maps new item numbers to catalog ids in play_item and
    stores new contexts in play_context, so each row is five integers to COPY. One writer at a time per
    transaction."""

    def __init__(self, *, user: User, bulk: bool = False, import_job: ImportJob | None = None):
        # bulk: many batches (an import). Period totals and sessions are then marked out of date and rebuilt
        # once after commit, rather than folded in batch by batch.
        self.user, self.bulk, self.import_job = user, bulk, import_job
        self.catalog = _Catalog()
        self.item_numbers: dict[tuple, int] = {}
        self.context_numbers: dict[tuple, int] = {}
        self.song_numbers: dict[str, int] = {}
        self.started = False
        self.periods_built_on = None

    def prepare(self, rows: list[PlayRow]) -> PreparedRows:
        # Only at a batch's start, so that the items of one batch share one numbering of songs (stage); and only
        # in a batch with rows, as add stages no other.
        forgets = bool(rows) and max(len(self.item_numbers), len(self.context_numbers)) + len(rows) > REMEMBERED_ITEMS
        if forgets:
            self.item_numbers, self.context_numbers = {}, {}
        items, contexts, new_items, new_contexts, lines = self.item_numbers, self.context_numbers, [], [], []
        for number, row in enumerate(rows):
            key = (row.kind, row.item_uri, row.artist_or_show, row.name)
            item = items.get(key)
            if item is None:
                item = items[key] = len(items)
                new_items.append((item, row))
            context = (row.reason_start, row.reason_end, row.shuffle, row.skipped, row.offline, row.platform,
                       row.country, row.source)
            context_number = contexts.get(context)
            if context_number is None:
                context_number = contexts[context] = len(contexts)
                new_contexts.append("\t".join((
                    str(context_number), *map(_text, context[:2]), *(_FLAGS[flag] for flag in context[2:5]),
                    *map(_text, context[5:]),
                )) + "\n")
            lines.append(f"{number}\t{item}\t{context_number}\t{row.ended_at}\t{row.ms_played}\n")
        ends = [row.ended_at for row in rows]
        return PreparedRows(len(rows), "".join(lines).encode(), new_items, new_contexts,
                            {row.source for row in rows}, (min(ends, default=0), max(ends, default=0)), forgets)

    def add(self, prepared: PreparedRows) -> ImportSummary:
        summary = ImportSummary(rows=prepared.count)
        if not prepared.count:
            return summary
        if not connection.in_atomic_block:
            raise RuntimeError("PlaysWriter.add needs a transaction (its locks and catalog ids live in one).")
        with connection.cursor() as cursor:
            self.stage(cursor, prepared)
            if len(prepared.sources) == 1 and not self._history_near(cursor, prepared.span):
                with _hash_joins(cursor):
                    added = self._insert(cursor, (INSERT_FIRST_PLAYS, INSERT_FIRST_PLAYS_WITH_PERIODS),
                                         self._params(), summary)
                self._sessions_refresh(cursor, added)
                summary.duplicates_in_upload = prepared.count - sum(summary.added_by_kind.values())
            else:
                with _hash_joins(cursor):
                    cursor.execute(FRESH_ROWS, self._params())
                    distinct, known_here, known_before, sources = cursor.fetchone()
                summary.duplicates_in_upload = prepared.count - distinct + known_here
                summary.already_in_history = known_before
                for source in SOURCES:  # richest first: poorer rows of the batch may pair with plays it just added
                    if source in sources:
                        self._add_source(cursor, source, summary)
        summary.added = sum(summary.added_by_kind.values())
        return summary

    def _params(self) -> dict:
        return {"user_id": self.user.pk, "time_zone": self.user.time_zone,
                "job": self.import_job.pk if self.import_job else None}

    def _history_near(self, cursor, span: tuple[int, int]) -> bool:
        """Whether the user has a play near these end times: one a row could repeat or pair with (a play's
        records lie within the pairing reach of it)."""
        reach = max(PRECISION_SECONDS.values()) + PAIRING_SLACK_SECONDS
        cursor.execute(
            "SELECT EXISTS (SELECT 1 FROM listening_play WHERE user_id = %s "
            "AND ended_at BETWEEN to_timestamp(%s) AND to_timestamp(%s))",
            [self.user.pk, span[0] - reach, span[1] + reach],
        )
        return cursor.fetchone()[0]

    def _insert(self, cursor, statements: tuple[str, str], params: dict, summary: ImportSummary) -> list[tuple]:
        """Run one of the _insert_plays statements, folding into the period totals while they are current."""
        statement, with_periods = statements
        if self.periods_built_on:
            cursor.execute(with_periods, {**params, **rolling_starts(self.periods_built_on)})
        else:
            cursor.execute(statement, params)
        added = cursor.fetchall()
        for kind, count, *_ in added:
            summary.added_by_kind[kind] += count
        return added

    def _sessions_refresh(self, cursor, added: list[tuple]) -> None:
        if added and self.periods_built_on:
            sessions_refresh(cursor, user=self.user, plays=[
                pair for _, _, starts, ends in added for pair in zip(starts, ends, strict=True)
            ])

    def _add_source(self, cursor, source: str, summary: ImportSummary) -> None:
        """Add the batch's fresh rows of one source: those pairing with a play of another source join it, the
        others are new plays."""
        params = {**self._params(), "source": source}
        with _hash_joins(cursor):
            paired = _pairs_find(cursor, params)
            if paired and self.periods_built_on:
                # The paired plays change (time, minutes): the period totals are rebuilt rather than patched,
                # as after an import (beat rebuilds them; until then the daily roll-ups answer).
                _period_totals_outdate(cursor, self.user)
                self.periods_built_on = None
            added = self._insert(cursor, (INSERT_NEW_PLAYS, INSERT_NEW_PLAYS_WITH_PERIODS), params, summary)
        self._sessions_refresh(cursor, added)
        if paired:
            cursor.execute(PAIRS_CLASSIFY, params)
            here, synced, before = cursor.fetchone()
            summary.duplicates_in_upload += here
            summary.matched_sync += synced
            summary.already_in_history += before
            cursor.execute(PAIRS_RECORD, params)
            rollups_refold(cursor, user=self.user, days=plays_refresh(cursor, time_zone=self.user.time_zone))

    def _start(self, cursor) -> None:
        history_lock(cursor, self.user.pk)
        # What a foreign key would check for every play, once: the user exists and stays until commit.
        cursor.execute("SELECT 1 FROM accounts_user WHERE id = %s FOR KEY SHARE", [self.user.pk])
        if cursor.fetchone() is None:
            raise User.DoesNotExist(f"User {self.user.pk} was deleted; their plays are not added.")
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CATALOG_LOCK])
        if self.bulk:
            _period_totals_outdate(cursor, self.user)
        else:
            cursor.execute("SELECT built_on FROM listening_periodtotalsstate WHERE user_id = %s", [self.user.pk])
            row = cursor.fetchone()
            self.periods_built_on = row[0] if row else None
        # The tables live until the transaction ends; another writer before us may have used them.
        cursor.execute(_STAGING_TABLES)
        cursor.execute("TRUNCATE play_item, play_context")
        self.started = True

    def stage(self, cursor, prepared: PreparedRows) -> None:
        """Map the batch's new items to catalog ids, store its new contexts, and COPY its rows."""
        if not self.started:
            self._start(cursor)
        if prepared.forgets:  # its numbers start again: what the old ones stood for goes
            self.catalog, self.song_numbers = _Catalog(), {}
            cursor.execute("TRUNCATE play_item, play_context")
        rows = [row for _, row in prepared.new_items]
        self.catalog.resolve(cursor, rows)
        items = []
        for number, row in prepared.new_items:
            columns, song = self.catalog.item_columns(row)
            song_number = self.song_numbers.setdefault(song, len(self.song_numbers))
            items.append(f"{number}\t{columns}\t{song_number}\t{_text(song)}\n")
        _copy(cursor, "play_item", "".join(items).encode())
        _copy(cursor, "play_context", "".join(prepared.new_contexts).encode())
        cursor.execute("TRUNCATE play_staging, play_fresh")
        _copy(cursor, "play_staging", prepared.data)


def _copy(cursor, table: str, data: bytes) -> None:
    # In one read: psycopg2 takes the interpreter lock back for every chunk it reads, and while the
    # read-ahead thread parses, each wait for it is a thread switch (up to 5 ms) — 1 s a million plays.
    if data:
        cursor.copy_expert(f"COPY {table} FROM STDIN", io.BytesIO(data), len(data))  # size: one read


def _period_totals_outdate(cursor, user: User) -> None:
    """Mark the user's period totals and sessions out of date: readers use the daily roll-ups until a task (after
    an import or undo, or beat's next round) rebuilds them."""
    cursor.execute(
        "INSERT INTO listening_periodtotalsstate (user_id, built_on) VALUES (%s, NULL) "
        "ON CONFLICT (user_id) DO UPDATE SET built_on = NULL", [user.pk],
    )


INSERT_PLANNER_SETTINGS = (
    "SET LOCAL enable_nestloop = off; SET LOCAL enable_mergejoin = off; SET LOCAL work_mem = '64MB'"
)
INSERT_PLANNER_RESET = "SET LOCAL enable_nestloop = on; SET LOCAL enable_mergejoin = on; SET LOCAL work_mem TO DEFAULT"


@contextmanager
def _hash_joins(cursor) -> Iterator[None]:
    """For the statements that match a batch against the user's plays. Right after a big import the table's
    statistics are stale, and the planner, believing the user has few plays, picks nested loops or merges on the
    item alone (popular songs then compare every play with every play): minutes instead of a second. Hash joins
    are right at every size there, so those statements are told so, with the memory to sort a batch; the rest
    (sessions, pairs: a few rows looked up by index) keep the planner's own choices."""
    cursor.execute(INSERT_PLANNER_SETTINGS)
    yield
    cursor.execute(INSERT_PLANNER_RESET)  # not on an error: the transaction is over then, and SET LOCAL with it

_RECORD_COLUMNS = "reason_start, reason_end, shuffle, skipped, offline, platform, country"
# A record's own columns, as a play (its shown record) and PlayRecord both hold them.
_OWN_COLUMNS = (
    f"source, ended_at, ms_played, import_job_id, track_id, episode_id, artist_id, album_id, {_RECORD_COLUMNS}"
)


def _columns(alias: str, columns: str = _OWN_COLUMNS) -> str:
    return ", ".join(f"{alias}.{column}" for column in columns.split(", "))


def _songs(items: str) -> str:
    """SQL: (item, song) for the items (track id, or minus the episode id) in the relation `items`, looked up by
    id. A song is what makes two records one however each source named it: the artist and normalized title, or
    the normalized show and episode title (the catalog's own name keys; _Catalog.song gives the same text)."""
    return f"""
    SELECT t.id AS item, t.artist_id || ' ' || t.name_key AS song FROM listening_track t
    WHERE t.id = ANY(ARRAY(SELECT DISTINCT item FROM {items} WHERE item > 0))
    UNION ALL
    SELECT -e.id, 'e ' || e.name_key FROM listening_episode e
    WHERE e.id = ANY(ARRAY(SELECT DISTINCT -item FROM {items} WHERE item < 0))"""


# The plays a change touched, to be shown from their records again (plays_refresh).
_TOUCHED_TABLE = "CREATE TEMP TABLE IF NOT EXISTS play_touched (play_id bigint PRIMARY KEY) ON COMMIT DROP"

_STAGING_TABLES = """
CREATE TEMP TABLE IF NOT EXISTS play_item (
    number integer PRIMARY KEY, kind text, track_id bigint, episode_id bigint, artist_id bigint, album_id bigint,
    song_number integer, song text
) ON COMMIT DROP;
CREATE TEMP TABLE IF NOT EXISTS play_context (
    number integer PRIMARY KEY, reason_start text, reason_end text, shuffle boolean, skipped boolean,
    offline boolean, platform text, country text, source text
) ON COMMIT DROP;
CREATE TEMP TABLE IF NOT EXISTS play_staging (
    number integer, item_number integer, context_number integer, ended_epoch bigint, ms_played integer
) ON COMMIT DROP;
CREATE TEMP TABLE IF NOT EXISTS play_fresh (
    number integer, song text, kind text, track_id bigint, episode_id bigint, artist_id bigint, album_id bigint,
    context_number integer, source text, ended_epoch bigint, ms_played integer
) ON COMMIT DROP;
CREATE TEMP TABLE IF NOT EXISTS play_candidates (
    number bigint, play_id bigint, gap integer, ms_diff bigint, time_diff bigint
) ON COMMIT DROP;
CREATE TEMP TABLE IF NOT EXISTS play_pairs (number bigint PRIMARY KEY, play_id bigint UNIQUE) ON COMMIT DROP;
""" + _TOUCHED_TABLE

# The batch's distinct rows less those already known, into play_fresh: rows of which a stored play or record of
# the same source, song and end time exists (known: from this upload's earlier batches, or from before it). Stored records
# are read once for the batch's time span (the (user, time) indexes) and matched by hash. Says how many rows were
# distinct, how many were known from this upload and from before it, and the sources of the fresh rows.
# The batch's rows, one per source, song and end time: the longest (the others are exact duplicates inside this
# upload). Columns as play_fresh's, and the item (the track id, or minus the episode id). Sorted by the integers
# first: a quick sort.
_DISTINCT_ROWS = """
    SELECT DISTINCT ON (i.song_number, s.ended_epoch, c.source)
           s.number, i.song, i.kind, i.track_id, i.episode_id, i.artist_id, i.album_id, s.context_number, c.source,
           s.ended_epoch, s.ms_played, coalesce(i.track_id, -i.episode_id) AS item
    FROM play_staging s JOIN play_item i ON i.number = s.item_number JOIN play_context c ON c.number = s.context_number
    ORDER BY i.song_number, s.ended_epoch, c.source, s.ms_played DESC, s.number"""

FRESH_ROWS = f"""
WITH distinct_rows AS MATERIALIZED ({_DISTINCT_ROWS}
), span AS (
    SELECT to_timestamp(min(ended_epoch)) AS first, to_timestamp(max(ended_epoch)) AS last FROM play_staging
), stored AS MATERIALIZED (
    SELECT coalesce(p.track_id, -p.episode_id) AS item, p.source, extract(epoch FROM p.ended_at)::bigint AS ended_epoch,
           p.import_job_id
    FROM listening_play p
    WHERE p.user_id = %(user_id)s AND p.ended_at BETWEEN (SELECT first FROM span) AND (SELECT last FROM span)
    UNION ALL
    SELECT coalesce(r.track_id, -r.episode_id), r.source, extract(epoch FROM r.ended_at)::bigint, r.import_job_id
    FROM listening_playrecord r
    WHERE r.user_id = %(user_id)s AND r.ended_at BETWEEN (SELECT first FROM span) AND (SELECT last FROM span)
), same_item AS MATERIALIZED (
    SELECT d.number, k.import_job_id FROM stored k
    JOIN distinct_rows d ON d.item = k.item AND d.source = k.source AND d.ended_epoch = k.ended_epoch
), rest AS MATERIALIZED (
    SELECT * FROM distinct_rows WHERE number NOT IN (SELECT number FROM same_item)
), other_item AS MATERIALIZED (
    -- The same song may be another catalog row in each record of it: the rows left are compared by song with
    -- the records of their very moment (few), whose songs are looked up.
    SELECT k.* FROM stored k JOIN rest d ON d.source = k.source AND d.ended_epoch = k.ended_epoch
    WHERE d.item <> k.item
), songs AS MATERIALIZED ({_songs("other_item")}
), matched AS MATERIALIZED (
    SELECT number, coalesce(bool_or(import_job_id = %(job)s), false) AS this_upload FROM (
        SELECT * FROM same_item
        UNION ALL
        SELECT d.number, k.import_job_id FROM other_item k JOIN songs USING (item)
        JOIN rest d ON d.song = songs.song AND d.source = k.source AND d.ended_epoch = k.ended_epoch
    ) known GROUP BY number
), fresh AS (
    INSERT INTO play_fresh
    SELECT d.number, d.song, d.kind, d.track_id, d.episode_id, d.artist_id, d.album_id, d.context_number, d.source,
           d.ended_epoch, d.ms_played
    FROM distinct_rows d WHERE d.number NOT IN (SELECT number FROM matched)
    RETURNING source
)
SELECT (SELECT count(*) FROM distinct_rows), count(*) FILTER (WHERE this_upload),
       count(*) FILTER (WHERE NOT this_upload), ARRAY(SELECT DISTINCT source FROM fresh)
FROM matched
"""

# Candidate pairs of the fresh rows of one source with stored plays of the same song that no row of that source
# has joined yet, within PAIRING_SLACK_SECONDS beyond their precisions. A play is compared by its shown record
# (the richest, the most precise time); records of one listening are never more than a minute apart, so each
# row looks for plays in its own minute and the neighbouring ones, by hash.
_CANDIDATES = f"""
INSERT INTO play_candidates (number, play_id, gap, ms_diff, time_diff)
WITH mine AS MATERIALIZED (
    SELECT number, song, source, ended_epoch, ms_played FROM play_fresh WHERE source = %(source)s
), stored AS MATERIALIZED (
    SELECT p.id, coalesce(p.track_id, -p.episode_id) AS item, p.source,
           extract(epoch FROM p.ended_at)::bigint AS ended_epoch, p.ms_played
    FROM listening_play p
    WHERE p.user_id = %(user_id)s AND p.source <> %(source)s
      AND p.ended_at BETWEEN to_timestamp((SELECT min(ended_epoch) FROM mine) - %(reach)s)
                         AND to_timestamp((SELECT max(ended_epoch) FROM mine) + %(reach)s)
      AND NOT EXISTS (SELECT 1 FROM listening_playrecord r
                      WHERE r.user_id = %(user_id)s AND r.play_id = p.id AND r.source = %(source)s)
), songs AS MATERIALIZED ({_songs("stored")}
), near AS (
    SELECT m.number, s.id AS play_id, {_gap("m.source", "m.ended_epoch", "s.source", "s.ended_epoch")} AS gap,
           abs(m.ms_played - s.ms_played) AS ms_diff, abs(m.ended_epoch - s.ended_epoch) AS time_diff
    FROM mine m CROSS JOIN (VALUES (-1), (0), (1)) AS v(shift)
    JOIN (stored s JOIN songs USING (item))
      ON songs.song = m.song AND s.ended_epoch / 60 = m.ended_epoch / 60 + v.shift
)
SELECT * FROM near WHERE gap <= %(slack)s
"""

# One round of one-to-one pairing: every candidate pair that is the best of both its row and its play (nearest
# in time, then closest in minutes played, then by id: one order for all) is taken, and the candidates of what
# it took go. The best pair of all is always taken, so rounds end; the result is the greedy nearest-first pairing.
_PAIR_ROUND = """
WITH ranked AS (
    SELECT number, play_id,
           row_number() OVER (PARTITION BY number ORDER BY gap, ms_diff, time_diff, play_id) AS for_row,
           row_number() OVER (PARTITION BY play_id ORDER BY gap, ms_diff, time_diff, number) AS for_play
    FROM play_candidates
), taken AS (
    INSERT INTO play_pairs (number, play_id) SELECT number, play_id FROM ranked WHERE for_row = 1 AND for_play = 1
    RETURNING number, play_id
), gone AS (
    DELETE FROM play_candidates c
    WHERE c.number IN (SELECT number FROM taken) OR c.play_id IN (SELECT play_id FROM taken)
)
SELECT count(*) FROM taken
"""


def _pairs_find(cursor, params: dict) -> int:
    """Pair the fresh rows of params' source with the stored plays they are other records of (play_pairs);
    returns how many pairs."""
    cursor.execute("TRUNCATE play_candidates, play_pairs")
    cursor.execute(_CANDIDATES, {**params, "slack": PAIRING_SLACK_SECONDS,
                                 "reach": max(PRECISION_SECONDS.values()) + PAIRING_SLACK_SECONDS})
    return _pair_rounds(cursor) if cursor.rowcount else 0


def _pair_rounds(cursor) -> int:
    """Pair play_candidates one-to-one into play_pairs; returns how many pairs."""
    pairs = 0
    while True:
        cursor.execute(_PAIR_ROUND)
        taken = cursor.fetchone()[0]
        if not taken:
            return pairs
        pairs += taken


def _insert_plays(rows: str) -> tuple[str, str]:
    """The statement adding `rows` (SQL: a relation with play_fresh's columns) as new plays and folding them into
    the roll-ups in the same statement; and the same, also folding them into current period totals (small
    additions: sync) and saying when each added play started and ended, for the sessions."""
    statement = f"""
WITH inserted AS (
    INSERT INTO listening_play (user_id, kind, {_OWN_COLUMNS})
    SELECT %(user_id)s, f.kind, f.source, to_timestamp(f.ended_epoch), f.ms_played, %(job)s, f.track_id,
           f.episode_id, f.artist_id, f.album_id, coalesce(c.reason_start, ''), coalesce(c.reason_end, ''), c.shuffle,
           c.skipped, c.offline, coalesce(c.platform, ''), coalesce(c.country, '')
    FROM ({rows}) f JOIN play_context c ON c.number = f.context_number
    RETURNING kind, track_id, artist_id, album_id, ended_at, ms_played, skipped
), """ + fold_ctes("inserted") + """
SELECT kind, count(*) FROM inserted GROUP BY kind
"""
    with_periods = statement.replace(
        fold_ctes("inserted"), fold_ctes("inserted") + ", " + period_fold_ctes()
    ).replace(
        "SELECT kind, count(*) FROM inserted GROUP BY kind",
        "SELECT kind, count(*), array_agg(ended_at - ms_played * interval '1 millisecond'), array_agg(ended_at) "
        "FROM inserted GROUP BY kind",
    )
    return statement, with_periods


# The source's fresh rows that paired with no play are new plays. No ON CONFLICT: under the user's history lock
# nothing else writes these plays, and FRESH_ROWS dropped every row the unique keys would refuse, so a conflict
# would be a bug, raised rather than hidden (and ON CONFLICT's speculative insertion cost a sixth of the statement).
INSERT_NEW_PLAYS, INSERT_NEW_PLAYS_WITH_PERIODS = _insert_plays(
    "SELECT * FROM play_fresh WHERE source = %(source)s "
    "AND NOT EXISTS (SELECT 1 FROM play_pairs x WHERE x.number = play_fresh.number)"
)
# A batch of one source with no play stored near it (a first import, most batches of any import) has nothing to
# know or pair: its distinct rows are new plays, in one statement.
INSERT_FIRST_PLAYS, INSERT_FIRST_PLAYS_WITH_PERIODS = _insert_plays(_DISTINCT_ROWS)

# What the paired rows were, as the user is told: other records of a play this upload added, of a play the sync
# recorded, or of a play the history had before.
PAIRS_CLASSIFY = """
WITH records AS (
    SELECT id AS play_id, source, import_job_id FROM listening_play
    WHERE id = ANY(ARRAY(SELECT play_id FROM play_pairs))
    UNION ALL
    SELECT play_id, source, import_job_id FROM listening_playrecord
    WHERE play_id = ANY(ARRAY(SELECT play_id FROM play_pairs))
), per_row AS (
    SELECT x.number, coalesce(bool_or(r.import_job_id = %(job)s), false) AS here, bool_or(r.source = 'sync') AS synced
    FROM play_pairs x JOIN records r USING (play_id) GROUP BY x.number
)
SELECT count(*) FILTER (WHERE here), count(*) FILTER (WHERE synced AND NOT here),
       count(*) FILTER (WHERE NOT synced AND NOT here)
FROM per_row
"""

# Records of plays in play_touched that have none yet: the play's own, as it shows it.
_OWN_RECORDS_ADD = f"""
INSERT INTO listening_playrecord (play_id, user_id, {_OWN_COLUMNS})
SELECT p.id, p.user_id, {_columns("p")} FROM listening_play p
WHERE p.id = ANY(ARRAY(SELECT play_id FROM play_touched))
  AND NOT EXISTS (SELECT 1 FROM listening_playrecord r WHERE r.play_id = p.id)
"""

# Keep both sides of each pair as records: the play's own (unless it has records already) and the row's; the
# plays are then shown from their records (plays_refresh).
PAIRS_RECORD = f"""
TRUNCATE play_touched;
INSERT INTO play_touched SELECT play_id FROM play_pairs;
{_OWN_RECORDS_ADD};
INSERT INTO listening_playrecord (play_id, user_id, {_OWN_COLUMNS})
SELECT x.play_id, %(user_id)s, f.source, to_timestamp(f.ended_epoch), f.ms_played, %(job)s, f.track_id, f.episode_id,
       f.artist_id, f.album_id, coalesce(c.reason_start, ''), coalesce(c.reason_end, ''), c.shuffle, c.skipped,
       c.offline, coalesce(c.platform, ''), coalesce(c.country, '')
FROM play_pairs x JOIN play_fresh f ON f.number = x.number JOIN play_context c ON c.number = f.context_number
"""

# Show each touched play as its records say: the richest record, with the longest measured ms_played. Says the
# local days the changed plays ended on, before and after.
_REFRESH = f"""
WITH touched AS MATERIALIZED (
    SELECT * FROM listening_playrecord WHERE play_id = ANY(ARRAY(SELECT play_id FROM play_touched))
), best AS (
    SELECT DISTINCT ON (r.play_id) r.* FROM touched r ORDER BY r.play_id, {_richness("r.source")}
), measured AS (
    SELECT r.play_id, max(r.ms_played) AS ms_played FROM touched r
    WHERE r.source IN ({", ".join(f"'{source}'" for source in MEASURED)}) GROUP BY r.play_id
), shown AS (
    SELECT b.play_id, {_columns("b").replace("b.ms_played", "coalesce(m.ms_played, b.ms_played) AS ms_played")}
    FROM best b LEFT JOIN measured m USING (play_id)
)
UPDATE listening_play p SET {", ".join(f"{column} = s.{column}" for column in _OWN_COLUMNS.split(", "))}
FROM shown s, listening_play old
WHERE p.id = s.play_id AND old.id = p.id AND ({_columns("p")}) IS DISTINCT FROM ({_columns("s")})
  AND p.id = ANY(ARRAY(SELECT play_id FROM play_touched)) AND old.id = ANY(ARRAY(SELECT play_id FROM play_touched))
RETURNING (old.ended_at AT TIME ZONE %(time_zone)s)::date, (p.ended_at AT TIME ZONE %(time_zone)s)::date
"""
# A play left with one record (the others' import undone) is a one-source play again.
_SINGLE_RECORDS_DROP = """
DELETE FROM listening_playrecord WHERE play_id = ANY(ARRAY(
    SELECT play_id FROM listening_playrecord WHERE play_id = ANY(ARRAY(SELECT play_id FROM play_touched))
    GROUP BY play_id HAVING count(*) = 1
))
"""


def plays_refresh(cursor, *, time_zone: str) -> set[date]:
    """Show the plays in play_touched as their records now say. Returns the days (in `time_zone`) the changed
    plays ended on, before and after, whose roll-ups the caller folds again."""
    cursor.execute(_REFRESH, {"time_zone": time_zone})
    days = {day for pair in cursor.fetchall() for day in pair}
    cursor.execute(_SINGLE_RECORDS_DROP)
    return days


# An import's plays that no other source recorded go, with their records.
_IMPORT_PLAYS_DELETE = """
WITH gone AS (
    DELETE FROM listening_play p
    WHERE p.user_id = %(user_id)s AND p.import_job_id = %(job)s
      AND NOT EXISTS (SELECT 1 FROM listening_playrecord r
                      WHERE r.play_id = p.id AND r.import_job_id IS DISTINCT FROM %(job)s)
    RETURNING p.id, p.ended_at
), records AS (
    DELETE FROM listening_playrecord r USING gone WHERE r.play_id = gone.id
)
SELECT count(*), array_agg(DISTINCT (ended_at AT TIME ZONE %(time_zone)s)::date) FROM gone
"""
# Its records of plays other sources recorded too go; those plays are then shown as the others recorded them.
_IMPORT_RECORDS_DELETE = """
WITH gone AS (
    DELETE FROM listening_playrecord r WHERE r.user_id = %(user_id)s AND r.import_job_id = %(job)s RETURNING r.play_id
)
INSERT INTO play_touched SELECT DISTINCT play_id FROM gone
"""


def import_plays_remove(*, user: User, job: ImportJob) -> int:
    """Take out of the user's history exactly what an import added: its plays, and its records of plays that
    other sources recorded too (shown again as they recorded them). The roll-ups follow at once; the period
    totals and sessions are marked out of date. Needs no upload. Returns how many plays went."""
    if not connection.in_atomic_block:
        raise RuntimeError("import_plays_remove needs a transaction (the user's history lock lives in one).")
    params = {"user_id": user.pk, "job": job.pk, "time_zone": user.time_zone}
    with connection.cursor() as cursor:
        history_lock(cursor, user.pk)
        cursor.execute(_TOUCHED_TABLE)
        cursor.execute("TRUNCATE play_touched")
        cursor.execute(_IMPORT_PLAYS_DELETE, params)
        removed, days = cursor.fetchone()
        cursor.execute(_IMPORT_RECORDS_DELETE, params)
        rollups_refold(cursor, user=user, days={*(days or ()), *plays_refresh(cursor, time_zone=user.time_zone)})
        _period_totals_outdate(cursor, user)
    return removed


# --- a song merged into another ----------------------------------------------------------------------------
def _epoch(play: str) -> str:
    return f"extract(epoch FROM {play}.ended_at)::bigint"


# A play of the merged song that a source recorded at the very moment it recorded a play of the other (a row
# imported twice, once by name and once by id) is the same record twice: it goes.
_MERGE_TWINS_DELETE = """
WITH keys AS (
    SELECT id AS play_id, track_id AS shown, user_id, source, ended_at FROM listening_play
    WHERE user_id = ANY(%(users)s) AND track_id IN (%(source)s, %(target)s)
    UNION ALL
    SELECT r.play_id, p.track_id, r.user_id, r.source, r.ended_at
    FROM listening_playrecord r JOIN listening_play p ON p.id = r.play_id
    WHERE p.user_id = ANY(%(users)s) AND p.track_id IN (%(source)s, %(target)s)
), twins AS (
    SELECT DISTINCT s.play_id FROM keys s JOIN keys t USING (user_id, source, ended_at)
    WHERE s.shown = %(source)s AND t.shown = %(target)s
), gone AS (
    DELETE FROM listening_play p USING twins WHERE p.id = twins.play_id RETURNING p.id
)
DELETE FROM listening_playrecord r USING gone WHERE r.play_id = gone.id
"""
# Then the merged song's plays pair, like rows of an import, with the other's plays no source of theirs recorded.
_MERGE_CANDIDATES = f"""
WITH sources AS (
    SELECT id AS play_id, source FROM listening_play
    WHERE user_id = ANY(%(users)s) AND track_id IN (%(source)s, %(target)s)
    UNION
    SELECT r.play_id, r.source FROM listening_playrecord r JOIN listening_play p ON p.id = r.play_id
    WHERE p.user_id = ANY(%(users)s) AND p.track_id IN (%(source)s, %(target)s)
), near AS (
    SELECT s.id AS number, t.id AS play_id, {_gap("s.source", _epoch("s"), "t.source", _epoch("t"))} AS gap,
           abs(s.ms_played - t.ms_played) AS ms_diff, abs({_epoch("s")} - {_epoch("t")}) AS time_diff
    FROM listening_play s JOIN listening_play t
      ON t.user_id = s.user_id AND t.track_id = %(target)s
     AND t.ended_at BETWEEN s.ended_at - interval '2 minutes' AND s.ended_at + interval '2 minutes'
    WHERE s.user_id = ANY(%(users)s) AND s.track_id = %(source)s
      AND NOT EXISTS (SELECT 1 FROM sources a JOIN sources b USING (source) WHERE a.play_id = s.id AND b.play_id = t.id)
)
INSERT INTO play_candidates (number, play_id, gap, ms_diff, time_diff) SELECT * FROM near WHERE gap <= %(slack)s
"""
# Each pair becomes one play (the other song's) holding both sides' records; records and plays of the merged song
# become the other's.
_MERGE_PAIRS = f"""
TRUNCATE play_touched;
INSERT INTO play_touched SELECT number FROM play_pairs UNION SELECT play_id FROM play_pairs;
{_OWN_RECORDS_ADD};
UPDATE listening_playrecord r SET play_id = x.play_id FROM play_pairs x WHERE r.play_id = x.number;
DELETE FROM listening_play WHERE id IN (SELECT number FROM play_pairs);
DELETE FROM play_touched WHERE play_id IN (SELECT number FROM play_pairs);
UPDATE listening_playrecord SET track_id = %(target)s, artist_id = %(artist)s, album_id = %(album)s
WHERE user_id = ANY(%(users)s) AND track_id = %(source)s;
UPDATE listening_play SET track_id = %(target)s, artist_id = %(artist)s, album_id = %(album)s
WHERE user_id = ANY(%(users)s) AND track_id = %(source)s
"""


def track_plays_merge(cursor, *, users: list[int], source_id: int, target_id: int, artist_id: int,
                      album_id: int | None) -> None:
    """Make the plays of track `source_id` plays of `target_id` (the same song), for these users: the same
    record twice is one, records of one listening by different sources pair as an import's rows would. The
    caller holds the users' history locks and rebuilds their roll-ups."""
    params = {"users": users, "source": source_id, "target": target_id, "artist": artist_id, "album": album_id,
              "slack": PAIRING_SLACK_SECONDS}
    cursor.execute(_MERGE_TWINS_DELETE, params)
    cursor.execute(_STAGING_TABLES)
    cursor.execute("TRUNCATE play_candidates, play_pairs")
    cursor.execute(_MERGE_CANDIDATES, params)
    if cursor.rowcount:
        _pair_rounds(cursor)
    cursor.execute(_MERGE_PAIRS, params)
    plays_refresh(cursor, time_zone="UTC")  # the caller folds the users' plays again, whatever their days


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
    and remembers them until its writer forgets. New rows get their ids in the order the history first
    names them (ORDER BY the arrays' ordinality), whatever plan the database picks."""

    def __init__(self):
        self.cursor = None
        self.artist_ids: dict[str, int] = {}
        self.album_ids: dict[tuple[int, str], int] = {}
        self.track_ids: dict[tuple, tuple[int, int, int | None, str]] = {}  # id, artist, album, name key
        self.episode_ids: dict[tuple, tuple[int, str]] = {}  # id, name key

    @staticmethod
    def track_key(row: PlayRow) -> tuple:
        return ("uri", row.item_uri) if row.item_uri else ("name", name_key(row.artist_or_show), name_key(row.name))

    @staticmethod
    def episode_key(row: PlayRow) -> tuple:
        return ("uri", row.item_uri) if row.item_uri else ("name", name_key(f"{row.artist_or_show} — {row.name}"))

    def item_columns(self, row: PlayRow) -> tuple[str, str]:
        """The row's kind, track, episode, artist and album ids as COPY text, and its song (once resolved): the
        text _songs gives for the same catalog row."""
        if row.kind == "music":
            track_id, artist_id, album_id, key = self.track_ids[self.track_key(row)]
            return f"music\t{track_id}\t\\N\t{artist_id}\t{_text(album_id)}", f"{artist_id} {key}"
        episode_id, key = self.episode_ids[self.episode_key(row)]
        return f"{row.kind}\t\\N\t{episode_id}\t\\N\t\\N", f"e {key}"

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
            for spotify_id, track_id, artist_id, album_id, key in self._rows(
                "SELECT spotify_id, id, artist_id, album_id, name_key FROM listening_track WHERE spotify_id = ANY(%s)",
                [ids],
            ):
                self.track_ids[("uri", f"spotify:track:{spotify_id}")] = (track_id, artist_id, album_id, key)
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
                self.track_ids[("name", artist_keys[artist_id], key)] = (track_id, artist_id, album_id, key)

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
        by_spotify_id = {spotify_id: (episode_id, key) for spotify_id, key, episode_id in found if spotify_id}
        by_name = {}
        for spotify_id, key, episode_id in found:
            if not spotify_id:
                by_name[key] = (min(episode_id, by_name.get(key, (episode_id,))[0]), key)
        for key, spotify_id, nkey in zip(keys, spotify_ids, name_keys):
            self.episode_ids[key] = by_spotify_id[spotify_id] if spotify_id else by_name[nkey]

