"""An import as the user lives it: upload on the page, a real Celery worker, progress over the real socket."""

import asyncio
import html
import io
import json
import os
import signal
import zipfile
from pathlib import Path

import psutil
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Sum
from django.utils import timezone

from listening.models import ImportJob, PeriodTotalsState, PeriodTrackPlays, Play
from listening.services import import_jobs_requeue
from tests.accounts.test_notifications import connect, session_cookie
from tests.conftest import client_for, wait_until
from tests.fakes.exports import extended_export_zip
from tests.listening.test_import import AUDIO_2023

pytestmark = pytest.mark.django_db(transaction=True)


async def import_messages(socket, *, until, timeout=180, kind="import.progress"):
    """Messages of one kind from the socket (import progress by default), until one satisfies `until`."""
    seen = []
    while True:
        message = json.loads(await asyncio.wait_for(socket.recv(), timeout))
        if message["type"] == kind:
            seen.append(message)
            if until(message):
                return seen


def upload(client, user, data: bytes):
    response = client_for(client, user).post(
        "/listening/import/", {"export": SimpleUploadedFile("my_spotify_data.zip", data)}, follow=True
    )
    assert "Upload received" in response.content.decode()
    return ImportJob.objects.get(user=user)


def test_an_upload_is_imported_by_the_worker_with_live_progress(client, listener, daphne_server, celery_worker):
    cookie = session_cookie(listener)

    async def scenario():
        async with connect(daphne_server, cookie) as socket:
            await socket.recv()  # ready
            job = await asyncio.to_thread(upload, client, listener, extended_export_zip(40_000))
            messages = await import_messages(socket, until=lambda m: m["status"] != "running")
            # Then a worker rebuilds the period totals and sessions the dashboard reads, and says so.
            await import_messages(socket, until=lambda m: True, kind="stats.ready")
            return job, messages

    job, messages = asyncio.run(scenario())

    running, final = messages[:-1], messages[-1]
    assert running and all(m["job"] == str(job.public_id) for m in messages)
    assert {"percent", "files", "files_done", "rows", "rows_per_second", "eta_seconds"} <= set(running[-1])
    assert [m["percent"] for m in running] == sorted(m["percent"] for m in running)
    assert final["status"] == "done" and final["percent"] == 100
    assert final["summary"]["added"] == 40_000
    assert Play.objects.filter(user=listener).count() == 40_000
    page = client.get("/listening/import/").content.decode()
    assert "40,000</strong> plays added" in page
    assert PeriodTotalsState.objects.get(user=listener).built_on is not None
    assert PeriodTrackPlays.objects.filter(user=listener, period="all").aggregate(n=Sum("plays"))["n"] == 40_000


def test_a_worker_killed_mid_import_leaves_nothing_and_the_import_then_completes(
    client, listener, daphne_server, celery_worker
):
    cookie = session_cookie(listener)

    async def scenario():
        async with connect(daphne_server, cookie) as socket:
            await socket.recv()  # ready
            await asyncio.to_thread(upload, client, listener, extended_export_zip(120_000))
            await import_messages(socket, until=lambda m: m["status"] == "running" and 0 < m["percent"] < 60)
            for child in psutil.Process(celery_worker.pid).children():
                os.kill(child.pid, signal.SIGKILL)  # the pool process running the import dies mid-way
            plays_right_after_the_kill = await asyncio.to_thread(Play.objects.filter(user=listener).count)
            final = await import_messages(socket, until=lambda m: m["status"] != "running")
            await import_messages(socket, until=lambda m: True, kind="stats.ready")
            return plays_right_after_the_kill, final[-1]

    plays_after_kill, final = asyncio.run(scenario())

    assert plays_after_kill == 0
    assert final["status"] == "done" and final["summary"]["added"] == 120_000
    assert Play.objects.filter(user=listener).count() == 120_000
    assert ImportJob.objects.get(user=listener).status == ImportJob.Status.DONE


def test_an_upload_while_the_broker_is_down_is_kept_and_imported_once_it_is_back(
    client, listener, celery_worker, broker_down
):
    job = upload(client, listener, extended_export_zip(900))  # the page says it was received

    assert job.status == ImportJob.Status.QUEUED
    assert job.queued_at is None and Path(job.upload.path).exists()  # kept, waiting for the broker

    broker_down.up()
    # What beat does every two minutes (listening.tasks.imports_requeue), for jobs stored a minute before.
    assert import_jobs_requeue(stored_before=timezone.now()) == 1
    assert import_jobs_requeue(stored_before=timezone.now()) == 0  # the broker has it now: queued once

    wait_until(lambda: ImportJob.objects.get(pk=job.pk).status == ImportJob.Status.DONE, "the import", seconds=120)
    assert ImportJob.objects.get(pk=job.pk).summary["added"] == 900
    assert Play.objects.filter(user=listener).count() == 900


