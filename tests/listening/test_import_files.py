"""Which files an import takes: a Spotify history known by what it holds whatever it is called, several files in
one upload (one import each), and every refusal in words a listener can act on."""

import json

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile

from listening.models import ImportJob, Play
from listening.services import import_job_create, import_job_run, import_job_undo_run
from tests.conftest import client_for
from tests.fakes import FIXTURES
from tests.listening.test_import import zip_of

EXPORT = FIXTURES / "spotify_export"
AUDIO_2023 = EXPORT / "extended/Streaming_History_Audio_2023.json"
ENDSONG = EXPORT / "endsong/endsong.json"
ACCOUNT = EXPORT / "account_data/StreamingHistory0.json"
API = "/api/v1/listening/imports/"


def stored_uploads() -> set[str]:
    folder = settings.MEDIA_ROOT / "imports"
    return {path.name for path in folder.iterdir()} if folder.exists() else set()


@pytest.fixture
def run_jobs(django_capture_on_commit_callbacks):
    """Run every queued import of `user` here (the worker's part is tested in test_import_worker.py)."""

    def run(user) -> list[ImportJob]:
        with django_capture_on_commit_callbacks(execute=True):
            for job in ImportJob.objects.filter(user=user, status=ImportJob.Status.QUEUED):
                import_job_run(job_id=job.pk)
        return list(ImportJob.objects.filter(user=user).order_by("filename"))

    return run


def test_renamed_export_files_sent_together_are_each_imported_by_what_they_hold(
    client, listener, run_jobs, django_capture_on_commit_callbacks
):
    files = [
        SimpleUploadedFile("my history (1).json", AUDIO_2023.read_bytes()),  # extended, 2023 layout
        SimpleUploadedFile("download", ENDSONG.read_bytes()),  # extended, the older endsong layout, no extension
        SimpleUploadedFile("StreamingHistory0 copy.txt", ACCOUNT.read_bytes()),  # account data
    ]

    with django_capture_on_commit_callbacks():  # queued by the worker in other tests; run here below
        response = client_for(client, listener).post(API, {"export": files})

    assert response.status_code == 202
    assert sorted(job["filename"] for job in response.json()) == [
        "StreamingHistory0 copy.txt", "download", "my history (1).json",
    ]
    jobs = run_jobs(listener)
    assert [(job.filename, job.status, job.summary["rows"]) for job in jobs] == [
        ("StreamingHistory0 copy.txt", "done", 10094), ("download", "done", 943), ("my history (1).json", "done", 1470),
    ]
    assert Play.objects.filter(user=listener).count() == sum(job.summary["added"] for job in jobs)


def test_each_file_of_a_multi_file_upload_is_undone_on_its_own(client, listener, run_jobs,
                                                               django_capture_on_commit_callbacks):
    files = [SimpleUploadedFile("mine.json", AUDIO_2023.read_bytes()),
             SimpleUploadedFile("my sisters.json", ENDSONG.read_bytes())]
    with django_capture_on_commit_callbacks():
        client_for(client, listener).post(API, {"export": files})
    mine, sisters = sorted(run_jobs(listener), key=lambda job: job.filename)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"{API}{sisters.public_id}/undo/")
    assert response.status_code == 202
    import_job_undo_run(job_id=sisters.pk)

    assert Play.objects.filter(user=listener).count() == mine.summary["added"]
    assert set(Play.objects.filter(user=listener).values_list("import_job", flat=True)) == {mine.pk}


def test_a_single_renamed_file_answers_with_its_one_import(client, listener):
    response = client_for(client, listener).post(API, {"export": SimpleUploadedFile("x", AUDIO_2023.read_bytes())})

    assert response.status_code == 202
    assert response.json()["filename"] == "x" and response.json()["status"] == "queued"


