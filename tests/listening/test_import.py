"""Importing Spotify data exports: listening/imports.py (reading) and the import job service (writing)."""

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.models import User
from listening.imports import BadExport, export_members
from listening.models import HourlyListening, ImportJob, Play
from listening.services import import_job_create, import_job_run
from tests.factories import plays_add_for
from tests.fakes import FIXTURES

EXPORT = FIXTURES / "spotify_export"
AUDIO_2023 = EXPORT / "extended/Streaming_History_Audio_2023.json"
VIDEO_2023 = EXPORT / "extended/Streaming_History_Video_2023.json"
ENDSONG = EXPORT / "endsong/endsong.json"
ACCOUNT = EXPORT / "account_data/StreamingHistory0.json"


def zip_of(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def spotify_zip(*paths, folder="Spotify Extended Streaming History") -> bytes:
    return zip_of({f"{folder}/{path.name}": path.read_bytes() for path in paths})


def test_the_2023_extended_export_imports_every_play_once(listener, run_import):
    job = run_import(listener, spotify_zip(AUDIO_2023, VIDEO_2023))

    assert job.status == ImportJob.Status.DONE
    assert job.summary == {
        "rows": 1486, "added": 1484, "duplicates_in_upload": 2, "already_in_history": 0, "matched_sync": 0,
        "music": 1471, "podcasts": 13, "audiobooks": 0, "unreadable": {},
        "first_day": "2023-01-28", "last_day": "2023-12-15",
    }
    assert Play.objects.filter(user=listener).count() == 1484
    assert not job.upload  # the raw export is not kept


def test_reimporting_the_same_export_adds_no_plays(listener, run_import):
    run_import(listener, spotify_zip(AUDIO_2023))

    again = run_import(listener, spotify_zip(AUDIO_2023))

    assert again.summary["added"] == 0 and again.summary["rows"] == 1470
    assert again.summary["already_in_history"] + again.summary["duplicates_in_upload"] == 1470
    assert Play.objects.filter(user=listener).count() == 1468


def test_the_older_endsong_layout_reports_rows_without_a_track(listener, run_import):
    job = run_import(listener, ENDSONG.read_bytes(), "endsong_0.json")

    assert job.summary["rows"] == 943
    assert job.summary["unreadable"] == {"no track or episode": 20}
    assert job.summary["added"] == Play.objects.filter(user=listener).count() == 939


def test_account_data_matches_names_to_the_catalog(listener, other_listener, run_import):
    run_import(other_listener, spotify_zip(ACCOUNT, folder="Spotify Account Data"))

    job = run_import(listener, spotify_zip(ACCOUNT, folder="Spotify Account Data"))

    assert job.summary["added"] == 9520
    # The second listener's plays point at the catalog rows the first import made.
    assert set(Play.objects.filter(user=listener).values_list("track_id", flat=True)) == set(
        Play.objects.filter(user=other_listener).values_list("track_id", flat=True)
    )


def test_the_same_play_from_two_users_counts_for_each(listener, other_listener, run_import):
    assert run_import(listener, spotify_zip(VIDEO_2023)).summary["added"] == 16
    assert run_import(other_listener, spotify_zip(VIDEO_2023)).summary["added"] == 16


@pytest.mark.parametrize(
    ("data", "filename", "message"),
    [
        (zip_of({"../evil/Streaming_History_Audio_2023.json": b"[]"}), "x.zip", "outside the archive"),
        (zip_of({"notes.txt": b"hello"}), "my_spotify_data.zip", "no Spotify listening history"),
        (zip_of({"Streaming_History_Audio_2023.json": b"[" + b" " * 5_000_000 + b"]"}), "x.zip", "zip bomb"),
        (b"not a zip at all", "history.csv", "neither the ZIP Spotify sent you nor a listening-history file"),
        (b"{}", "Library.json", "neither the ZIP Spotify sent you nor a listening-history file"),
        (b"PK\x03\x04garbage", "x.zip", "damaged"),
    ],
)
def test_bad_uploads_are_refused_at_once_and_nothing_is_kept(listener, data, filename, message):
    with pytest.raises(BadExport, match=message):
        import_job_create(user=listener, upload=SimpleUploadedFile(filename, data))
    assert not ImportJob.objects.exists()


def test_an_upload_over_the_size_limit_is_refused(listener, settings):
    settings.IMPORT_MAX_UPLOAD_BYTES = 1000

    with pytest.raises(BadExport, match="larger than"):
        import_job_create(user=listener, upload=SimpleUploadedFile("x.zip", b"PK\x03\x04" + b"0" * 2000))


@pytest.mark.parametrize(
    ("body", "message"),
    [(b"not json", "cannot be read"), (b'[{"spotify": 1}]', "has no “ts”"), (b'{"a": 1}', "not a list of plays")],
)
def test_a_file_of_the_wrong_shape_fails_the_job_and_writes_nothing(listener, body, message, run_import):
    good = AUDIO_2023.read_bytes()
    job = run_import(listener, zip_of({"a/Streaming_History_Audio_2023_0.json": good,
                                       "a/Streaming_History_Audio_2023_1.json": body}))

    assert job.status == ImportJob.Status.FAILED
    assert message in job.error
    assert not Play.objects.exists()  # the good file before it was rolled back too


def test_a_cancelled_import_adds_nothing(listener):
    job = import_job_create(user=listener, upload=SimpleUploadedFile("x.zip", spotify_zip(AUDIO_2023)))
    ImportJob.objects.filter(pk=job.pk).update(cancel_requested=True)

    job = import_job_run(job_id=job.pk)

    assert job.status == ImportJob.Status.CANCELLED
    assert not Play.objects.exists()


def test_export_members_reads_nothing_until_asked(tmp_path):
    path = tmp_path / "my_spotify_data.zip"
    path.write_bytes(spotify_zip(AUDIO_2023, VIDEO_2023))

    with export_members(path, path.name) as members:
        assert [(m.name, m.size) for m in members] == [
            ("Streaming_History_Audio_2023.json", AUDIO_2023.stat().st_size),
            ("Streaming_History_Video_2023.json", VIDEO_2023.stat().st_size),
        ]
        assert sum(len(part.rows) for part in members[1].parts()) == 16


def test_plays_for_a_user_deleted_meanwhile_are_refused_and_nothing_is_written(listener):
    User.objects.filter(pk=listener.pk).delete()  # the worker still holds the old object

    with pytest.raises(User.DoesNotExist):
        plays_add_for(listener, ("Björk", "Joga", timezone.now(), 4))
    assert not Play.objects.filter(user_id=listener.pk).exists()
    assert not HourlyListening.objects.filter(user_id=listener.pk).exists()
