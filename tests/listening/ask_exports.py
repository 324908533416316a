"""A second question set for the questions box, over two real Spotify exports nobody here wrote: an extended
streaming history (2023, seconds-precise, with skips, podcasts and audiobooks) read in Auckland, and an account-data
history (early 2020, minute-precise, names only) read in Los Angeles.

`Export` counts straight from the export's JSON rows in plain Python — not through our import or selectors — so the
set checks what we answer against what the file says. Questions are written from what the file holds (its top
artists and songs, names with punctuation, versions of one song, ties), many phrasings per way of asking; each
comes with a check of the answer and a category the scorer reports on.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from tests.fakes import FIXTURES

EXPORT = FIXTURES / "spotify_export"
EXTENDED = (EXPORT / "extended" / "Streaming_History_Audio_2023.json", "Pacific/Auckland")
ACCOUNT = (EXPORT / "account_data" / "StreamingHistory0.json", "America/Los_Angeles")
UTC = ZoneInfo("UTC")
MONTH_NAMES = ["", "January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
               "November", "December"]


@dataclass(frozen=True)
class Row:
    kind: str  # music | podcast | audiobook
    artist: str  # or the show / book
    track: str
    album: str | None
    item: str  # what one song is to the file: its Spotify URI, or (account data) its artist and name
    local: datetime
    ms: int
    skipped: bool | None


def _ms(total: int) -> int:
    return total // 60_000


def song_base(name: str) -> str:
    """A song's title without its version (" - Remastered 2011", " (feat. …)"), as a listener names the song."""
    base = re.sub(r"\s+[-–—]\s+.*$", "", name)
    base = re.sub(r"\s*[(\[][^)\]]*[)\]]", "", base).strip()
    return base or name


def folded(name: str) -> str:
    text = unicodedata.normalize("NFKD", name.casefold())
    return "".join(char for char in text if not unicodedata.combining(char))


def read_extended(path, zone: ZoneInfo) -> list[Row]:
    rows = []
    for r in json.loads(path.read_text()):
        if r.get("spotify_track_uri") and r.get("master_metadata_track_name"):
            kind, item = "music", r["spotify_track_uri"]
            artist, track, album = (r["master_metadata_album_artist_name"], r["master_metadata_track_name"],
                                    r["master_metadata_album_album_name"])
        elif r.get("spotify_episode_uri") and r.get("episode_name"):
            kind, item, artist, track, album = "podcast", r["spotify_episode_uri"], r["episode_show_name"].strip(), \
                r["episode_name"], None
        elif r.get("audiobook_chapter_uri") or r.get("audiobook_uri"):
            kind, item = "audiobook", r.get("audiobook_chapter_uri") or r["audiobook_uri"]
            artist, track, album = r.get("audiobook_title"), r.get("audiobook_chapter_title"), None
        else:
            continue
        ended = datetime.fromisoformat(r["ts"].replace("Z", "+00:00"))
        rows.append(Row(kind, artist, track, album, item, ended.astimezone(zone), r["ms_played"], r.get("skipped")))
    return _one_per_play(rows)


def _one_per_play(rows: list[Row]) -> list[Row]:
    """Exact duplicates (the same item ending at the same moment) are one play, the longest listen of them."""
    kept: dict = {}
    for row in rows:
        key = (row.local, row.item)
        if key not in kept or row.ms > kept[key].ms:
            kept[key] = row
    return sorted(kept.values(), key=lambda row: row.local)


def read_account(path, zone: ZoneInfo) -> list[Row]:
    rows = []
    for r in json.loads(path.read_text()):
        ended = datetime.strptime(r["endTime"], "%Y-%m-%d %H:%M").replace(tzinfo=UTC)
        item = f"{folded(r['artistName'])}\n{folded(r['trackName'])}"
        rows.append(Row("music", r["artistName"], r["trackName"], None, item, ended.astimezone(zone), r["msPlayed"],
                        None))
    return _one_per_play(rows)


