"""Undoing an import (listening/services/import_jobs.py, plays.py): a listener who imported the wrong file takes
out exactly the plays it added, and every figure goes back to what it was without it."""

from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.utils import timezone

from accounts.models import User
from listening.models import (
    ArtistAffinity, DailyAlbumPlays, DailyArtistPlays, DailyTrackPlays, HourlyListening, ImportJob, ListeningSession,
    PeriodAlbumPlays, PeriodArtistPlays, PeriodGenrePlays, PeriodItemCounts, PeriodTotalsState, PeriodTrackPlays,
    Play, PlayRecord,
)
from listening.services import (
    import_job_undo, import_job_undo_run, period_totals_rebuild, spotify_sync_run, taste_vector_refresh,
)
from rewrapped.api import ApplicationError
from tests.conftest import client_for
from tests.factories import plays_add_for
from tests.listening.test_import import AUDIO_2023, ENDSONG, VIDEO_2023, spotify_zip, zip_of
from tests.listening.test_period_totals import everything_the_dashboard_shows
from tests.listening.test_plays import account_data_of, extended_rows, recently_played, synced_rows
from tests.listening.test_sync import connect, quick_spotify  # noqa: F401 (autouse)

ROLLUPS = (DailyTrackPlays, DailyArtistPlays, DailyAlbumPlays, HourlyListening)
PERIOD_TOTALS = (PeriodTrackPlays, PeriodArtistPlays, PeriodAlbumPlays, PeriodGenrePlays, PeriodItemCounts)


@pytest.fixture
def auckland_listener(listener):
    """Far from UTC, with clocks that changed twice during the 2023 export; sharing their taste."""
    listener.time_zone, listener.public_profile = "Pacific/Auckland", True
    listener.save(update_fields=["time_zone", "public_profile"])
    return listener


def history_state(user) -> dict:
    """Everything kept about a listener's history, and every figure the dashboard shows of it, once the period
    totals and the published taste are built as the workers build them."""
    period_totals_rebuild(user=user)
    taste_vector_refresh(user=User.objects.get(pk=user.pk))
    state = {
        "plays": list(Play.objects.filter(user=user).order_by("id").values()),
        "records": list(PlayRecord.objects.filter(user=user).order_by("id").values()),
        "sessions": list(ListeningSession.objects.filter(user=user).order_by("started_at")
                         .values_list("started_at", "ended_at", "plays")),
        "taste": sorted((a, round(w, 9)) for a, w in ArtistAffinity.objects.filter(user=user)
                        .values_list("artist_id", "weight")),
        "shown": everything_the_dashboard_shows(user),
    }
    for model in (*ROLLUPS, *PERIOD_TOTALS):
        state[model.__name__] = sorted(model.objects.filter(user=user).values_list())
    return state


def undo(job: ImportJob) -> ImportJob:
    """Ask for the undo as the page does, then run it here as the queued task does (the worker's part is in
    test_import_worker.py)."""
    assert import_job_undo(job=job).status == ImportJob.Status.UNDOING
    return import_job_undo_run(job_id=job.pk)


def test_undoing_the_wrong_file_leaves_every_figure_as_if_it_was_never_imported(
    spotify, auckland_listener, run_import
):
    listener = auckland_listener
    run_import(listener, spotify_zip(ENDSONG))  # their own history
    connect(spotify, listener, played=recently_played(synced_rows(), late_by=timedelta(seconds=1)))
    spotify_sync_run(user=listener)  # and what the sync recorded of 2023
    before = history_state(listener)
    # Someone else's 2023 export, whose last weeks the sync happened to have recorded too.
    wrong = run_import(listener, spotify_zip(AUDIO_2023, VIDEO_2023))
    assert wrong.summary["matched_sync"] == len(synced_rows()) and not wrong.upload
    assert history_state(listener) != before

    done = undo(wrong)

    assert done.status == ImportJob.Status.UNDONE
    assert done.summary["removed"] == wrong.summary["added"]
    assert PeriodTotalsState.objects.get(user=listener).built_on is None  # until the rebuild after commit
    after = history_state(listener)
    for key in before:
        assert after[key] == before[key], key
    assert not PlayRecord.objects.filter(user=listener).exists()  # the synced plays have one record again
    assert import_job_undo_run(job_id=wrong.pk).status == ImportJob.Status.UNDONE  # a redelivered task: nothing


@pytest.mark.parametrize("account_first", [True, False], ids=["undo the extended", "undo the account data"])
def test_undoing_one_of_two_exports_of_the_same_listening_leaves_the_other_whole(
    auckland_listener, run_import, account_first
):
    listener = auckland_listener
    account = zip_of({"Spotify Account Data/StreamingHistory_music_0.json": account_data_of(extended_rows(AUDIO_2023))})
    extended = spotify_zip(AUDIO_2023)
    run_import(listener, account if account_first else extended)
    before = history_state(listener)
    second = run_import(listener, extended if account_first else account)
    assert history_state(listener) != before

    undo(second)

    after = history_state(listener)
    for key in before:
        assert after[key] == before[key], key