def test_an_api_upload_while_the_broker_is_down_is_accepted(client, listener, broker_down):
    response = client_for(client, listener).post(
        "/api/v1/listening/imports/", {"export": SimpleUploadedFile("my_spotify_data.zip", extended_export_zip(10))}
    )

    assert response.status_code == 202 and response.json()["status"] == "queued"
    assert ImportJob.objects.get(user=listener).queued_at is None


def test_a_failed_import_is_told_on_the_page_and_its_upload_removed(client, listener, daphne_server, celery_worker):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("a/Streaming_History_Audio_2023.json", AUDIO_2023.read_bytes())
    damaged = buffer.getvalue().replace(b"Labrinth", b"Labrynth", 1)  # no longer what its CRC says
    cookie = session_cookie(listener)

    async def scenario():
        async with connect(daphne_server, cookie) as socket:
            await socket.recv()  # ready
            job = await asyncio.to_thread(upload, client, listener, damaged)
            stored = Path(job.upload.path)
            messages = await import_messages(socket, until=lambda m: m["status"] != "running")
            return stored, messages[-1]

    stored, final = asyncio.run(scenario())

    assert final["status"] == "failed"
    assert final["error"] == ("The ZIP file is damaged: “Streaming_History_Audio_2023.json” in it cannot be read. "
                              "Download it from Spotify again; nothing was imported.")
    assert html.escape(final["error"]) in client.get("/listening/import/").content.decode()
    assert not Play.objects.filter(user=listener).exists()
    assert not stored.exists()


def test_cancel_stops_a_running_import_and_keeps_nothing(client, listener, daphne_server, celery_worker):
    cookie = session_cookie(listener)

    async def scenario():
        async with connect(daphne_server, cookie) as socket:
            await socket.recv()  # ready
            job = await asyncio.to_thread(upload, client, listener, extended_export_zip(120_000))
            await import_messages(socket, until=lambda m: m["status"] == "running" and m["rows"] > 0)
            page = await asyncio.to_thread(client.post, f"/listening/import/{job.public_id}/cancel/", follow=True)
            final = await import_messages(socket, until=lambda m: m["status"] != "running")
            return job, page.content.decode(), final[-1]

    job, page, final = asyncio.run(scenario())

    assert "Cancelling the import; nothing from it will be kept." in page  # its worker stops it
    assert final["status"] == "cancelled" and final["error"] == "Cancelled; nothing was imported."
    assert not Play.objects.filter(user=listener).exists()
    assert not Path(job.upload.path).exists()


def test_an_import_undone_from_the_page_is_taken_out_by_the_worker_and_the_page_is_told(
    client, listener, daphne_server, celery_worker
):
    cookie = session_cookie(listener)

    async def scenario():
        async with connect(daphne_server, cookie) as socket:
            await socket.recv()  # ready
            job = await asyncio.to_thread(upload, client, listener, extended_export_zip(5_000))
            await import_messages(socket, until=lambda m: m["status"] != "running")
            await import_messages(socket, until=lambda m: True, kind="stats.ready")
            asked = await asyncio.to_thread(client.post, f"/listening/import/{job.public_id}/undo/")
            told = await import_messages(socket, until=lambda m: m["job"] == str(job.public_id))
            await import_messages(socket, until=lambda m: True, kind="stats.ready")
            return job, asked, told[-1]

    job, asked, told = asyncio.run(scenario())

    assert asked.status_code == 302
    assert told["status"] == "undone" and told["summary"]["removed"] == 5_000
    assert not Play.objects.filter(user=listener).exists()
    assert ImportJob.objects.get(pk=job.pk).status == ImportJob.Status.UNDONE
    assert PeriodTotalsState.objects.get(user=listener).built_on is not None  # rebuilt, with nothing in it
    assert not PeriodTrackPlays.objects.filter(user=listener).exists()
    assert "Undone: the 5,000 plays it had added are no longer in your history." in \
        client.get("/listening/import/").content.decode()
