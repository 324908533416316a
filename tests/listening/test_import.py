"""Importing Spotify data exports (listening/imports.py and services.plays_add)."""

import io
import zipfile
from pathlib import Path

import pytest

from listening.imports import BadExport, export_members, parse_export
from listening.models import Play
from listening.services import plays_add
from tests.fakes import FIXTURES

EXPORT = FIXTURES / "spotify_export"


def import_files(user, *paths: Path):
    members = [member for path in paths for member in export_members(path.read_bytes(), path.name)]
    parsed = parse_export(members)
    return plays_add(user=user, rows=parsed.rows, source="import", unreadable=parsed.unreadable)


def test_reimporting_the_same_export_adds_no_plays(listener):
    first = import_files(listener, EXPORT / "extended/Streaming_History_Audio_2023.json")
    again = import_files(listener, EXPORT / "extended/Streaming_History_Audio_2023.json")

    assert first.added == Play.objects.filter(user=listener).count() > 1400
    assert first.added_by_kind["podcast"] == 13
    assert again.added == 0 and again.duplicates == first.rows


def test_endsong_rows_without_a_track_or_episode_are_reported_not_imported(listener):
    summary = import_files(listener, EXPORT / "endsong/endsong.json")

    assert summary.unreadable == {"no track or episode": 20}
    assert summary.rows == 943


def test_the_same_play_from_two_users_counts_for_each(listener, other_listener):
    path = EXPORT / "extended/Streaming_History_Video_2023.json"

    assert import_files(listener, path).added == import_files(other_listener, path).added == 16


def zip_of(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "filename", "message"),
    [
        (zip_of({"../evil/Streaming_History_Audio_2023.json": b"[]"}), "x.zip", "outside the archive"),
        (zip_of({"notes.txt": b"hello"}), "my_spotify_data.zip", "no Spotify listening history"),
        (zip_of({"Streaming_History_Audio_2023.json": b"[" + b" " * 5_000_000 + b"]"}), "x.zip", "zip bomb"),
        (b"not a zip at all", "history.csv", "Upload the ZIP Spotify sent you"),
        (b"{}", "Library.json", "not a Spotify listening-history file"),
        (b"PK\x03\x04garbage", "x.zip", "damaged"),
    ],
)
def test_bad_archives_are_refused_with_a_reason(data, filename, message):
    with pytest.raises(BadExport, match=message):
        export_members(data, filename)


@pytest.mark.parametrize(
    ("body", "message"),
    [(b"not json", "is not JSON"), (b'[{"spotify": 1}]', "is not in Spotify's format"), (b'{"a": 1}', "format")],
)
def test_files_of_the_wrong_shape_are_refused_and_nothing_is_written(listener, body, message):
    with pytest.raises(BadExport, match=message):
        parse_export([("Streaming_History_Audio_2024.json", body)])
    assert not Play.objects.exists()
