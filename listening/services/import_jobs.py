"""Writes for import jobs: an uploaded Spotify export, imported by a worker with live progress."""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import TypeVar
from zoneinfo import ZoneInfo

from django.core.files.uploadedfile import UploadedFile
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import User
from listening.imports import BadExport, ExportMember, check_upload_size, export_members
from listening.models import ImportJob, Play, PlayRecord
from listening.services.plays import ImportSummary, PlaysWriter, PreparedRows, import_plays_remove
from listening.services.taste import taste_vector_refresh
from rewrapped.api import ApplicationError
from rewrapped.broker import BrokerUnavailable, task_queue
from rewrapped.realtime import broadcast, user_group

logger = logging.getLogger(__name__)

# Plays are added in batches of at least this many rows inside the import's one transaction: progress and
# cancel are checked between them.
IMPORT_BATCH_ROWS = 50_000
PROGRESS_EVERY_SECONDS = 0.5
# Held by the transaction importing a job (with the job's id): a job nobody holds it for has no live worker.
IMPORT_JOB_LOCK = 0x1A0B
# A job whose worker died this many times (the task is redelivered each time) is given up.
IMPORT_MAX_ATTEMPTS = 3
UNEXPECTED_ERROR = ("Something went wrong on our side while importing; nothing was imported. We have been told "
                    "and will look into it; you can try again later.")
GIVEN_UP = (f"The import stopped unexpectedly {IMPORT_MAX_ATTEMPTS} times, so it was given up; nothing was "
            "imported. We have been told and will look into it.")

ACTIVE = (ImportJob.Status.QUEUED, ImportJob.Status.RUNNING)

T = TypeVar("T")


class ImportCancelled(Exception):
    pass


def import_job_create(*, user: User, upload: UploadedFile) -> ImportJob:
    """Store an uploaded export and queue its import. A file that cannot be an export is refused at once
    (only the ZIP's index is read here); the rows are read by the worker."""
    check_upload_size(upload.size)  # before the file is stored, not only when it is read
    job = ImportJob(user=user, filename=PurePosixPath(upload.name).name[:255], size_bytes=upload.size)
    job.upload.save(f"{job.public_id}{PurePosixPath(upload.name).suffix[:8]}", upload, save=False)
    try:
        with export_members(Path(job.upload.path), job.filename):
            pass
    except BadExport:
        job.upload.delete(save=False)
        raise
    job.save()
    transaction.on_commit(lambda: _import_queue(job.pk))
    return job


@transaction.atomic
def import_jobs_create(*, user: User, uploads: list[UploadedFile]) -> list[ImportJob]:
    """One import per uploaded file, so each can be undone on its own (a listener who sent someone else's file
    along takes out just that one); all of them, or, if one is refused, none, with the listener told which."""
    jobs = []
    for upload in uploads:
        try:
            jobs.append(import_job_create(user=user, upload=upload))
        except BadExport as error:
            for job in jobs:
                job.upload.delete(save=False)
            if len(uploads) == 1:
                raise
            raise BadExport(f"“{PurePosixPath(upload.name).name}” was refused, so none of the {len(uploads)} "
                            f"files were imported. {error.message}") from None
    return jobs


def _import_queue(job_id: int) -> bool:
    """Hand a stored job to the broker. When the broker is unavailable the upload is kept and the job stays
    queued: import_jobs_requeue tries again, so the request that stored it still succeeds."""
    from listening.tasks import import_run

    try:
        task_queue(import_run, job_id=job_id)
    except BrokerUnavailable:
        return False
    ImportJob.objects.filter(pk=job_id).update(queued_at=timezone.now())
    return True


def import_jobs_requeue(*, stored_before: datetime) -> int:
    """Queue again the jobs stored before `stored_before` that the broker never took. Returns how many it took."""
    waiting = ImportJob.objects.filter(status=ImportJob.Status.QUEUED, queued_at__isnull=True,
                                       created_at__lt=stored_before).order_by("created_at")
    return sum(_import_queue(job_id) for job_id in waiting.values_list("pk", flat=True))


def import_job_cancel(*, job: ImportJob) -> ImportJob:
    """Stop a queued or running import; it rolls back whatever it had added. A running import stops at its next
    batch; one no worker is running (still queued, or its worker died) ends now."""
    if job.is_active:
        ImportJob.objects.filter(pk=job.pk).update(cancel_requested=True)
        with transaction.atomic():
            if _no_worker_on(job):
                _import_finish(job, ImportJob.Status.CANCELLED, error="Cancelled; nothing was imported.")
        job.refresh_from_db()
    return job