def test_a_zip_of_renamed_files_imports_the_history_and_passes_over_spotifys_other_files(listener, run_jobs):
    data = zip_of({
        "my data/part one.json": AUDIO_2023.read_bytes(),
        "my data/SearchQueries.json": json.dumps([{"platform": "ANDROID", "searchTime": "2023-01-01T00:00:00Z",
                                                   "searchQuery": "ts ms_played"}]).encode(),
        "my data/Userdata.json": json.dumps({"username": "x", "country": "NL"}).encode(),
        "my data/notes.txt": b"hello",
    })
    import_job_create(user=listener, upload=SimpleUploadedFile("archive (2).zip", data))

    [job] = run_jobs(listener)

    assert job.status == ImportJob.Status.DONE and job.summary["rows"] == 1470


def test_one_refused_file_of_several_keeps_none_and_says_which(client, listener):
    files = [SimpleUploadedFile("good.json", AUDIO_2023.read_bytes()),
             SimpleUploadedFile("Playlist1.json", json.dumps({"playlists": []}).encode())]
    before = stored_uploads()

    response = client_for(client, listener).post(API, {"export": files})

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "bad_export"
    assert response.json()["error"]["message"] == (
        "“Playlist1.json” was refused, so none of the 2 files were imported. “Playlist1.json” is neither the ZIP "
        "Spotify sent you nor a listening-history file from it (Streaming_History_Audio_….json, endsong_….json "
        "or StreamingHistory….json); nothing was imported."
    )
    assert not ImportJob.objects.exists()
    assert stored_uploads() == before  # the good file stored first was removed too


def test_the_import_page_takes_several_files_in_one_form(client, listener):
    client_for(client, listener)

    page = client.get("/listening/import/")
    assert b'type="file" name="export" multiple' in page.content

    response = client.post("/listening/import/", {"export": [SimpleUploadedFile("a.json", AUDIO_2023.read_bytes()),
                                                             SimpleUploadedFile("b.json", ENDSONG.read_bytes())]})

    assert response.status_code == 302
    assert "2 files received, one import each" in client.get("/listening/import/").content.decode()
    assert sorted(ImportJob.objects.filter(user=listener).values_list("filename", flat=True)) == ["a.json", "b.json"]


def test_the_import_page_says_plainly_why_a_file_was_refused(client, listener):
    client_for(client, listener)

    response = client.post("/listening/import/", {"export": SimpleUploadedFile("Userdata.json", b'{"a": 1}')})

    assert response.status_code == 200
    assert "“Userdata.json” is neither the ZIP Spotify sent you" in response.content.decode()
    assert not ImportJob.objects.exists()


# --- every refusal a listener can get from a file that is not a history, in plain words ----------------------
def _play(**changes) -> dict:
    return {"ts": "2023-03-01T10:00:00Z", "ms_played": 5, "master_metadata_track_name": "Song",
            "master_metadata_album_artist_name": "Artist", "spotify_track_uri": "spotify:track:abc", **changes}


NOT_ITS_HISTORY = "“Streaming_History_Audio_2023.json” is not Spotify listening history as Spotify writes it: "


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"not json", "“Streaming_History_Audio_2023.json” cannot be read: it is cut short, damaged or not a JSON "
                      "file. Download it from Spotify again; nothing was imported."),
        (b'[{"ts": "2023-03-01T10:00', "“Streaming_History_Audio_2023.json” cannot be read: it is cut short, "
                                       "damaged or not a JSON file. Download it from Spotify again; nothing was "
                                       "imported."),
        (json.dumps({"plays": []}).encode(), NOT_ITS_HISTORY + "it holds a record, not a list of plays. "
                                                               "Nothing was imported."),
        (b"[1, 2]", NOT_ITS_HISTORY + "the list holds a whole number where Spotify writes the record of a play. "
                                      "Nothing was imported."),
        (json.dumps([{"ms_played": 5}]).encode(), NOT_ITS_HISTORY + "a record has no “ts”. Nothing was imported."),
        (json.dumps([_play(ms_played="5")]).encode(),
         NOT_ITS_HISTORY + "a record’s “ms_played” is text where Spotify writes a whole number. Nothing was imported."),
        (json.dumps([_play(), _play(shuffle="yes")]).encode(),
         NOT_ITS_HISTORY + "a record’s “shuffle” is text where Spotify writes true or false. Nothing was imported."),
        (json.dumps([_play(ts=None)]).encode(),
         NOT_ITS_HISTORY + "a record’s “ts” is nothing where Spotify writes text. Nothing was imported."),
    ],
)
def test_a_history_file_spotify_did_not_write_fails_in_plain_words(listener, body, message,
                                                                   django_capture_on_commit_callbacks):
    job = ImportJob(user=listener, filename="Streaming_History_Audio_2023.json", size_bytes=len(body))
    job.upload.save("named-like-history.json", ContentFile(body), save=True)

    with django_capture_on_commit_callbacks(execute=True):
        job = import_job_run(job_id=job.pk)

    assert job.status == ImportJob.Status.FAILED
    assert job.error == message
    assert not Play.objects.exists()


