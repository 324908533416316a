"""Reading a Spotify data export: the ZIP or JSON files, checked, parsed into plain rows.

Layouts handled (see ../shared/fixtures/spotify_export/):
- extended streaming history: Streaming_History_Audio_*.json / Streaming_History_Video_*.json (2023+, with
  audiobook_* keys) and the older endsong_*.json (same keys less audiobooks, unsorted, offline_timestamp in ms);
- account data: StreamingHistory*.json / StreamingHistory_music_N.json (endTime to the minute, names only) and
  StreamingHistory_podcast_N.json.
"""

from __future__ import annotations

import re
import zipfile
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path, PurePosixPath

import msgspec
from django.conf import settings

from listening.models import Play
from rewrapped.api import ApplicationError

ZIP_MAGIC = b"PK\x03\x04"
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
    name: str
    rows: list[PlayRow] = field(default_factory=list)
    unreadable: Counter = field(default_factory=Counter)  # reason -> rows


# --- the archive ---------------------------------------------------------------------------
@dataclass
class ExportMember:
    """One listening-history JSON file inside an upload, read only when needed."""

    name: str
    size: int
    _open: object = field(repr=False)

    def read(self) -> bytes:
        return self._open()


def check_upload_size(size: int) -> None:
    if size > settings.IMPORT_MAX_UPLOAD_BYTES:
        raise BadExport(f"The file is larger than {settings.IMPORT_MAX_UPLOAD_BYTES // 1_000_000} MB.")


@contextmanager
def export_members(path: Path, filename: str) -> Iterator[list[ExportMember]]:
    """The listening-history JSON files in an upload (a Spotify ZIP or one JSON file), checked for size,
    zip bombs and escaping paths before anything is read. Raises BadExport with a message for the user."""
    size = path.stat().st_size
    check_upload_size(size)
    with open(path, "rb") as handle:
        is_zip = handle.read(4) == ZIP_MAGIC
    if not is_zip:
        name = PurePosixPath(filename).name
        if not name.lower().endswith(".json"):
            raise BadExport("Upload the ZIP Spotify sent you (my_spotify_data.zip) or the JSON files inside it.")
        if _layout_for(name) is None:
            raise BadExport(f"“{name}” is not a Spotify listening-history file (expected Streaming_History_*.json, "
                            "endsong_*.json or StreamingHistory*.json).")
        yield [ExportMember(name, size, path.read_bytes)]
        return
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise BadExport("The ZIP file is damaged; download it from Spotify again.") from None
    with archive:
        yield _zip_members(archive)


def _zip_members(archive: zipfile.ZipFile) -> list[ExportMember]:
    infos = [info for info in archive.infolist() if not info.is_dir()]
    for info in infos:
        path = PurePosixPath(info.filename.replace("\\", "/"))
        if path.is_absolute() or ".." in path.parts:
            raise BadExport(f"The ZIP contains a path outside the archive ({info.filename}); nothing was imported.")
    wanted = [info for info in infos if _layout_for(PurePosixPath(info.filename).name)]
    if not wanted:
        raise BadExport("This ZIP has no Spotify listening history in it (no Streaming_History_*.json, "
                        "endsong_*.json or StreamingHistory*.json).")
    if sum(info.file_size for info in wanted) > settings.IMPORT_MAX_EXPANDED_BYTES:
        raise BadExport("The ZIP expands to more data than an export can hold; nothing was imported.")
    for info in wanted:
        if info.compress_size and info.file_size / info.compress_size > settings.IMPORT_MAX_ZIP_RATIO:
            raise BadExport("The ZIP is compressed suspiciously well (a zip bomb?); nothing was imported.")
    return [
        ExportMember(PurePosixPath(info.filename).name, info.file_size, partial(_read_capped, archive, info))
        for info in wanted
    ]


def _read_capped(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    # The sizes in a ZIP header are claims; read no more than claimed, whatever the stream says.
    with archive.open(info) as member:
        data = member.read(info.file_size + 1)
    if len(data) > info.file_size:
        raise BadExport("The ZIP's contents do not match its own index; nothing was imported.")
    return data


def _layout_for(name: str) -> str | None:
    for layout, pattern in MEMBER_PATTERNS.items():
        if pattern.match(name):
            return layout
    return None


# --- the rows ----------------------------------------------------------------------------
EXTENDED, ACCOUNT = Play.Source.EXTENDED.value, Play.Source.ACCOUNT.value
_EXTENDED = msgspec.json.Decoder(list[ExtendedRow])
_ACCOUNT = msgspec.json.Decoder(list[AccountRow])


def parse_member(name: str, data: bytes) -> ParsedFile:
    """The plays in one export file; rows that cannot be plays are counted by reason."""
    parsed = ParsedFile(name=name)
    try:
        if _layout_for(PurePosixPath(name).name) == "extended":
            _extended_rows(_EXTENDED.decode(data), parsed)
        else:
            _account_rows(_ACCOUNT.decode(data), parsed)
    except msgspec.ValidationError as error:
        raise BadExport(f"“{name}” is not in Spotify's format ({error}); nothing was imported.") from None
    except msgspec.DecodeError as error:
        raise BadExport(f"“{name}” is not JSON ({error}); nothing was imported.") from None
    return parsed


def _extended_rows(records: list[ExtendedRow], parsed: ParsedFile) -> None:
    append, unreadable = parsed.rows.append, parsed.unreadable
    for r in records:
        try:
            ended = int(datetime.fromisoformat(r.ts).timestamp())
        except ValueError:
            unreadable["unreadable time"] += 1
            continue
        if r.ms_played < 0:
            unreadable["negative duration"] += 1
            continue
        common = (r.reason_start, r.reason_end, r.shuffle, r.skipped, r.offline, r.platform, r.conn_country)
        if r.spotify_track_uri and r.master_metadata_track_name:
            append(PlayRow(EXTENDED, "music", ended, r.ms_played, r.spotify_track_uri, r.master_metadata_track_name,
                           r.master_metadata_album_artist_name or "Unknown artist",
                           r.master_metadata_album_album_name, *common))
        elif r.spotify_episode_uri and r.episode_name:
            append(PlayRow(EXTENDED, "podcast", ended, r.ms_played, r.spotify_episode_uri, r.episode_name,
                           (r.episode_show_name or "Unknown show").strip(), None, *common))
        elif r.audiobook_chapter_uri or r.audiobook_uri:
            append(PlayRow(EXTENDED, "audiobook", ended, r.ms_played, r.audiobook_chapter_uri or r.audiobook_uri,
                           r.audiobook_chapter_title or r.audiobook_title or "Unknown chapter",
                           r.audiobook_title or "Unknown audiobook", None, *common))
        else:
            unreadable["no track or episode"] += 1


def _account_rows(records: list[AccountRow], parsed: ParsedFile) -> None:
    append, unreadable = parsed.rows.append, parsed.unreadable
    for r in records:
        try:
            ended = int(datetime.strptime(r.end_time, "%Y-%m-%d %H:%M").replace(tzinfo=UTC).timestamp())
        except ValueError:
            unreadable["unreadable time"] += 1
            continue
        if r.track_name and r.artist_name:
            append(PlayRow(ACCOUNT, "music", ended, r.ms_played, None, r.track_name, r.artist_name))
        elif r.episode_name and r.podcast_name:
            append(PlayRow(ACCOUNT, "podcast", ended, r.ms_played, None, r.episode_name, r.podcast_name))
        else:
            unreadable["no track or episode"] += 1
