"""A fixed listening history for the questions box, and an independent reckoning of what is in it.

The history is generated (seeded, so always the same shape) from 1 January 2022 up to now, relative to the real
date, so relative questions ("last month", "this summer") always have plays to find. A few plays are placed by
hand for questions whose answers we check as literal dates. `History` recounts everything in plain Python from the
same rows — a second implementation the answers are checked against, not a replay of the selectors.
"""

from __future__ import annotations

import random
import unicodedata
from calendar import monthrange
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

from django.utils import timezone

from listening.imports import PlayRow
from listening.models import Artist, ArtistGenre, Genre
from listening.services import plays_add

ZONE_NAME = "Europe/Amsterdam"
ZONE = ZoneInfo(ZONE_NAME)
START = date(2022, 1, 1)

# artist: (genres, [(track, album, weight, first day it may be generated, last day)])
CATALOG = {
    "Radiohead": (("alternative rock", "art rock"), [
        ("Karma Police", "OK Computer", 9, None, None), ("Paranoid Android", "OK Computer", 6, None, None),
        ("No Surprises", "OK Computer", 5, None, None), ("Creep", "Pablo Honey", 4, None, None)]),
    "TLC": (("r&b", "pop"), [("Creep", "CrazySexyCool", 3, None, None), ("No Scrubs", "FanMail", 4, None, None)]),
    "Queen": (("classic rock", "glam rock"), [
        ("Bohemian Rhapsody", "A Night at the Opera", 5, date(2022, 4, 1), None),
        ("Don't Stop Me Now", "Jazz", 4, None, None)]),
    "The Beatles": (("classic rock", "british invasion"), [
        ("Yesterday", "Help!", 3, date(2022, 9, 11), None), ("Here Comes the Sun", "Abbey Road", 5, None, None)]),
    "Prince": (("funk", "pop"), [("1999", "1999", 4, None, None), ("Purple Rain", "Purple Rain", 3, None, None)]),
    "Björk": (("art pop", "electronic"), [
        ("Hyperballad", "Post", 4, None, None), ("Jóga", "Homogenic", 3, None, None)]),
    "Weezer": (("alternative rock", "power pop"), [
        ("Buddy Holly", "Weezer", 4, None, None), ("Say It Ain't So", "Weezer", 3, None, None)]),
    "AC/DC": (("hard rock",), [("Back in Black", "Back in Black", 5, None, None)]),
    "Guns N' Roses": (("hard rock", "glam metal"), [
        ("Sweet Child O' Mine", "Appetite for Destruction", 4, None, None)]),
    "Sigur Rós": (("post-rock",), [("Hoppípolla", "Takk...", 3, date(2024, 2, 15), None)]),
    "Daft Punk": (("electronic", "french house"), [
        ("One More Time", "Discovery", 6, None, None), ("Get Lucky", "Random Access Memories", 5, None, None)]),
    "Nina Simone": (("jazz",), [("Feeling Good", "I Put a Spell on You", 3, None, date(2025, 12, 23))]),
    "The Smashing Pumpkins": (("alternative rock",), [("Today", "Siamese Dream", 3, None, None)]),
    "Simon & Garfunkel": (("folk",), [("The Boxer", "Bridge over Troubled Water", 2, None, None)]),
}
GENRES = {artist: genres for artist, (genres, _) in CATALOG.items()}
# The remastered single is another catalog row of the same song: questions about the song count both.
REMASTER = ("Queen", "Bohemian Rhapsody - Remastered 2011", "A Night at the Opera (2011 Remaster)",
            "spotify:track:4u7EnebtmKWzUH433cf5Qv")
# Placed by hand: (artist, track, album, local time, minutes, uri)
FIXED = [
    ("Queen", "Bohemian Rhapsody", "A Night at the Opera", datetime(2022, 3, 5, 21, 15), 6, None),
    ("The Beatles", "Yesterday", "Help!", datetime(2022, 9, 10, 8, 5), 2.1, None),
    # Just after midnight in Amsterdam, still the 13th in UTC: the listener's day is the 14th.
    ("Sigur Rós", "Hoppípolla", "Takk...", datetime(2024, 2, 14, 0, 30), 4.5, None),
    ("Nina Simone", "Feeling Good", "I Put a Spell on You", datetime(2025, 12, 24, 22, 10), 2.9, None),
]
PODCASTS = ("The Daily", "Radiolab")
AUDIOBOOK = "Dune"