@pytest.mark.parametrize(
    ("filename", "data", "message"),
    [
        ("notes.pdf", b"%PDF-1.7", "“notes.pdf” is neither the ZIP Spotify sent you nor a listening-history file from "
                                   "it (Streaming_History_Audio_….json, endsong_….json or StreamingHistory….json); "
                                   "nothing was imported."),
        ("my_spotify_data.zip", zip_of({"Userdata.json": b'{"a": 1}'}),
         "This ZIP has no Spotify listening history in it (no Streaming_History_Audio_….json, endsong_….json or "
         "StreamingHistory….json, by name or by content); nothing was imported."),
        ("my_spotify_data.zip", zip_of({f"{n}.json": b"[]" for n in range(10_001)}),
         "The ZIP holds 10,001 files, more than a Spotify export ever does; upload the ZIP as Spotify sent it. "
         "Nothing was imported."),
    ],
)
def test_an_upload_that_holds_no_history_is_refused_in_plain_words(client, listener, filename, data, message):
    response = client_for(client, listener).post(API, {"export": SimpleUploadedFile(filename, data)})

    assert response.status_code == 400
    assert response.json()["error"]["message"] == message
    assert not ImportJob.objects.exists()


# --- after an import: its days, for "See your stats" ---------------------------------------------------------
def test_a_finished_import_links_to_the_stats_of_the_days_it_covers_where_the_listener_lives(
    client, listener, run_jobs
):
    listener.time_zone = "America/New_York"  # the plays straddle its change to summer time on 12 March 2023
    listener.save(update_fields=["time_zone"])
    plays = [_play(ts="2023-03-11T04:30:00Z", spotify_track_uri="spotify:track:first"),  # 10 March, 23:30 EST
             _play(ts="2023-03-13T03:30:00Z", spotify_track_uri="spotify:track:last")]  # 12 March, 23:30 EDT
    import_job_create(user=listener, upload=SimpleUploadedFile("plays.json", json.dumps(plays).encode()))
    [job] = run_jobs(listener)

    assert (job.summary["first_day"], job.summary["last_day"]) == ("2023-03-10", "2023-03-12")
    page = client_for(client, listener).get("/listening/import/").content.decode()
    assert '<a href="/listening/?period=custom&amp;start=2023-03-10&amp;end=2023-03-12" class="see-stats"' in page
    stats = client.get("/listening/?period=custom&start=2023-03-10&end=2023-03-12")
    assert stats.context["totals"]["plays"] == 2


def test_an_import_that_read_no_plays_offers_no_stats_link(client, listener, run_jobs):
    import_job_create(user=listener, upload=SimpleUploadedFile("Streaming_History_Audio_2024.json", b"[]"))
    [job] = run_jobs(listener)

    assert job.status == ImportJob.Status.DONE and "first_day" not in job.summary
    assert "See your stats" not in client_for(client, listener).get("/listening/import/").content.decode()