def import_job_run(*, job_id: int) -> ImportJob:
    """Import every file of the export in one transaction: all of it lands, or (failure, cancel, a killed
    worker) none of it does, and running it again finishes the job. Whatever goes wrong, the job ends (failed,
    with a message for the listener) and its upload is removed; only a worker that dies leaves it running, for
    the redelivered task (or a cancel) to end."""
    job = ImportJob.objects.select_related("user").get(pk=job_id)
    if not job.is_active:
        return job  # already finished; a redelivered task has nothing to do
    job.status, job.started_at, job.attempts = ImportJob.Status.RUNNING, timezone.now(), job.attempts + 1
    ImportJob.objects.filter(pk=job.pk, status__in=ACTIVE).update(
        status=job.status, started_at=job.started_at, attempts=job.attempts
    )
    if job.attempts > IMPORT_MAX_ATTEMPTS:
        logger.error("Import %s given up: its worker died %s times", job.public_id, IMPORT_MAX_ATTEMPTS)
        _import_finish(job, ImportJob.Status.FAILED, error=GIVEN_UP)
    else:
        _import_attempt(job)
    job.refresh_from_db()
    return job


def _import_attempt(job: ImportJob) -> None:
    try:
        with transaction.atomic():
            if _claim(job):
                summary, span = _import_files(job, _ImportProgress(job))
                _import_finish(job, ImportJob.Status.DONE, summary={**summary.as_dict(), **_days(job.user, span)})
    except ImportCancelled:
        _import_finish(job, ImportJob.Status.CANCELLED, error="Cancelled; nothing was imported.")
    except BadExport as error:
        _import_finish(job, ImportJob.Status.FAILED, error=error.message)
    except Exception:  # whatever it was, the listener is told and the job ends; we hear of it from the log
        logger.exception("Import %s failed", job.public_id)
        _import_finish(job, ImportJob.Status.FAILED, error=UNEXPECTED_ERROR)


def _claim(job: ImportJob) -> bool:
    """Take the job's lock for this transaction, if no other transaction holds it (a redelivered task while the
    first still runs, a cancel ending the job); whether the job is then still ours to run."""
    return _no_worker_on(job) and ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.RUNNING).exists()


