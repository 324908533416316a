"""The artist, track, album or genre a question names, found among what this listener has played — never the
whole catalog, so a question can only ever reach the asker's own history.

Exact names win (ignoring case, accents, punctuation, a leading "the" and version suffixes such as
" - Remastered 2011"); otherwise a close spelling (a typo) is taken when one name is clearly closest. Two
different things with the same name are not guessed between: the listener is asked to say which.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process

from accounts.models import User
from listening.models import Album, Artist, DailyAlbumPlays, DailyArtistPlays, DailyTrackPlays, Genre, Track
from listening.names import name_key

# A typo must score at least this (rapidfuzz ratio, 0–100) and beat anything else by a clear margin.
FUZZY_CUTOFF = 85
FUZZY_MARGIN = 4
FUZZY_MIN_LENGTH = 4
# An exact match of an artist beats a track of the same name, a track an album, an album a genre.
KIND_ORDER = ("artists", "tracks", "albums", "genres")
KIND_WORDS = {
    "tracks": "(?:song|track|tune|single)", "albums": "(?:album|record|lp|ep)",
    "artists": "(?:artist|band|group|singer|musician)", "genres": "(?:genre)",
}
_PREFIX = {kind: re.compile(rf"^(?:the )?{words} (?P<name>.+)$") for kind, words in KIND_WORDS.items()}
_SUFFIX = {kind: re.compile(rf"^(?P<name>.+?) {words}$") for kind, words in KIND_WORDS.items()}
_ARTIST_MUSIC = re.compile(r"^(?P<name>.+?)(?:'s?)? (?:music|songs|tracks|stuff|albums|records)$")
_GENRE_MUSIC = re.compile(r"^(?:the genre )?(?P<name>.+?) (?:music|genre)$")


class NotFound(Exception):
    """No (or no single) match; `reason` is a sentence for the listener."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Entry:
    kind: str
    id: int
    name: str
    artist: str | None = None  # tracks and albums
    album: str | None = None  # tracks: which album this version is on, to tell versions apart


@dataclass
class Found:
    """What a name was taken to mean: one artist, track, album or genre (ids: every catalog row of it)."""

    kind: str
    name: str
    artist: str | None
    ids: list[int] = field(default_factory=list)
    exact: bool = True
    asked_as: str = ""

    @property
    def title(self) -> str:
        return f"{self.name} by {self.artist}" if self.artist else self.name


def simplify(name: str) -> str:
    """The form names are compared in: no case, accents, punctuation or leading "the"."""
    text = unicodedata.normalize("NFKD", name_key(name))
    text = "".join(char for char in text if not unicodedata.combining(char)).replace("&", " and ")
    text = re.sub(r"[^\w\s]", "", text)
    text = re.sub(r"^the\s+", "", text)
    return re.sub(r"\s+", " ", text).strip()


def base_name(name: str) -> str:
    """A track or album name without its version: " - Remastered 2011", " (feat. …)", " [Live]"."""
    base = re.sub(r"\s+[-–—]\s+.*$", "", name)
    base = re.sub(r"\s*[(\[][^)\]]*[)\]]", "", base).strip()
    return base or name


def _keys(entry: Entry) -> set[str]:
    keys = {simplify(entry.name)}
    if entry.kind in ("tracks", "albums"):
        keys.add(simplify(base_name(entry.name)))
    return {key for key in keys if key}


