"""An import as the user lives it: upload on the page, a real Celery worker, progress over the real socket."""

import asyncio
import json
import os
import signal

import psutil
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from django.db.models import Sum

from listening.models import ImportJob, PeriodTotalsState, PeriodTrackPlays, Play
from tests.accounts.test_notifications import connect, session_cookie
from tests.conftest import client_for
from tests.fakes.exports import extended_export_zip

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