class Export:
    """What one export holds, counted from its rows in the listener's time zone."""

    def __init__(self, name: str, rows: list[Row], zone: str):
        self.name, self.rows, self.zone = name, rows, zone

    def music(self, span=None, artist=None) -> list[Row]:
        return [r for r in self.rows if r.kind == "music" and (span is None or span[0] <= r.local.date() <= span[1])
                and (artist is None or r.artist == artist)]

    # --- what a top list holds: (name, artist or None) -> [plays, ms] ---------------------------------------
    def sums(self, kind: str, span=None, artist=None) -> dict:
        sums: dict = {}
        for r in self.music(span, artist):
            key = {"artists": (r.artist, None), "tracks": (r.item, r.track, r.artist),
                   "albums": (r.album, r.artist)}[kind]
            entry = sums.setdefault(key, [0, 0])
            entry[0] += 1
            entry[1] += r.ms
        return sums

    def top(self, kind: str, span=None, n=10, by="plays", artist=None) -> list[list]:
        """Rows as the answer's table has them; ties on the measure ordered by the other, then by name."""
        sums = self.sums(kind, span, artist)

        def order(key):
            plays, ms = sums[key]
            name = key[-2] if kind != "artists" else key[0]
            first = (-_ms(ms), -plays) if by == "minutes" else (-plays, -_ms(ms))
            return (*first, folded(name), folded(key[-1] or ""))

        rows = []
        for rank, key in enumerate(sorted(sums, key=order)[:n], start=1):
            plays, ms = sums[key]
            names = [key[0]] if kind == "artists" else [key[-2], key[-1]]
            rows.append([rank, *names, plays, _ms(ms)])
        return rows

    def song_rows(self, title: str, artist: str) -> list[Row]:
        """Every play of one song by one artist, whatever version."""
        wanted = folded(song_base(title))
        return [r for r in self.music(artist=artist) if folded(song_base(r.track)) == wanted]

    def amount(self, rows: list[Row]) -> list[int]:
        return [len(rows), _ms(sum(r.ms for r in rows))]

    def skips(self, span=None) -> list[Row]:
        return [r for r in self.music(span) if r.skipped]

    def top_skipped(self, span=None, n=10) -> list[list]:
        counts: dict = {}
        for r in self.skips(span):
            counts.setdefault((r.item, r.track, r.artist), 0)
            counts[(r.item, r.track, r.artist)] += 1
        order = sorted(counts, key=lambda key: (-counts[key], folded(key[1]), folded(key[2])))
        return [[rank, key[1], key[2], counts[key]] for rank, key in enumerate(order[:n], start=1)]

    def totals(self, span=None) -> list[int]:
        music = self.music(span)
        return [len(music), _ms(sum(r.ms for r in music)), len({r.artist for r in music}),
                len({r.item for r in music}), len({r.local.date() for r in music})]

    def spoken(self, kind: str, span=None) -> list[int]:
        chosen = [r for r in self.rows if r.kind == kind and (span is None or span[0] <= r.local.date() <= span[1])]
        return [len(chosen), _ms(sum(r.ms for r in chosen))]

    def months(self) -> list[tuple[int, int]]:
        return sorted({(r.local.year, r.local.month) for r in self.music()})


def month_span(year: int, month: int) -> tuple[date, date]:
    from calendar import monthrange

    return date(year, month, 1), date(year, month, monthrange(year, month)[1])


def year_span(year: int) -> tuple[date, date]:
    return date(year, 1, 1), date(year, 12, 31)


# --- checks: each returns why the answer is wrong, or None ------------------------------------------------------
Check = Callable[[object], "str | None"]


def _understood(answer) -> str | None:
    return None if answer.understood else f"not understood: {answer.answer!r}"


def rows_are(expected: list[list]) -> Check:
    def check(answer):
        if problem := _understood(answer):
            return problem
        return None if answer.rows == expected else f"{answer.answer!r}\n    rows     {answer.rows[:5]}\n" \
                                                     f"    expected {expected[:5]}"
    return check


def tails_are(expected: list[list], width: int) -> Check:
    """The last `width` cells of each row (the numbers, where the name column may say a song's versions)."""
    def check(answer):
        if problem := _understood(answer):
            return problem
        got = [row[-width:] for row in answer.rows]
        return None if got == expected else f"{answer.answer!r}\n    cells    {got[:5]}\n    expected {expected[:5]}"
    return check


def says(*parts: str, rows: list[list] | None = None) -> Check:
    def check(answer):
        if problem := _understood(answer):
            return problem
        missing = [part for part in parts if part not in answer.answer]
        if missing:
            return f"{answer.answer!r} does not say {missing}"
        if rows is not None and answer.rows != rows:
            return f"rows {answer.rows[:5]}, expected {rows[:5]}"
        return None
    return check


def refused(answer) -> str | None:
    if answer.understood or answer.rows:
        return f"should say it did not understand, got {answer.answer!r}"
    if not answer.answer.startswith("Sorry, I didn't understand") or not 3 <= len(answer.examples) <= 5:
        return f"should say it did not understand first, then 3–5 examples: {answer.answer!r} {answer.examples}"
    return None


# --- the set ------------------------------------------------------------------------------------------------
def month_phrasings(year: int, month: int) -> list[str]:
    short = MONTH_NAMES[month][:3]
    return [f"{month}/{year}", f"{short} '{str(year)[2:]}", f"{year}-{month:02d}", f"{MONTH_NAMES[month]} {year}",
            f"{short.lower()} {year}", f"{month:02d}/{year}"]


