"""Reading a Spotify data export: the ZIP or JSON files, checked, parsed into plain rows.

Layouts handled, each known by its records' keys whatever the file is called (see ../shared/fixtures/spotify_export/):
- extended streaming history: Streaming_History_Audio_*.json / Streaming_History_Video_*.json (2023+, with
  audiobook_* keys) and the older endsong_*.json (same keys less audiobooks, unsorted, offline_timestamp in ms);
- account data: StreamingHistory*.json / StreamingHistory_music_N.json (endTime to the minute, names only) and
  StreamingHistory_podcast_N.json.

Files are read a slice at a time, never whole. A file that is not what Spotify writes (not JSON, not its
shape, a damaged ZIP) is refused with BadExport, in words a listener can act on; a row that cannot be a play the database can hold is
skipped and counted by reason (ParsedFile.unreadable), what the import summary tells the listener:
- unreadable time, played before Spotify existed (2006) or in the future: skipped;
- a negative duration, or one longer than a day: skipped;
- no track or episode, or a link that is not a Spotify track/episode link: skipped (a local file, which
  Spotify links as spotify:local:…, is kept by its names, like account data);
- a track, episode, artist or show name longer than the catalog holds, or with a NUL character: skipped;
- an album name like that, or a platform, country or reason like that: left out, the play kept.
A file with text JSON cannot hold (half a surrogate pair, bytes that are not UTF-8) is refused as not JSON.
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache, lru_cache, partial
from pathlib import Path, PurePosixPath
from typing import BinaryIO

import msgspec
from django.conf import settings
from django.utils import timezone

from listening.models import Play
from listening.names import name_key
from rewrapped.api import ApplicationError

ZIP_MAGIC = b"PK\x03\x04"
# What a file's first record must hold to be a layout's (Spotify's other files, say SearchQueries.json, hold none).
LAYOUT_KEYS = {"extended": {"ts", "ms_played"}, "account": {"endTime", "msPlayed"}}
SNIFF_BYTES = 64_000  # enough for a first record many times over, and all a member costs before it is wanted
MAX_ZIP_FILES = 10_000  # Spotify's ZIPs hold tens; each member's first bytes are read to know what it is
MEMBER_PATTERNS = {
    "extended": re.compile(r"^(Streaming_History_(Audio|Video)_.*|endsong(_\d+)?)\.json$", re.IGNORECASE),
    "account": re.compile(r"^StreamingHistory(_music_)?\d*\.json$", re.IGNORECASE),
    "account_podcast": re.compile(r"^StreamingHistory_podcast_\d+\.json$", re.IGNORECASE),
}


class BadExport(ApplicationError):
    def __init__(self, message: str):
        super().__init__(message, code="bad_export")


# gc=False: a million rows of plain strings and numbers hold no cycles, and tracking them made the
# collector half of the parse time.
class ExtendedRow(msgspec.Struct, gc=False):
    ts: str
    ms_played: int
    platform: str | None = None
    conn_country: str | None = None
    master_metadata_track_name: str | None = None
    master_metadata_album_artist_name: str | None = None
    master_metadata_album_album_name: str | None = None
    spotify_track_uri: str | None = None
    episode_name: str | None = None
    episode_show_name: str | None = None
    spotify_episode_uri: str | None = None
    audiobook_title: str | None = None
    audiobook_uri: str | None = None
    audiobook_chapter_uri: str | None = None
    audiobook_chapter_title: str | None = None
    reason_start: str | None = None
    reason_end: str | None = None
    shuffle: bool | None = None
    skipped: bool | None = None
    offline: bool | None = None


class AccountRow(msgspec.Struct, rename="camel", gc=False):
    end_time: str
    ms_played: int
    artist_name: str | None = None
    track_name: str | None = None
    podcast_name: str | None = None
    episode_name: str | None = None


class PlayRow(msgspec.Struct, gc=False):
    """One listening record, whatever layout it came from."""

    source: str  # a Play.Source: who recorded it, which says how precise its time is
    kind: str  # music | podcast | audiobook
    ended_at: int  # epoch seconds, UTC
    ms_played: int
    item_uri: str | None  # spotify:track:…, spotify:episode:… or an audiobook chapter URI
    name: str
    artist_or_show: str
    album: str | None = None
    reason_start: str | None = None
    reason_end: str | None = None
    shuffle: bool | None = None
    skipped: bool | None = None
    offline: bool | None = None
    platform: str | None = None
    country: str | None = None


@dataclass
class ParsedFile:
    """The plays read from (a slice of) one export file."""

    name: str
    rows: list[PlayRow] = field(default_factory=list)
    unreadable: Counter = field(default_factory=Counter)  # reason -> rows
    size: int = 0  # bytes of the file read


# --- the archive ---------------------------------------------------------------------------
@dataclass
class ExportMember:
    """One listening-history JSON file inside an upload, read only when needed."""

    name: str
    size: int
    layout: str  # a key of LAYOUT_KEYS
    _open: Callable[[], BinaryIO] = field(repr=False)

    def parts(self) -> Iterator[ParsedFile]:
        """The file's plays, a slice of about READ_BYTES at a time."""
        with _damage_reported(self.name), self._open() as stream:
            yield from parse_stream(self.name, stream, self.layout)