@dataclass(frozen=True)
class Play:
    kind: str
    artist: str  # or the show / book
    track: str
    album: str | None
    uri: str | None
    epoch: int
    ms: int

    @property
    def local(self) -> datetime:
        return datetime.fromtimestamp(self.epoch, ZONE)


def _local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), ZONE)


def generate(today: date, now: datetime) -> list[Play]:
    """Every play of the listener's history: seeded, so the same for the same `today`."""
    rng = random.Random(20240601)
    plays: list[Play] = []
    forced_gaps = {date(2023, 6, 9), date(2023, 7, 20), today - timedelta(days=13)}
    forced_days = {date(2023, 6, 10) + timedelta(days=n) for n in range(40)}
    forced_days |= {today - timedelta(days=n) for n in range(1, 13)}
    tracks = [(artist, name, album, weight, since, until)
              for artist, (_, songs) in CATALOG.items() for name, album, weight, since, until in songs]
    day = START
    while day < today:
        if day not in forced_gaps and (day in forced_days or rng.random() < 0.55):
            weekend = day.isoweekday() in (6, 7)
            starts = [rng.randint(9, 13), rng.randint(19, 22)] if weekend and rng.random() < 0.5 else (
                [rng.randint(9, 13)] if weekend else [rng.randint(18, 22)])
            eligible = [t for t in tracks if (t[4] is None or day >= t[4]) and (t[5] is None or day <= t[5])]
            weights = [t[3] for t in eligible]
            for hour in starts:
                moment = _local(day, hour, rng.randint(0, 40))
                for _ in range(rng.randint(2, 7)):
                    artist, name, album, *_ = rng.choices(eligible, weights)[0]
                    uri = None
                    if name == "Bohemian Rhapsody" and day >= date(2023, 1, 1) and rng.random() < 0.4:
                        artist, name, album, uri = REMASTER
                    ms = rng.randint(95_000, 380_000)
                    moment += timedelta(milliseconds=ms + 15_000)
                    plays.append(Play("music", artist, name, album, uri, int(moment.timestamp()), ms))
            if not weekend and rng.random() < 0.25:
                moment = _local(day, 7, rng.randint(0, 20))
                for _ in range(rng.randint(1, 2)):
                    ms = rng.randint(600_000, 1_800_000)
                    moment += timedelta(milliseconds=ms + 5_000)
                    show = rng.choice(PODCASTS)
                    plays.append(Play("podcast", show, f"{show} {day.isoformat()} {moment:%H%M}", None, None,
                                      int(moment.timestamp()), ms))
            if rng.random() < 0.06:
                ms = rng.randint(900_000, 2_400_000)
                moment = _local(day, 23, 5) + timedelta(milliseconds=ms)
                plays.append(Play("audiobook", AUDIOBOOK, f"Chapter {len(plays)}", None, None,
                                  int(moment.timestamp()), ms))
        day += timedelta(days=1)
    for artist, name, album, moment, minutes, uri in FIXED:
        plays.append(Play("music", artist, name, album, uri, int(moment.replace(tzinfo=ZONE).timestamp()),
                          int(minutes * 60_000)))
    # And one today, a few minutes ago.
    plays.append(Play("music", "Radiohead", "Karma Police", "OK Computer", None,
                      int((now - timedelta(minutes=5)).timestamp()), 201_000))
    return sorted(plays, key=lambda play: play.epoch)


def load(user, plays: list[Play]) -> None:
    """Through the real write path, then genres as sync would have stored them."""
    rows = [PlayRow(source="extended", kind=p.kind, ended_at=p.epoch, ms_played=p.ms, item_uri=p.uri, name=p.track,
                    artist_or_show=p.artist, album=p.album) for p in plays]
    summary = plays_add(user=user, rows=rows)
    assert summary.added == len(plays), f"the fixture lost plays to the dedupe rule: {summary}"
    for artist in {play.artist for play in plays if play.kind == "music"} & set(GENRES):
        for genre in GENRES[artist]:
            ArtistGenre.objects.get_or_create(
                artist=Artist.objects.get(name=artist), genre=Genre.objects.get_or_create(name=genre)[0],
                source=ArtistGenre.Source.SPOTIFY,
            )