class Catalog:
    """One listener's played artists, tracks, albums and genres, each loaded once when first needed."""

    def __init__(self, user: User):
        self.user = user
        self._entries: dict[str, list[Entry]] = {}
        self._index: dict[str, dict[str, list[Entry]]] = {}  # kind -> key -> entries
        self._squashed: dict[str, dict[str, list[Entry]]] = {}  # the same without spaces ("ac dc" = "acdc")

    def entries(self, kind: str) -> list[Entry]:
        if kind not in self._entries:
            self._entries[kind] = self._load(kind)
            index, squashed = {}, {}
            for entry in self._entries[kind]:
                for key in _keys(entry):
                    index.setdefault(key, []).append(entry)
                    squashed.setdefault(key.replace(" ", ""), []).append(entry)
            self._index[kind], self._squashed[kind] = index, squashed
        return self._entries[kind]

    def _load(self, kind: str) -> list[Entry]:
        user = self.user
        if kind == "artists":
            played = DailyArtistPlays.objects.filter(user=user).values("artist_id")
            rows = Artist.objects.filter(id__in=played).values_list("id", "name")
            return [Entry(kind, pk, name) for pk, name in rows]
        if kind == "tracks":
            played = DailyTrackPlays.objects.filter(user=user).values("track_id")
            rows = Track.objects.filter(id__in=played).values_list("id", "name", "artist__name", "album__name")
            return [Entry(kind, pk, name, artist, album) for pk, name, artist, album in rows]
        if kind == "albums":
            played = DailyAlbumPlays.objects.filter(user=user).values("album_id")
            rows = Album.objects.filter(id__in=played).values_list("id", "name", "artist__name")
            return [Entry(kind, pk, name, artist) for pk, name, artist in rows]
        played = DailyArtistPlays.objects.filter(user=user).values("artist_id")
        rows = Genre.objects.filter(artistgenre__artist_id__in=played).distinct().values_list("id", "name")
        return [Entry(kind, pk, name) for pk, name in rows]

    # --- finding ------------------------------------------------------------------------------------------
    def find(self, text: str, *, quoted: bool = False, kinds: tuple[str, ...] = KIND_ORDER) -> Found:
        """The one thing of `kinds` that `text` names. Raises NotFound with a reason for the listener."""
        readings = [(name, tuple(kind for kind in found_kinds if kind in kinds), artist)
                    for name, found_kinds, artist in self._readings(text, quoted=quoted)]
        readings = [reading for reading in readings if reading[1]]
        for name, kinds, artist in readings:
            if groups := self._exact(name, kinds, artist):
                return self._found(self._pick(text, groups, name), text, exact=True)
        for name, kinds, artist in readings:
            if groups := self._close(name, kinds, artist):
                return self._found(self._pick(text, groups), text, exact=False)
        raise NotFound(f"I couldn't find “{text}” among the artists, tracks and albums you've played.")

    @staticmethod
    def _readings(text: str, *, quoted: bool) -> list[tuple[str, tuple[str, ...], str | None]]:
        """Ways to read the words: as a kind they name ("the album X"), "X by Y", and as they are."""
        if quoted:
            return [(text, KIND_ORDER, None)]
        readings = []
        for kind, pattern in _PREFIX.items():
            if match := pattern.match(text):
                readings.append((match.group("name"), (kind,), None))
        for kind, pattern in _SUFFIX.items():
            if match := pattern.match(text):
                readings.append((match.group("name"), (kind,), None))
        if match := _GENRE_MUSIC.match(text):
            readings.append((match.group("name"), ("genres", "artists"), None))
        if match := _ARTIST_MUSIC.match(text):
            readings.append((match.group("name"), ("artists",), None))
        for match in re.finditer(r" by ", text):
            name, artist = text[:match.start()], text[match.end():]
            for kind, pattern in _PREFIX.items():
                if kind in ("tracks", "albums") and (named := pattern.match(name)):
                    readings.append((named.group("name"), (kind,), artist))
            readings.append((name, ("tracks", "albums"), artist))
        readings.append((text, KIND_ORDER, None))
        return readings

    def _artist_fits(self, entry: Entry, artist: str | None) -> bool:
        if artist is None:
            return True
        wanted, actual = simplify(artist), simplify(entry.artist or "")
        return wanted == actual or wanted.replace(" ", "") == actual.replace(" ", "") or (
            len(wanted) >= FUZZY_MIN_LENGTH and fuzz.ratio(wanted, actual) >= FUZZY_CUTOFF)

    def _exact(self, name: str, kinds, artist) -> dict[tuple, list[Entry]]:
        key = simplify(name)
        groups: dict[tuple, list[Entry]] = {}
        if not key:
            return groups
        for kind in kinds:
            self.entries(kind)
            matches = self._index[kind].get(key) or self._squashed[kind].get(key.replace(" ", "")) or []
            for entry in matches:
                if self._artist_fits(entry, artist):
                    groups.setdefault(_identity(entry), []).append(entry)
        return groups

    def _close(self, name: str, kinds, artist) -> dict[tuple, list[Entry]]:
        """Names within a typo or two, keeping only those about as close as the closest."""
        key = simplify(name)
        if len(key) < FUZZY_MIN_LENGTH:
            return {}
        scores: dict[tuple, float] = {}
        groups: dict[tuple, list[Entry]] = {}
        for kind in kinds:
            self.entries(kind)
            index = self._index[kind]
            for choice, score, _ in process.extract(key, list(index), scorer=fuzz.ratio, limit=10,
                                                    score_cutoff=FUZZY_CUTOFF - FUZZY_MARGIN):
                for entry in index[choice]:
                    if self._artist_fits(entry, artist):
                        identity = _identity(entry)
                        scores[identity] = max(score, scores.get(identity, 0))
                        if entry not in groups.setdefault(identity, []):
                            groups[identity].append(entry)
        if not scores or max(scores.values()) < FUZZY_CUTOFF:
            return {}
        best = max(scores.values())
        return {identity: groups[identity] for identity, score in scores.items() if score > best - FUZZY_MARGIN}

    def _pick(self, asked: str, groups: dict[tuple, list[Entry]], name: str | None = None) -> list[Entry]:
        """One thing among the matches. An artist's self-titled album or title track gives way to the artist,
        an album to its title track; anything else with the same name is a question back to the listener."""
        first_kind = {}
        for identity in groups:
            owner = _owner(identity)
            first_kind[owner] = min(first_kind.get(owner, identity[0]), identity[0], key=KIND_ORDER.index)
        groups = {identity: entries for identity, entries in groups.items()
                  if identity[0] == first_kind[_owner(identity)]}
        if name is not None:
            groups = _exact_titles_first(name, groups)
        if len(groups) > 1:
            raise NotFound(self._which(asked, [entries[0] for entries in groups.values()]))
        return next(iter(groups.values()))

    @staticmethod
    def _found(entries: list[Entry], asked: str, *, exact: bool) -> Found:
        """All rows of one thing (the same song on a single and an album)."""
        first = min(entries, key=lambda entry: entry.id)
        name = first.name if len({entry.name for entry in entries}) == 1 else base_name(first.name)
        return Found(first.kind, name, first.artist, sorted(entry.id for entry in entries), exact, asked)

    @staticmethod
    def _which(asked: str, entries: list[Entry]) -> str:
        options = list(dict.fromkeys(_choice(entry) for entry in entries))[:4]
        listed = ", ".join(options[:-1]) + f" or {options[-1]}"
        return f"“{asked}” could be {listed}: ask again with the one you mean."


