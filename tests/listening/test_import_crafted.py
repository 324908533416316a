"""Crafted exports, made here byte by byte: every import ends, done or failed with a message the listener can
act on, nothing half-written and no upload left on disk; rows no play can be are counted by reason and skipped."""

import io
import json
import struct
import time
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile

from listening.imports import BadExport
from listening.models import ImportJob, Play
from listening.services import import_job_cancel, import_job_create, import_job_run
from listening.services.import_jobs import IMPORT_MAX_ATTEMPTS
from tests.fakes.exports import extended_rows

MEMBER = "Spotify Extended Streaming History/Streaming_History_Audio_2023_0.json"


def rows(count: int = 5, **changes) -> list[dict]:
    """Extended-history rows as Spotify writes them, the first one changed."""
    made = list(extended_rows(count, start=datetime(2023, 3, 1, tzinfo=UTC)))
    made[0].update(changes)
    return made


def export(records: list[dict], *, compression=zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        archive.writestr(MEMBER, json.dumps(records))
    return buffer.getvalue()


@pytest.fixture
def imported(listener, django_capture_on_commit_callbacks):
    """Upload an export and run its import here; the job as it ended and where its upload was stored."""

    def run(data: bytes, filename: str = "my_spotify_data.zip") -> tuple[ImportJob, Path]:
        job = import_job_create(user=listener, upload=SimpleUploadedFile(filename, data))
        stored = Path(job.upload.path)
        with django_capture_on_commit_callbacks(execute=True):
            return import_job_run(job_id=job.pk), stored

    return run


@pytest.fixture
def imported_unchecked(listener, django_capture_on_commit_callbacks):
    """Run the import of an export that got past the checks at upload; the job as it ended and its upload."""

    def run(data: bytes) -> tuple[ImportJob, Path]:
        job = stored_without_checks(listener, data)
        stored = Path(job.upload.path)
        with django_capture_on_commit_callbacks(execute=True):
            return import_job_run(job_id=job.pk), stored

    return run


def stored_without_checks(user, data: bytes) -> ImportJob:
    """A job for an upload the checks at upload time would refuse, as if it had got past them: the worker
    must end it all the same."""
    job = ImportJob(user=user, filename="my_spotify_data.zip", size_bytes=len(data))
    job.upload.save("crafted.zip", ContentFile(data), save=True)
    return job


# --- rows no play can be: counted by reason, skipped, the rest imported ------------------------------------
@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"ms_played": -1}, "negative duration"),
        ({"ms_played": 2**31}, "duration longer than a day"),
        ({"ms_played": 24 * 3600 * 1000 + 1}, "duration longer than a day"),
        ({"ts": "9999-12-31T23:59:59Z"}, "time in the future"),
        ({"ts": "0001-01-01T00:00:00Z"}, "time before Spotify existed"),
        ({"ts": "0001-01-01T00:00:00+14:00"}, "time before Spotify existed"),
        ({"ts": "2023-02-30T10:00:00Z"}, "unreadable time"),
        ({"master_metadata_track_name": "x" * 501}, "name too long or unreadable"),
        ({"master_metadata_album_artist_name": "x" * 301}, "name too long or unreadable"),
        # 30 characters, but their matching key (compatibility normalization) is 540.
        ({"master_metadata_track_name": "\ufdfa" * 30}, "name too long or unreadable"),
        ({"master_metadata_track_name": "Hello\x00World"}, "name too long or unreadable"),
        ({"spotify_track_uri": "https://open.spotify.com/track/6potEImiklXkwD9qFzpu15"}, "not a Spotify link"),
        ({"spotify_track_uri": "spotify:episode:6potEImiklXkwD9qFzpu15"}, "not a Spotify link"),
        ({"spotify_track_uri": "spotify:track:" + "a" * 33}, "not a Spotify link"),
        ({"spotify_track_uri": None, "spotify_episode_uri": None}, "no track or episode"),
    ],
)
def test_a_row_no_play_can_be_is_counted_and_skipped(imported, listener, changes, reason):
    job, stored = imported(export(rows(5, **changes)))

    assert job.status == ImportJob.Status.DONE, job.error
    assert job.summary["unreadable"] == {reason: 1}
    assert job.summary["added"] == Play.objects.filter(user=listener).count() == 4
    assert not stored.exists()


def test_what_a_play_can_do_without_is_left_out_and_the_play_kept(imported, listener):
    job, _ = imported(export(rows(
        2, master_metadata_album_album_name="When the Pawn… " * 30, platform="p" * 201, conn_country="NLD",
        reason_start="r" * 33, reason_end="end\x00play",
    )))

    assert job.status == ImportJob.Status.DONE and job.summary["unreadable"] == {}
    play = Play.objects.filter(user=listener).order_by("ended_at").select_related("track").first()
    assert (play.album_id, play.platform, play.country, play.reason_start, play.reason_end) == (None, "", "", "", "")
    assert play.track.album is None