# --- the oracle ---------------------------------------------------------------------------------------------
def add_months(day: date, months: int) -> date:
    year, month = divmod(day.month - 1 + months, 12)
    year, month = day.year + year, month + 1
    return date(year, month, min(day.day, monthrange(year, month)[1]))


class Spans:
    """Date ranges worked out afresh from `today`, the way a person would read them."""

    def __init__(self, today: date):
        self.today = today

    def _clip(self, start, end):
        if start > self.today:
            return None  # in the future: the question must be refused
        return start, min(end, self.today)

    def year(self, year):
        return self._clip(date(year, 1, 1), date(year, 12, 31))

    def month(self, year, month):
        return self._clip(date(year, month, 1), date(year, month, monthrange(year, month)[1]))

    def day(self, day):
        return (day, day)

    @property
    def today_(self):
        return (self.today, self.today)

    @property
    def yesterday(self):
        return self.day(self.today - timedelta(days=1))

    @property
    def this_week(self):
        return (self.today - timedelta(days=self.today.weekday()), self.today)

    @property
    def last_week(self):
        monday = self.today - timedelta(days=self.today.weekday())
        return (monday - timedelta(days=7), monday - timedelta(days=1))

    @property
    def this_month(self):
        return (self.today.replace(day=1), self.today)

    @property
    def last_month(self):
        first = add_months(self.today.replace(day=1), -1)
        return self.month(first.year, first.month)

    @property
    def this_year(self):
        return (date(self.today.year, 1, 1), self.today)

    @property
    def last_year(self):
        return self.year(self.today.year - 1)

    def last_days(self, n):
        return (self.today - timedelta(days=n - 1), self.today)

    def last_months(self, n):
        return (add_months(self.today, -n) + timedelta(days=1), self.today)

    def last_named_month(self, month):
        """"last March": the latest March before this month."""
        return self.month(self.today.year if month < self.today.month else self.today.year - 1, month)

    def since(self, start):
        return (start, self.today)

    @property
    def this_summer(self):
        if self.today.month < 6:
            return None
        return (date(self.today.year, 6, 1), min(date(self.today.year, 8, 31), self.today))

    @property
    def last_summer(self):
        year = self.today.year if self.today.month >= 9 else self.today.year - 1
        return (date(year, 6, 1), date(year, 8, 31))

    @property
    def last_winter(self):
        """The latest winter (December to February) to have ended."""
        year = self.today.year - 1 if self.today.month >= 3 else self.today.year - 2
        return (date(year, 12, 1), date(year + 1, 3, 1) - timedelta(days=1))