def _choice(entry: Entry) -> str:
    """How a choice is put to the listener: enough to tell a song's versions and namesakes apart."""
    if entry.kind == "tracks":
        return f"“{entry.name} by {entry.artist}”" + (f" (on {entry.album})" if entry.album else "")
    if entry.kind == "albums":
        return f"the album “{entry.name}” by {entry.artist}"
    return f"the {entry.kind[:-1]} “{entry.name}”"


def _exact_titles_first(name: str, groups: dict[tuple, list[Entry]]) -> dict[tuple, list[Entry]]:
    """A name matching one thing's full title beats things it matches only without their version ("Dandelions" is
    Ruth B.'s song, not "Dandelions (Violin)" by someone else)."""
    key = simplify(name)
    exact = {identity: entries for identity, entries in groups.items()
             if any(simplify(entry.name) == key for entry in entries)}
    return exact or groups


def _owner(identity: tuple) -> tuple:
    """Whose thing it is: an artist's own name, a track's or album's artist; a genre belongs to nobody."""
    kind = identity[0]
    if kind == "artists":
        return ("artist", identity[1])
    if kind in ("tracks", "albums"):
        return ("artist", identity[2])
    return identity


def _identity(entry: Entry) -> tuple:
    """Rows that are the same thing to a listener: one artist name; one song or album name by one artist."""
    if entry.kind in ("tracks", "albums"):
        return (entry.kind, simplify(base_name(entry.name)), simplify(entry.artist or ""))
    return (entry.kind, simplify(entry.name))