def test_a_local_file_is_kept_by_its_names(imported, listener):
    job, _ = imported(export(rows(1, spotify_track_uri="spotify:local:Nick+Drake:Pink+Moon:Road:122",
                                  master_metadata_track_name="Road", master_metadata_album_artist_name="Nick Drake")))

    assert job.summary["added"] == 1
    play = Play.objects.select_related("track").get(user=listener)
    assert (play.track.name, play.track.spotify_id, play.track.artist.name) == ("Road", None, "Nick Drake")


def test_account_data_rows_are_held_to_the_same_ranges(imported, listener):
    records = [
        {"endTime": "2020-01-01 03:09", "artistName": "Bob & Earl", "trackName": "Harlem Shuffle", "msPlayed": 950},
        {"endTime": "2020-01-01 03:12", "artistName": "Bob & Earl", "trackName": "Harlem Shuffle", "msPlayed": -5},
        {"endTime": "9999-01-01 03:12", "artistName": "Bob & Earl", "trackName": "Harlem Shuffle", "msPlayed": 5},
        {"endTime": "2020-01-01 03:20", "artistName": "x" * 301, "trackName": "Harlem Shuffle", "msPlayed": 5},
    ]
    job, stored = imported(json.dumps(records).encode(), "StreamingHistory_music_0.json")

    assert job.status == ImportJob.Status.DONE
    assert job.summary["unreadable"] == {
        "negative duration": 1, "time in the future": 1, "name too long or unreadable": 1,
    }
    assert Play.objects.filter(user=listener).count() == 1
    assert not stored.exists()


def test_a_time_without_a_zone_is_read_as_utc_wherever_the_worker_is(imported, listener, monkeypatch):
    monkeypatch.setenv("TZ", "Pacific/Kiritimati")  # UTC+14: a local reading would be 14 hours off
    time.tzset()
    try:
        job, _ = imported(export(rows(1, ts="2023-03-01T10:00:00")))
    finally:
        monkeypatch.undo()
        time.tzset()

    assert job.status == ImportJob.Status.DONE
    assert Play.objects.get(user=listener).ended_at.isoformat() == "2023-03-01T10:00:00+00:00"


# --- files that are not what Spotify writes: the job fails, nothing is written, the upload is removed -------
def test_a_damaged_member_fails_the_job_and_writes_nothing(imported_unchecked, listener):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        # More than a batch of plays, so some are added before the damaged file is read.
        archive.writestr("a/Streaming_History_Audio_2023_0.json", json.dumps(rows(50_001)))
        archive.writestr("a/Streaming_History_Audio_2023_1.json",
                         json.dumps(rows(3, master_metadata_track_name="Intact song")))
    damaged = buffer.getvalue().replace(b"Intact song", b"Broken song")  # no longer what its CRC says
    # A member this small is read whole when its first record is looked at, so the upload is refused at once.
    with pytest.raises(BadExport, match="“Streaming_History_Audio_2023_1.json” in it cannot be read"):
        import_job_create(user=listener, upload=SimpleUploadedFile("my_spotify_data.zip", damaged))

    job, stored = imported_unchecked(damaged)

    assert job.status == ImportJob.Status.FAILED
    assert job.error == ("The ZIP file is damaged: “Streaming_History_Audio_2023_1.json” in it cannot be read. "
                         "Download it from Spotify again; nothing was imported.")
    assert not Play.objects.filter(user=listener).exists()  # the first file's plays were rolled back
    assert not stored.exists()