class History:
    """What the fixture contains, counted directly from its rows."""

    def __init__(self, plays: list[Play], today: date):
        self.plays = plays
        self.today = today
        self.spans = Spans(today)

    def select(self, span=None, weekdays=None, kind="music") -> list[Play]:
        chosen = []
        for play in self.plays:
            if kind and play.kind != kind:
                continue
            day = play.local.date()
            if span and not (span[0] <= day <= span[1]):
                continue
            if weekdays and day.isoweekday() not in weekdays:
                continue
            chosen.append(play)
        return chosen

    def top(self, kind, span=None, n=10, by="plays", weekdays=None, artist=None) -> list[list]:
        sums: dict = {}
        for play in self.select(span, weekdays):
            if artist and play.artist != artist:
                continue
            for key in self._keys(kind, play):
                plays, ms = sums.get(key, (0, 0))
                sums[key] = (plays + 1, ms + play.ms)
        def order(key):
            # Ties on the measure go by the other (in whole minutes, as shown), then by name.
            plays, minutes = sums[key][0], sums[key][1] // 60_000
            names = (key[1], key[0]) if isinstance(key, tuple) else (key, "")
            first = (-minutes, -plays) if by == "minutes" else (-plays, -minutes)
            return (*first, *(_folded(name) for name in names))

        rows = []
        for rank, key in enumerate(sorted(sums, key=order)[:n], start=1):
            plays, ms = sums[key]
            names = [key[1], key[0]] if isinstance(key, tuple) else [key]
            rows.append([rank, *names, plays, ms // 60_000])
        return rows

    @staticmethod
    def _keys(kind, play) -> list:
        if kind == "artists":
            return [play.artist]
        if kind == "tracks":
            return [(play.artist, play.track)]
        if kind == "albums":
            return [(play.artist, play.album)]
        return list(GENRES[play.artist])

    def _item_plays(self, kind, name, artist=None, span=None) -> dict:
        """Plays of one artist, song (every version of it) or album; minutes are counted per catalog row."""
        per_row: dict = {}
        for play in self.select(span):
            if kind == "artists":
                hit, row = play.artist == name, play.artist
            elif kind == "tracks":
                hit, row = play.artist == artist and name in (play.track, play.track.split(" - ")[0]), play.track
            else:
                hit, row = play.artist == artist and play.album == name, play.album
            if hit:
                per_row.setdefault(row, []).append(play)
        everything = [play for plays in per_row.values() for play in plays]
        return {
            "plays": len(everything),
            "minutes": sum(p.ms for p in everything) // 60_000,
            "first": min((p.local for p in everything), default=None),
            "last": max((p.local for p in everything), default=None),
        }

    def amount(self, kind, name, artist=None, span=None) -> list[list]:
        if kind == "genres":
            chosen = [p for p in self.select(span) if name in GENRES[p.artist]]
            return [[name, len(chosen), sum(p.ms for p in chosen) // 60_000]]
        numbers = self._item_plays(kind, name, artist, span)
        return [[name, *([artist] if artist else []), numbers["plays"], numbers["minutes"]]]

    def first_last(self, kind, name, artist=None, span=None) -> list[list]:
        numbers = self._item_plays(kind, name, artist, span)
        if not numbers["plays"]:
            return []
        return [[name, *([artist] if artist else []), numbers["first"], numbers["last"], numbers["plays"]]]

    def totals(self, span=None, weekdays=None) -> list:
        music = self.select(span, weekdays)
        return [len(music), sum(p.ms for p in music) // 60_000, len({p.artist for p in music}),
                len({(p.artist, p.track) for p in music}), len({p.local.date() for p in music})]

    def spoken(self, kind, span=None) -> list:
        chosen = self.select(span, kind=kind)
        return [len(chosen), sum(p.ms for p in chosen) // 60_000]

    def streaks(self) -> dict:
        days = sorted({p.local.date() for p in self.plays})
        runs, start = [], days[0]
        for previous, day in pairwise(days):
            if day - previous != timedelta(days=1):
                runs.append((start, previous))
                start = day
        runs.append((start, days[-1]))
        def length(run):
            return (run[1] - run[0]).days + 1

        longest = max(runs, key=lambda run: (length(run), run[1]))
        latest = runs[-1]
        current = latest if latest[1] >= self.today - timedelta(days=1) else None
        return {"current": (length(current), *current) if current else (0, None, None),
                "longest": (length(longest), *longest)}

    def clock(self, span=None) -> tuple[list[int], list[int]]:
        """Minutes by hour and by weekday, each cell (weekday, hour) rounded down first, as the clock is."""
        cells: dict = {}
        for play in self.select(span):
            key = (play.local.weekday(), play.local.hour)
            cells[key] = cells.get(key, 0) + play.ms
        minutes = {key: ms // 60_000 for key, ms in cells.items()}
        by_hour = [sum(minutes.get((day, hour), 0) for day in range(7)) for hour in range(24)]
        by_day = [sum(minutes.get((day, hour), 0) for hour in range(24)) for day in range(7)]
        return by_hour, by_day


def _folded(name: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", name.casefold()) if not unicodedata.combining(c))


def build(user) -> History:
    user.time_zone = ZONE_NAME
    user.save(update_fields=["time_zone"])
    now = timezone.now()
    today = now.astimezone(ZONE).date()
    plays = generate(today, now)
    load(user, plays)
    return History(plays, today)