def test_the_history_of_another_import_stays_when_one_is_undone(listener, run_import):
    mine = run_import(listener, spotify_zip(ENDSONG))
    wrong = run_import(listener, spotify_zip(VIDEO_2023))

    undo(wrong)

    assert Play.objects.filter(user=listener).count() == mine.summary["added"]
    assert not Play.objects.filter(user=listener, import_job=wrong).exists()
    assert ImportJob.objects.get(pk=mine.pk).status == ImportJob.Status.DONE


def test_only_a_finished_import_can_be_undone_and_asking_twice_changes_nothing(listener, run_import):
    queued = ImportJob.objects.create(user=listener, upload="imports/x.zip", filename="x.zip", size_bytes=1)
    with pytest.raises(ApplicationError) as refused:
        import_job_undo(job=queued)
    assert (refused.value.status_code, refused.value.code) == (409, "import_not_done")

    done = run_import(listener, spotify_zip(VIDEO_2023))
    assert import_job_undo(job=done).status == ImportJob.Status.UNDOING
    assert import_job_undo(job=done).status == ImportJob.Status.UNDOING


def test_an_undo_the_broker_cannot_take_leaves_the_import_as_it_was(client, listener, run_import, broker_down):
    broker_down.up()
    job = run_import(listener, spotify_zip(VIDEO_2023))
    broker_down.down()

    response = client_for(client, listener).post(f"/api/v1/listening/imports/{job.public_id}/undo/")

    assert response.status_code == 503 and response["Retry-After"]
    assert response.json()["error"]["code"] == "unavailable"
    assert ImportJob.objects.get(pk=job.pk).status == ImportJob.Status.DONE  # not left undoing with no task
    assert Play.objects.filter(user=listener, import_job=job).count() == job.summary["added"]


def test_an_import_made_before_plays_knew_their_import_says_it_cannot_be_undone(listener):
    plays_add_for(listener, ("Björk", "Joga", timezone.now(), 4))  # no import recorded
    old = ImportJob.objects.create(user=listener, upload="imports/old.zip", filename="old.zip", size_bytes=1,
                                   status=ImportJob.Status.DONE, summary={"rows": 1, "added": 1})

    with pytest.raises(ApplicationError, match="cannot be told apart") as refused:
        import_job_undo(job=old)

    assert refused.value.status_code == 409
    assert ImportJob.objects.get(pk=old.pk).status == ImportJob.Status.DONE
    assert Play.objects.filter(user=listener).count() == 1


# --- the page and the API ----------------------------------------------------------------------------------
def test_the_import_page_offers_undo_and_asks_first(client, listener, run_import):
    job = run_import(listener, spotify_zip(VIDEO_2023))
    client_for(client, listener)

    page = client.get("/listening/import/").content.decode()
    assert f'href="/listening/import/{job.public_id}/undo/"' in page
    confirm = client.get(f"/listening/import/{job.public_id}/undo/")
    assert confirm.status_code == 200
    assert "Undo the import of my_spotify_data.zip?" in confirm.content.decode()
    assert "<strong>16</strong> plays" in confirm.content.decode()
    assert ImportJob.objects.get(pk=job.pk).status == ImportJob.Status.DONE  # asking is not doing

    response = client.post(f"/listening/import/{job.public_id}/undo/")

    assert response.status_code == 302 and response["Location"] == "/listening/import/"
    assert ImportJob.objects.get(pk=job.pk).status == ImportJob.Status.UNDOING
    assert "Undoing the import of my_spotify_data.zip" in [str(m) for m in get_messages(response.wsgi_request)][0]


def test_the_page_says_why_an_unfinished_import_cannot_be_undone(client, listener):
    job = ImportJob.objects.create(user=listener, upload="imports/x.zip", filename="x.zip", size_bytes=1,
                                   status=ImportJob.Status.RUNNING)
    client_for(client, listener)

    assert "only a finished import can be undone" in client.get(f"/listening/import/{job.public_id}/undo/") \
        .content.decode()
    response = client.post(f"/listening/import/{job.public_id}/undo/", follow=True)

    assert "Only a finished import can be undone." in response.content.decode()
    assert ImportJob.objects.get(pk=job.pk).status == ImportJob.Status.RUNNING


def test_the_api_undoes_the_callers_own_imports_only(client, listener, other_listener, staff, run_import):
    mine = run_import(listener, spotify_zip(VIDEO_2023))
    theirs = run_import(other_listener, spotify_zip(VIDEO_2023))
    running = ImportJob.objects.create(user=listener, upload="imports/x.zip", filename="x.zip", size_bytes=1,
                                       status=ImportJob.Status.RUNNING)
    client_for(client, listener)

    accepted = client.post(f"/api/v1/listening/imports/{mine.public_id}/undo/")
    assert accepted.status_code == 202 and accepted.json()["status"] == "undoing"
    assert client.post(f"/api/v1/listening/imports/{mine.public_id}/undo/").status_code == 202  # again: the same
    conflict = client.post(f"/api/v1/listening/imports/{running.public_id}/undo/")
    assert conflict.status_code == 409
    assert conflict.json()["error"] == {"code": "import_not_done", "message": "Only a finished import can be undone.",
                                        "fields": {}}
    for user in (listener, staff):
        client_for(client, user)
        assert client.post(f"/api/v1/listening/imports/{theirs.public_id}/undo/").status_code == 404
    assert ImportJob.objects.get(pk=theirs.pk).status == ImportJob.Status.DONE