def check_upload_size(size: int) -> None:
    if size > settings.IMPORT_MAX_UPLOAD_BYTES:
        raise BadExport(f"The file is larger than {settings.IMPORT_MAX_UPLOAD_BYTES // 1_000_000} MB.")


@contextmanager
def export_members(path: Path, filename: str) -> Iterator[list[ExportMember]]:
    """The listening-history JSON files in an upload (a Spotify ZIP or one JSON file), checked for size,
    zip bombs, escaping paths and what we cannot unpack before anything is read. Raises BadExport with a
    message for the user."""
    size = path.stat().st_size
    check_upload_size(size)
    with open(path, "rb") as handle:
        head = handle.read(SNIFF_BYTES)
    if not head.startswith(ZIP_MAGIC):
        name = PurePosixPath(filename).name
        if (layout := _layout_of(name, head)) is None:
            raise BadExport(f"“{name}” is neither the ZIP Spotify sent you nor a listening-history file from it "
                            "(Streaming_History_Audio_….json, endsong_….json or StreamingHistory….json); "
                            "nothing was imported.")
        yield [ExportMember(name, size, layout, partial(open, path, "rb"))]
        return
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, ValueError, EOFError, NotImplementedError):  # the last: a ZIP version to come
        raise BadExport("The ZIP file is damaged; download it from Spotify again.") from None
    with archive:
        yield _zip_members(archive)


# Stored or deflated, as Spotify's are: the others zipfile can read decompress a whole read at once, however
# far it expands, so a few bytes could fill the memory before any limit is checked.
READABLE_COMPRESSION = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED}
# General-purpose flags of a ZIP entry zipfile cannot read past (APPNOTE 4.4.4).
ENCRYPTED, PATCHED, STRONGLY_ENCRYPTED = 0x1, 0x20, 0x40


def _zip_members(archive: zipfile.ZipFile) -> list[ExportMember]:
    infos = [info for info in archive.infolist() if not info.is_dir()]
    for info in infos:
        path = PurePosixPath(info.filename.replace("\\", "/"))
        if path.is_absolute() or ".." in path.parts:
            raise BadExport(f"The ZIP contains a path outside the archive ({info.filename}); nothing was imported.")
    if len(infos) > MAX_ZIP_FILES:
        raise BadExport(f"The ZIP holds {len(infos):,} files, more than a Spotify export ever does; upload the ZIP "
                        "as Spotify sent it. Nothing was imported.")
    wanted = [(info, layout) for info in infos if (layout := _member_layout(archive, info))]
    if not wanted:
        raise BadExport("This ZIP has no Spotify listening history in it (no Streaming_History_Audio_….json, "
                        "endsong_….json or StreamingHistory….json, by name or by content); nothing was imported.")
    if sum(info.file_size for info, _ in wanted) > settings.IMPORT_MAX_EXPANDED_BYTES:
        raise BadExport("The ZIP expands to more data than an export can hold; nothing was imported.")
    for info, _ in wanted:
        if info.compress_size and info.file_size / info.compress_size > settings.IMPORT_MAX_ZIP_RATIO:
            raise BadExport("The ZIP is compressed suspiciously well (a zip bomb?); nothing was imported.")
    # zipfile never returns more of a member than its index claims, and checks its CRC at the end.
    return [ExportMember(PurePosixPath(info.filename).name, info.file_size, layout, partial(archive.open, info))
            for info, layout in wanted]