@pytest.mark.parametrize(
    ("lie", "message"),
    [
        # The index claims half the size: the rest is cut off, and the CRC cannot match.
        ("smaller", "The ZIP file is damaged: “Streaming_History_Audio_2023_0.json” in it cannot be read."),
        # The compressed stream itself is garbage.
        ("garbled", "The ZIP file is damaged: “Streaming_History_Audio_2023_0.json” in it cannot be read."),
    ],
)
def test_a_member_whose_data_lies_about_itself_fails_the_job(imported_unchecked, listener, lie, message):
    data = export(rows(200))
    info = zipfile.ZipFile(io.BytesIO(data)).getinfo(MEMBER)
    data_start = info.header_offset + 30 + len(MEMBER.encode())
    if lie == "smaller":
        data = _patch(data, file_size=info.file_size // 2)
    else:
        data = data[:data_start + 20] + bytes(64) + data[data_start + 84:]

    job, stored = imported_unchecked(data)

    assert job.status == ImportJob.Status.FAILED
    assert job.error.startswith(message)
    assert not Play.objects.filter(user=listener).exists()
    assert not stored.exists()


@pytest.mark.parametrize(
    ("patch", "message"),
    [
        ({"flag_bits": 0x1}, "The ZIP is password-protected"),
        ({"flag_bits": 0x40}, "The ZIP is password-protected"),  # strong encryption
        ({"flag_bits": 0x20}, "is compressed in a way Spotify does not use"),  # patched data
        ({"compress_type": 9}, "is compressed in a way Spotify does not use"),  # deflate64
        ({"compress_type": 12}, "is compressed in a way Spotify does not use"),  # bzip2: no bound on a read
        ({"extract_version": 99}, "The ZIP file is damaged"),  # a ZIP version from the future
    ],
)
def test_what_we_cannot_unpack_is_refused_at_upload_and_fails_a_job_that_got_past(
    listener, patch, message, django_capture_on_commit_callbacks
):
    data = export(rows(5))
    data = _patch(data, **patch)

    with pytest.raises(BadExport, match=message):
        import_job_create(user=listener, upload=SimpleUploadedFile("my_spotify_data.zip", data))
    assert not ImportJob.objects.exists()

    job = stored_without_checks(listener, data)
    stored = Path(job.upload.path)
    with django_capture_on_commit_callbacks(execute=True):
        job = import_job_run(job_id=job.pk)
    assert job.status == ImportJob.Status.FAILED and message in job.error
    assert not stored.exists()


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b'[{"ts": "2023-03-01T10:00:00Z", "ms_played": 5, "master_metadata_track_name": "a\\ud800b"}]',
         "cannot be read"),  # half a surrogate pair, which UTF-8 (and so PostgreSQL) cannot hold
        (b'[{"ts": "2023-03-01T10:00:00Z", "ms_played": 5.5}]', "“ms_played” is a number with a fraction where Spotify writes a whole number"),
        (b'[{"ts": "2023-03-01T10:00:00Z", "ms_played": 5}, {"ts": 1}]', "“ts” is a whole number where Spotify writes text"),
        (b"", "cannot be read"),
        (b'{"ts": "2023-03-01T10:00:00Z"}', "it holds a record, not a list of plays"),
        (b"[" + b'{"ts": "2023-03-01T10:00:00Z", "ms_played": 5}, ' * 3 + b"]", "cannot be read"),
    ],
)
def test_a_file_that_is_not_spotifys_json_fails_the_job(imported, listener, body, message):
    job, stored = imported(body, "Streaming_History_Audio_2023.json")

    assert job.status == ImportJob.Status.FAILED
    assert message in job.error
    assert not stored.exists()


# --- the job ends whatever happens ------------------------------------------------------------------------
def test_an_unexpected_error_fails_the_job_tells_the_listener_and_is_logged(listener, caplog,
                                                                            django_capture_on_commit_callbacks):
    job = import_job_create(user=listener, upload=SimpleUploadedFile("my_spotify_data.zip", export(rows(5))))
    Path(job.upload.path).unlink()  # e.g. a worker that does not share the web's media volume

    with django_capture_on_commit_callbacks(execute=True):
        job = import_job_run(job_id=job.pk)

    assert job.status == ImportJob.Status.FAILED
    assert job.error.startswith("Something went wrong on our side while importing; nothing was imported.")
    [logged] = [record for record in caplog.records if record.name == "listening.services.import_jobs"]
    assert logged.levelname == "ERROR" and logged.exc_info[0] is FileNotFoundError  # what Sentry receives


def test_an_import_whose_worker_keeps_dying_is_given_up(listener, django_capture_on_commit_callbacks):
    job = import_job_create(user=listener, upload=SimpleUploadedFile("my_spotify_data.zip", export(rows(5))))
    stored = Path(job.upload.path)
    # What IMPORT_MAX_ATTEMPTS workers dying mid-import leave: the job running, started that many times.
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.RUNNING, attempts=IMPORT_MAX_ATTEMPTS)

    with django_capture_on_commit_callbacks(execute=True):
        job = import_job_run(job_id=job.pk)

    assert job.status == ImportJob.Status.FAILED
    assert job.error.startswith(f"The import stopped unexpectedly {IMPORT_MAX_ATTEMPTS} times")
    assert not Play.objects.filter(user=listener).exists()
    assert not stored.exists()


@pytest.mark.parametrize("status", [ImportJob.Status.QUEUED, ImportJob.Status.RUNNING])
def test_cancel_ends_an_import_no_worker_is_running_at_once(listener, status, django_capture_on_commit_callbacks):
    job = import_job_create(user=listener, upload=SimpleUploadedFile("my_spotify_data.zip", export(rows(5))))
    stored = Path(job.upload.path)
    ImportJob.objects.filter(pk=job.pk).update(status=status)  # queued, or left running by a worker that died

    with django_capture_on_commit_callbacks(execute=True):
        job = import_job_cancel(job=job)

    assert job.status == ImportJob.Status.CANCELLED
    assert not stored.exists()
    # The task, delivered late or again, finds the job over.
    assert import_job_run(job_id=job.pk).status == ImportJob.Status.CANCELLED
    assert not Play.objects.filter(user=listener).exists()


def _patch(data: bytes, **fields) -> bytes:
    """The one-file ZIP with its index entry saying something else (flags, compression method, size)."""
    offsets = {"extract_version": (6, "<H"), "flag_bits": (8, "<H"), "compress_type": (10, "<H"),
               "file_size": (24, "<I")}
    entry = data.index(b"PK\x01\x02")
    patched = bytearray(data)
    for name, value in fields.items():
        offset, layout = offsets[name]
        struct.pack_into(layout, patched, entry + offset, value)
    return bytes(patched)