def questions(export: Export) -> list[tuple[str, str, Check]]:
    """(category, question, check) over this export."""
    out: list[tuple[str, str, Check]] = []
    add = lambda category, question, check: out.append((category, question, check))  # noqa: E731
    years = sorted({year for year, _ in export.months()})
    year = years[-1]
    busiest = sorted(export.months(), key=lambda ym: -len(export.music(month_span(*ym))))[:3]

    # --- top lists, months written every way -------------------------------------------------------------------
    for y, m in busiest:
        for phrasing in month_phrasings(y, m)[::3]:
            add("months", f"top 5 artists in {phrasing}", rows_are(export.top("artists", month_span(y, m), 5)))
    for y, m in busiest:
        for phrasing in month_phrasings(y, m):
            add("months", f"how many minutes did I listen in {phrasing}",
                tails_are([export.totals(month_span(y, m))], 5))
    add("top", f"top 10 songs of {year}", rows_are(export.top("tracks", year_span(year), 10)))
    add("top", f"my top 5 artists in {year}", rows_are(export.top("artists", year_span(year), 5)))
    add("top", "top 20 artists of all time", rows_are(export.top("artists", None, 20)))
    add("top", "most played songs ever", rows_are(export.top("tracks", None, 10)))
    add("top", f"top artists by minutes in {year}", rows_are(export.top("artists", year_span(year), 10, "minutes")))
    y, m = busiest[0]
    add("top", f"top 10 tracks in {MONTH_NAMES[m]} {y}", rows_are(export.top("tracks", month_span(y, m), 10)))
    add("top", f"which songs did I play most in {m}/{y}", rows_are(export.top("tracks", month_span(y, m), 10)))

    # --- ties: a top list whose cut or lead falls in a tie says so and orders them by minutes, then name -------
    for y, m in export.months()[:6]:
        top = export.top("artists", month_span(y, m), 3)
        if len(top) > 1 and top[0][-2] == top[1][-2]:
            add("ties", f"who was my top artist in {MONTH_NAMES[m]} {y}", says("tied", rows=export.top(
                "artists", month_span(y, m), 5)))
        add("ties", f"top 3 artists in {MONTH_NAMES[m]} {y}", rows_are(top))
        add("ties", f"top 3 songs in {MONTH_NAMES[m]} {y}", rows_are(export.top("tracks", month_span(y, m), 3)))

    # --- one artist: amounts, first and last plays ----------------------------------------------------------
    artists = [row[1] for row in export.top("artists", None, 12) if not row[1].startswith(("Unknown", "Various"))]
    punctuated = [a for a in {r.artist for r in export.music()} if re.search(r"[!.&'é]", a)]
    punctuated = sorted(punctuated, key=lambda a: -len(export.music(artist=a)))[:4]
    for artist in artists[:8] + punctuated:
        rows = export.music(artist=artist)
        add("amount", f"how many times did I play {artist}", tails_are([export.amount(rows)], 2))
        add("amount", f"how many minutes did I listen to {artist} in {year}",
            tails_are([export.amount(export.music(year_span(year), artist))], 2))
        first = min(r.local for r in rows)
        last = max(r.local for r in rows)
        add("first_last", f"when did I first listen to {artist}", tails_are([[first, last, len(rows)]], 3))
        add("first_last", f"when was the last time I played {artist}?", tails_are([[first, last, len(rows)]], 3))
    for artist in artists[:4]:
        y, m = max(export.months(), key=lambda ym: len(export.music(month_span(*ym), artist)))
        add("amount", f"how often did I listen to {artist} in {MONTH_NAMES[m][:3]} '{str(y)[2:]}",
            tails_are([export.amount(export.music(month_span(y, m), artist))], 2))

    # --- two artists compared ------------------------------------------------------------------------------
    others = [a for a in punctuated if a not in artists[:3]]
    pairs = list(zip(artists[0:8:2], artists[1:8:2])) + [(artists[0], others[0]), (others[1], artists[2])]
    for index, (a, b) in enumerate(pairs):
        counted = sorted([[name, *export.amount(export.music(artist=name))] for name in (a, b)],
                         key=lambda row: (-row[1], -row[2], folded(row[0])))
        phrasing = [f"who did I listen to more, {a} or {b}?", f"did I listen to {a} more than {b}",
                    f"{a} vs {b}", f"compare {a} and {b}", f"who do I play more: {a} or {b}"][index % 5]
        add("compare", phrasing, rows_are(counted))
        minutes = sorted([[name, *export.amount(export.music(year_span(year), name))] for name in (a, b)],
                         key=lambda row: (-row[2], -row[1], folded(row[0])))
        add("compare", f"did I spend more time on {b} or {a} in {year}?", rows_are(minutes))

    # --- songs: exact titles, versions, first plays ----------------------------------------------------------
    songs = [(row[1], row[2]) for row in export.top("tracks", None, 40)]
    songs = [(t, a) for t, a in songs if not t.startswith("Unknown")]
    chosen = []
    for title, _ in songs:
        base = song_base(title)
        # Whose song a title names: the one artist with a song of exactly that title, else the one artist with a
        # version of it; anyone else's is a question back ("which one?"), left out of the set.
        versions = {r.artist for r in export.music() if folded(song_base(r.track)) == folded(base)}
        exact = {r.artist for r in export.music() if folded(r.track) == folded(base)}
        owners = exact or versions
        if len(owners) == 1 and (base, *owners) not in [c[:2] for c in chosen]:
            chosen.append((base, *owners, len(versions) > 1))
    versions = [c for c in chosen if c[2]][:6]
    for base, artist, _ in chosen[:12] + versions:
        rows = export.song_rows(base, artist)
        add("songs", f"how many times did I play {base}", tails_are([export.amount(rows)], 2))
        add("first_last", f"first time I played {base}",
            tails_are([[min(r.local for r in rows), max(r.local for r in rows), len(rows)]], 3))
    for base, artist, _ in chosen[:6]:
        rows = export.song_rows(base, artist)
        add("songs", f"how many times did I play {base} by {artist}", tails_are([export.amount(rows)], 2))

    # --- top songs of one artist ------------------------------------------------------------------------------
    for index, artist in enumerate(artists[:6] + punctuated[:2]):
        phrasing = [f"top songs by {artist}", f"my most played {artist} songs", f"top 3 tracks by {artist}",
                    f"which {artist} songs did I play most", f"what are my favourite songs by {artist}",
                    f"top 5 {artist} songs", f"best songs by {artist}", f"most played songs by {artist}"][index]
        n = 3 if "top 3" in phrasing else 5 if "top 5" in phrasing else 10
        add("artist_songs", phrasing, rows_are(export.top("tracks", None, n, artist=artist)))

    # --- totals and spoken word ------------------------------------------------------------------------------
    add("totals", f"how many minutes did I listen in {year}", tails_are([export.totals(year_span(year))], 5))
    add("totals", "my total listening time", tails_are([export.totals()], 5))
    add("totals", f"how many different artists did I listen to in {year}",
        tails_are([export.totals(year_span(year))], 5))
    add("podcasts", "podcasts last year", tails_are([export.spoken("podcast", year_span(2025))], 2))
    add("podcasts", "how many podcasts did I listen to last year", tails_are([export.spoken("podcast",
                                                                                           year_span(2025))], 2))
    add("podcasts", f"podcasts in {year}", tails_are([export.spoken("podcast", year_span(year))], 2))
    add("podcasts", f"how many podcast episodes did I play in {year}",
        tails_are([export.spoken("podcast", year_span(year))], 2))
    add("podcasts", f"how much time did I spend on audiobooks in {year}",
        tails_are([export.spoken("audiobook", year_span(year))], 2))

    # --- genres none known: say so, not "no plays" -----------------------------------------------------------
    for question in (f"top genres in {year}", "my favourite genre", "what genres do I listen to most"):
        add("genres", question, says("genres"))

    # --- skips ----------------------------------------------------------------------------------------------
    if any(r.skipped is not None for r in export.rows):
        add("skips", "most skipped song", rows_are(export.top_skipped(None, 5)))
        add("skips", "what are my most skipped songs", rows_are(export.top_skipped(None, 10)))
        add("skips", f"top 5 skipped tracks in {year}", rows_are(export.top_skipped(year_span(year), 5)))
        for y, m in busiest:
            span = month_span(y, m)
            counted = [len(export.skips(span)), len(export.music(span))]
            add("skips", f"how often did I skip in {MONTH_NAMES[m]} {y}", tails_are([counted], 2))
            add("skips", f"how many songs did I skip in {m}/{y}", tails_are([counted], 2))
        add("skips", f"which song did I skip the most in {MONTH_NAMES[busiest[0][1]]} {busiest[0][0]}",
            rows_are(export.top_skipped(month_span(*busiest[0]), 5)))

    # --- not understood: says so first, then what it can do ---------------------------------------------------
    for question in ("what's the weather in Paris", "asdf qwerty", "play something sad",
                     "how many times did I play Zyxwvut Quintet"):
        add("not_understood", question, refused)
    return out


def load_exports() -> list[Export]:
    found = []
    for (path, zone), reader in ((EXTENDED, read_extended), (ACCOUNT, read_account)):
        found.append(Export(path.parent.name, reader(path, ZoneInfo(zone)), zone))
    return found