def _no_worker_on(job: ImportJob) -> bool:
    """Whether no import transaction holds the job; if so, the calling transaction holds it from now on."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s, %s)", [IMPORT_JOB_LOCK, job.pk])
        return cursor.fetchone()[0]


def _days(user: User, span: tuple[int, int] | None) -> dict:
    """The first and last day the export has plays on, where the listener lives: the period "See your stats"
    opens the dashboard on."""
    if span is None:
        return {}
    zone = ZoneInfo(user.time_zone)
    first, last = (datetime.fromtimestamp(moment, UTC).astimezone(zone).date().isoformat() for moment in span)
    return {"first_day": first, "last_day": last}


def _import_files(job: ImportJob, progress: _ImportProgress) -> tuple[ImportSummary, tuple[int, int] | None]:
    """What the import did, and the first and last end time of the plays it read (None when it read none)."""
    summary, span = ImportSummary(), None
    writer = PlaysWriter(user=job.user, bulk=True, import_job=job)
    with export_members(Path(job.upload.path), job.filename) as members:
        progress.start(files=len(members), total_bytes=sum(member.size for member in members))
        # The next batch is read, parsed and prepared on a thread while the database adds this one's plays;
        # closed (its thread done) before the archive is.
        with closing(_batches(members, writer)) as read, closing(read_ahead(read)) as batches:
            for batch in batches:
                if ImportJob.objects.filter(pk=job.pk, cancel_requested=True).exists():
                    raise ImportCancelled
                summary.add(writer.add(batch.prepared))
                summary.unreadable += batch.unreadable
                if batch.prepared.count:
                    first, last = batch.prepared.span
                    span = (first, last) if span is None else (min(span[0], first), max(span[1], last))
                progress.advance(rows=batch.prepared.count, file_bytes=batch.size, files=batch.files_done)
    return summary, span


@dataclass
class _Batch:
    prepared: PreparedRows
    unreadable: Counter
    size: int  # bytes of the files it came from
    files_done: int


def _batches(members: list[ExportMember], writer: PlaysWriter) -> Iterator[_Batch]:
    """The export's rows, read, parsed and prepared for the database in batches of at least IMPORT_BATCH_ROWS
    (each batch costs a handful of statements whatever its size), read a slice of a file at a time so no file is
    ever in memory whole."""
    rows, unreadable, size, files_done = [], Counter(), 0, 0
    for member in members:
        for part in member.parts():
            rows += part.rows
            unreadable += part.unreadable
            size += part.size
            if len(rows) >= IMPORT_BATCH_ROWS:
                yield _Batch(writer.prepare(rows), unreadable, size, files_done)
                rows, unreadable, size = [], Counter(), 0
        files_done += 1
    yield _Batch(writer.prepare(rows), unreadable, size, files_done)


def read_ahead(items: Iterator[T]) -> Iterator[T]:
    """The items, each made on a thread of its own while the caller still works on the one before. Work
    that waits on the database releases the interpreter, so parsing and inserting use both cores."""
    end = object()
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="read-ahead") as pool:
        coming = pool.submit(next, items, end)
        while (item := coming.result()) is not end:
            coming = pool.submit(next, items, end)
            yield item


def _import_finish(job: ImportJob, status: str, *, summary: dict | None = None, error: str = "") -> None:
    """End an active job (a job already ended stays as it ended), remove its upload and tell the listener."""
    finished = timezone.now()
    if not ImportJob.objects.filter(pk=job.pk, status__in=ACTIVE).update(
        status=status, summary=summary or {}, error=error, finished_at=finished, upload=""
    ):
        return
    upload, storage = job.upload.name, job.upload.storage
    job.status, job.summary, job.error, job.finished_at = status, summary or {}, error, finished
    payload = {"job": str(job.public_id), "status": status, "percent": 100 if status == "done" else None,
               "summary": job.summary, "error": error}

    def after_commit():
        # The upload held the user's raw history; once imported (or refused) we keep only the plays.
        if upload:
            storage.delete(upload)
        broadcast(user_group(job.user_id), "import_progress", payload)
        if status == ImportJob.Status.DONE:
            from listening.tasks import period_totals_rebuild, spotify_catalog_fetch

            period_totals_rebuild.delay(user_id=job.user_id)
            # The export named songs by id only: their covers, artists' pictures and genres come from Spotify.
            spotify_catalog_fetch.delay()

    transaction.on_commit(after_commit)


class _ImportProgress:
    """Pushes progress (files, rows, rows/s, ETA) to the user's open pages, at most twice a second."""

    def __init__(self, job: ImportJob):
        self.job, self.files, self.files_done, self.total_bytes = job, 0, 0, 1
        self.bytes_done, self.rows, self.started, self.last_push = 0, 0, time.monotonic(), 0.0

    def start(self, *, files: int, total_bytes: int) -> None:
        self.files, self.total_bytes = files, max(total_bytes, 1)
        self.push(force=True)

    def advance(self, *, rows: int, file_bytes: int, files: int) -> None:
        self.rows += rows
        self.bytes_done += file_bytes
        self.files_done = files
        self.push()

    def push(self, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self.last_push < PROGRESS_EVERY_SECONDS:
            return
        self.last_push = now
        elapsed = max(now - self.started, 1e-6)
        fraction = min(self.bytes_done / self.total_bytes, 1.0)
        eta = elapsed * (1 - fraction) / fraction if fraction > 0 else None
        broadcast(user_group(self.job.user_id), "import_progress", {
            "job": str(self.job.public_id), "status": "running", "percent": round(fraction * 100, 1),
            "files": self.files, "files_done": self.files_done, "rows": self.rows,
            "rows_per_second": round(self.rows / elapsed), "eta_seconds": round(eta) if eta is not None else None,
        })


# --- undo -------------------------------------------------------------------------------------------------
def import_job_undo(*, job: ImportJob) -> ImportJob:
    """Ask for a finished import to be undone (say the listener uploaded someone else's history); a worker
    takes its plays out. Asking again while it is undone or undoing changes nothing."""
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().get(pk=job.pk)
        if job.status in (ImportJob.Status.UNDOING, ImportJob.Status.UNDONE):
            return job
        if job.status != ImportJob.Status.DONE:
            raise ApplicationError("Only a finished import can be undone.", code="import_not_done", status_code=409)
        if job.summary.get("added") and not (
            Play.objects.filter(user=job.user_id, import_job=job).exists()
            or PlayRecord.objects.filter(user=job.user_id, import_job=job).exists()
        ):
            raise ApplicationError(
                "This import was made before imports could be undone, and its plays cannot be told apart from "
                "the rest of your history.", code="import_not_undoable", status_code=409,
            )
        job.status = ImportJob.Status.UNDOING
        job.save(update_fields=["status"])
        from listening.tasks import import_undo

        # Queued before commit, unlike other tasks: a broker that cannot take it (BrokerUnavailable, a 503) then
        # rolls the job back to done instead of leaving it undoing with no task. The worker waits for this row's
        # lock, so it reads the committed status, and does nothing should the commit fail after all.
        task_queue(import_undo, job_id=job.pk)
    return job


def import_job_undo_run(*, job_id: int) -> ImportJob | None:
    """Undo an import in one transaction: its plays go, its records of plays other sources recorded too go
    (those plays are shown as the others recorded them), and every figure derived from plays follows: the
    roll-ups at once, the published taste at once, the period totals and sessions rebuilt after commit."""
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().select_related("user").filter(pk=job_id).first()
        if job is None or job.status != ImportJob.Status.UNDOING:
            return job  # undone already (a redelivered task), or its account deleted: nothing to do
        removed = import_plays_remove(user=job.user, job=job)
        taste_vector_refresh(user=job.user)
        job.status, job.summary = ImportJob.Status.UNDONE, {**job.summary, "removed": removed}
        job.save(update_fields=["status", "summary"])
        payload = {"job": str(job.public_id), "status": job.status, "percent": None, "summary": job.summary,
                   "error": ""}

        def after_commit():
            broadcast(user_group(job.user_id), "import_progress", payload)
            from listening.tasks import period_totals_rebuild

            period_totals_rebuild.delay(user_id=job.user_id)

        transaction.on_commit(after_commit)
    return job