def _member_layout(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> str | None:
    """The layout of a ZIP member, by its first record or else its name. A member we cannot unpack is refused when
    its name says it is listening history, and passed over otherwise (Spotify's ZIP holds other files too)."""
    name = PurePosixPath(info.filename).name
    if not _unpackable(info):
        if _layout_for(name):
            _check_unpackable(info)
        return None
    with _damage_reported(name), archive.open(info) as member:
        head = member.read(SNIFF_BYTES)
    return _layout_of(name, head)


def _unpackable(info: zipfile.ZipInfo) -> bool:
    return (not info.flag_bits & (ENCRYPTED | STRONGLY_ENCRYPTED | PATCHED)
            and info.compress_type in READABLE_COMPRESSION)


def _check_unpackable(info: zipfile.ZipInfo) -> None:
    if info.flag_bits & (ENCRYPTED | STRONGLY_ENCRYPTED):
        raise BadExport("The ZIP is password-protected; upload it as Spotify sent it. Nothing was imported.")
    if info.compress_type not in READABLE_COMPRESSION or info.flag_bits & PATCHED:
        raise BadExport(f"“{PurePosixPath(info.filename).name}” is compressed in a way Spotify does not use; "
                        "upload the ZIP as Spotify sent it. Nothing was imported.")


@contextmanager
def _damage_reported(name: str) -> Iterator[None]:
    """What zipfile raises for a member whose data does not match its index, as the user's BadExport."""
    try:
        yield
    except (zipfile.BadZipFile, zlib.error, EOFError):
        raise BadExport(f"The ZIP file is damaged: “{name}” in it cannot be read. Download it from Spotify again; "
                        "nothing was imported.") from None


def _layout_for(name: str) -> str | None:
    for layout, pattern in MEMBER_PATTERNS.items():
        if pattern.match(name):
            return layout
    return None


def _layout_of(name: str, head: bytes) -> str | None:
    """A file's layout: what its first record's keys say (a listener may have renamed the file), else what its
    name says (an empty history, or one so broken that reading it will tell the listener why)."""
    return _layout_by_content(head) or _layout_for(name)


def _layout_by_content(head: bytes) -> str | None:
    """The layout of the JSON array whose first bytes are `head`, by the keys of its first record."""
    start = _LEADING.match(head).end()
    if head[start:start + 1] != b"[":
        return None
    start = _SPACE.match(head, start + 1).end()
    if head[start:start + 1] != b"{":
        return None
    end = start
    # Spotify's records are flat, so the first "}" that closes a decodable object ends the first record
    # (one inside a string does not decode, and the next is tried).
    for _ in range(CUTS_TRIED * 8):
        end = head.find(b"}", end) + 1
        if not end:
            return None
        try:
            record = msgspec.json.decode(head[start:end])
        except msgspec.DecodeError:
            continue
        keys = set(record) if isinstance(record, dict) else set()
        return next((layout for layout, needed in LAYOUT_KEYS.items() if needed <= keys), None)
    return None


# --- the JSON, a slice at a time -------------------------------------------------------------
# Each file is an array of flat objects. It is read READ_BYTES at a time and cut after the last "}" followed by
# ",": a cut inside a string leaves that string open and the slice fails to decode (quotes in JSON strings are
# escaped), so an earlier "}," is tried, or the next read. A slice that has grown past MAX_SLICE_BYTES without
# one cut that decodes is not an array of objects Spotify wrote. The slice is decoded where it lies: the byte
# before it becomes "[" and the cut's "," becomes "]", so a file is copied once, as it is read.
READ_BYTES = 8_000_000
MAX_SLICE_BYTES = 64_000_000
CUTS_TRIED = 8
_CUT = re.compile(rb"\}\s*,")
_LEADING = re.compile(rb"(?:\xef\xbb\xbf)?\s*")  # a byte-order mark a text editor may have added, and space
_SPACE = re.compile(rb"\s*")
EXTENDED, ACCOUNT = Play.Source.EXTENDED.value, Play.Source.ACCOUNT.value
_EXTENDED = msgspec.json.Decoder(list[ExtendedRow])
_ACCOUNT = msgspec.json.Decoder(list[AccountRow])


def parse_member(name: str, data: bytes) -> ParsedFile:
    """The plays in one whole export file (the demo history; an upload is read with parse_stream)."""
    whole = ParsedFile(name=name)
    for part in parse_stream(name, io.BytesIO(data), _layout_of(name, data[:SNIFF_BYTES]) or "account"):
        whole.rows += part.rows
        whole.unreadable += part.unreadable
        whole.size += part.size
    return whole


def parse_stream(name: str, stream: BinaryIO, layout: str) -> Iterator[ParsedFile]:
    """The plays in one export file of `layout`, read from `stream` a slice at a time; rows that cannot be plays
    are counted by reason. Raises BadExport for a file that is not what Spotify writes."""
    decoder, rows_of = (_EXTENDED, _extended_rows) if layout == "extended" else (_ACCOUNT, _account_rows)
    for records, size in _array_slices(name, stream, decoder):
        parsed = ParsedFile(name=name, size=size)
        rows_of(records, parsed)
        yield parsed


def _array_slices(name: str, stream: BinaryIO, decoder: msgspec.json.Decoder) -> Iterator[tuple[list, int]]:
    """The decoded objects of the JSON array in `stream`, a slice at a time, with the bytes each came from."""
    buffer = bytearray(stream.read(READ_BYTES))
    opening = _LEADING.match(buffer).end()
    if buffer[opening:opening + 1] != b"[":
        _decode(name, decoder, buffer)  # says why it is not an array
    del buffer[:opening]  # the buffer starts with "[" from here on
    taken = opening  # bytes read and not yet part of a slice
    while chunk := stream.read(READ_BYTES):
        buffer += chunk
        for cut in _cuts(buffer):
            comma = buffer.index(b",", cut)
            buffer[comma] = ord("]")
            try:
                with memoryview(buffer)[:comma + 1] as piece:
                    records = decoder.decode(piece)
            except msgspec.DecodeError:
                buffer[comma] = ord(",")
                continue  # cut inside a string (or the JSON is broken before it: found out below)
            except msgspec.ValidationError as error:
                raise BadExport(_not_spotifys(name, error)) from None
            buffer[comma] = ord("[")
            del buffer[:comma]
            yield records, taken + comma
            taken = 0
            break
        else:
            if len(buffer) > MAX_SLICE_BYTES:
                _decode(name, decoder, buffer)  # says what is wrong, if more than the slice's end
                raise BadExport(f"“{name}” is not a file Spotify wrote (one of its records is longer than "
                                f"{MAX_SLICE_BYTES // 1_000_000} MB); nothing was imported.")
    yield _decode(name, decoder, buffer), taken + len(buffer)


def _cuts(data: bytes) -> Iterator[int]:
    """Where `data` might end with a whole object: just after a "}" followed by ",", the last first."""
    end = len(data)
    for _ in range(CUTS_TRIED):
        at = data.rfind(b"}", 0, end)
        if at < 0:
            return
        if _CUT.match(data, at):
            yield at + 1
        end = at


def _decode(name: str, decoder: msgspec.json.Decoder, data: bytes) -> list:
    try:
        return decoder.decode(data)
    except msgspec.ValidationError as error:
        raise BadExport(_not_spotifys(name, error)) from None
    except msgspec.DecodeError:
        raise BadExport(f"“{name}” cannot be read: it is cut short, damaged or not a JSON file. Download it from "
                        "Spotify again; nothing was imported.") from None


# msgspec's names for JSON types, in words.
_TYPE_WORDS = {"array": "a list", "object": "a record", "int": "a whole number", "float": "a number with a fraction",
               "str": "text", "null": "nothing", "bool": "true or false"}
_MISSING = re.compile(r"Object missing required field `([^`]+)`")
_EXPECTED = re.compile(r"Expected `([^`]+)`, got `([^`]+)`(?: - at `\$(?:\[\d+\])?(?:\.(\w+))?`)?")


def _not_spotifys(name: str, error: msgspec.ValidationError) -> str:
    """Why a file's records are not Spotify's, in words (msgspec's say “Expected `array`, got `object`”)."""
    text = str(error)
    if missing := _MISSING.match(text):
        why = f"a record has no “{missing[1]}”"
    elif expected := _EXPECTED.match(text):
        wanted, got, key = expected[1].split(" | ")[0], _TYPE_WORDS.get(expected[2], expected[2]), expected[3]
        if key:
            why = f"a record’s “{key}” is {got} where Spotify writes {_TYPE_WORDS.get(wanted, wanted)}"
        elif " - at " in text:
            why = f"the list holds {got} where Spotify writes the record of a play"
        else:
            why = f"it holds {got}, not a list of plays"
    else:
        why = "its records are not the ones Spotify writes"
    return f"“{name}” is not Spotify listening history as Spotify writes it: {why}. Nothing was imported."


# --- the rows ----------------------------------------------------------------------------
SPOTIFY_STARTED = datetime(2006, 1, 1, tzinfo=UTC).timestamp()
LONGEST_PLAY_MS = 24 * 3600 * 1000
_SPOTIFY_URI = re.compile(r"spotify:(track|episode|chapter|show|audiobook):[0-9A-Za-z]{1,32}")
_URI_KINDS = {"music": {"track"}, "podcast": {"episode"}, "audiobook": {"episode", "chapter", "show", "audiobook"}}


@cache
def _columns() -> dict[str, int]:
    """How many characters the catalog and plays hold, by what goes in them."""
    from listening.models import Album, Artist, Episode, Play, Track

    def length(model, name: str) -> int:
        return model._meta.get_field(name).max_length

    return {
        "track": length(Track, "name"), "artist": length(Artist, "name"), "album": length(Album, "name"),
        "episode": length(Episode, "name"), "show": length(Episode, "show_name"),
        "episode_key": length(Episode, "name_key"), "reason": length(Play, "reason_start"),
        "platform": length(Play, "platform"), "country": length(Play, "country"),
    }


def _fits(text: str, limit: int) -> bool:
    """Whether a name, and the key it is matched by (listening.names.name_key), can be stored in `limit`
    characters: no NUL, which PostgreSQL's text cannot hold (msgspec already refuses half a surrogate pair, which
    UTF-8 cannot), and not too long."""
    if len(text) > limit or "\x00" in text:
        return False
    # The key is no longer than the name, unless compatibility normalization expands a character (to 18 at most).
    return text.isascii() or len(text) * 18 <= limit or len(name_key(text)) <= limit


def _optional(text: str | None, limit: int) -> str | None:
    return text if text is None or _fits(text, limit) else None


def _extended_rows(records: list[ExtendedRow], parsed: ParsedFile) -> None:
    append, unreadable, columns = parsed.rows.append, parsed.unreadable, _columns()
    earliest, latest, longest = SPOTIFY_STARTED, timezone.now().timestamp() + 86400, LONGEST_PLAY_MS
    parse_time = datetime.fromisoformat
    contexts = {}  # a history has a handful of listening contexts: each is checked once a slice
    for r in records:
        try:
            moment = parse_time(r.ts)
            ended = (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()
        except (ValueError, OverflowError):
            unreadable["unreadable time"] += 1
            continue
        if not (earliest <= ended <= latest and 0 <= r.ms_played <= longest):
            unreadable[_time_problem(ended, latest) or _duration_problem(r.ms_played)] += 1
            continue
        if r.spotify_track_uri and r.master_metadata_track_name:
            item = ("music", r.spotify_track_uri, r.master_metadata_track_name,
                    r.master_metadata_album_artist_name or "Unknown artist", r.master_metadata_album_album_name)
        elif r.spotify_episode_uri and r.episode_name:
            item = ("podcast", r.spotify_episode_uri, r.episode_name,
                    (r.episode_show_name or "Unknown show").strip(), None)
        elif r.audiobook_chapter_uri or r.audiobook_uri:
            item = ("audiobook", r.audiobook_chapter_uri or r.audiobook_uri,
                    r.audiobook_chapter_title or r.audiobook_title or "Unknown chapter",
                    r.audiobook_title or "Unknown audiobook", None)
        else:
            unreadable["no track or episode"] += 1
            continue
        if (checked := _checked(*item)).__class__ is str:
            unreadable[checked] += 1
            continue
        context = (r.reason_start, r.reason_end, r.shuffle, r.skipped, r.offline, r.platform, r.conn_country)
        if (kept := contexts.get(context)) is None:
            kept = contexts[context] = _context(context, columns)
        kind, uri, name, artist_or_show, album = checked
        append(PlayRow(EXTENDED, kind, int(ended), r.ms_played, uri, name, artist_or_show, album, *kept))


def _account_rows(records: list[AccountRow], parsed: ParsedFile) -> None:
    append, unreadable = parsed.rows.append, parsed.unreadable
    earliest, latest, longest = SPOTIFY_STARTED, timezone.now().timestamp() + 86400, LONGEST_PLAY_MS
    for r in records:
        try:
            ended = datetime.strptime(r.end_time, "%Y-%m-%d %H:%M").replace(tzinfo=UTC).timestamp()
        except (ValueError, OverflowError):
            unreadable["unreadable time"] += 1
            continue
        if not (earliest <= ended <= latest and 0 <= r.ms_played <= longest):
            unreadable[_time_problem(ended, latest) or _duration_problem(r.ms_played)] += 1
            continue
        if r.track_name and r.artist_name:
            item = ("music", None, r.track_name, r.artist_name, None)
        elif r.episode_name and r.podcast_name:
            item = ("podcast", None, r.episode_name, r.podcast_name, None)
        else:
            unreadable["no track or episode"] += 1
            continue
        if (checked := _checked(*item)).__class__ is str:
            unreadable[checked] += 1
            continue
        append(PlayRow(ACCOUNT, checked[0], int(ended), r.ms_played, None, checked[2], checked[3]))


# Each song of an import is checked once, not once a row; bounded, as the worker lives on after the import.
@lru_cache(maxsize=65_536)
def _checked(kind: str, uri: str | None, name: str, artist_or_show: str, album: str | None) -> tuple | str:
    """The item as the catalog can hold it, or why it cannot (an album name it cannot hold is left out)."""
    columns = _columns()
    if uri is not None and uri.startswith("spotify:local:"):
        uri = None  # a local file (spotify:local:artist:album:title:seconds) is known by its names, like account data
    if uri is not None and ((match := _SPOTIFY_URI.fullmatch(uri)) is None or match[1] not in _URI_KINDS[kind]):
        return "not a Spotify link"
    if kind == "music":
        fits = _fits(name, columns["track"]) and _fits(artist_or_show, columns["artist"])
    else:
        fits = (_fits(name, columns["episode"]) and _fits(artist_or_show, columns["show"])
                and _fits(f"{artist_or_show} — {name}", columns["episode_key"]))
    if not fits:
        return "name too long or unreadable"
    return kind, uri, name, artist_or_show, _optional(album, columns["album"])


def _time_problem(ended: float, latest: float) -> str | None:
    if ended < SPOTIFY_STARTED:
        return "time before Spotify existed"
    if ended > latest:
        return "time in the future"
    return None


def _duration_problem(ms_played: int) -> str | None:
    if ms_played < 0:
        return "negative duration"
    if ms_played > LONGEST_PLAY_MS:
        return "duration longer than a day"
    return None


def _context(context: tuple, columns: dict[str, int]) -> tuple:
    """A row's listening context with what the plays table cannot hold left out."""
    reason_start, reason_end, shuffle, skipped, offline, platform, country = context
    return (_optional(reason_start, columns["reason"]), _optional(reason_end, columns["reason"]), shuffle, skipped,
            offline, _optional(platform, columns["platform"]), _optional(country, columns["country"]))
