from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from listening import services


@shared_task(acks_late=True, reject_on_worker_lost=True, time_limit=3600, soft_time_limit=3500)
def import_run(*, job_id: int) -> None:
    # acks_late + reject_on_worker_lost: a worker killed mid-import hands the job to the next worker, and
    # the import's single transaction means the first attempt left nothing behind.
    services.import_job_run(job_id=job_id)


# Longer than a request can spend handing a job to the broker (rewrapped/broker.py), so beat never queues a
# job its request is still queueing.
REQUEUE_IMPORTS_STORED_BEFORE = timedelta(minutes=1)


@shared_task(time_limit=300, soft_time_limit=280)
def imports_requeue() -> int:
    """Beat: queue the uploads stored while the broker was unavailable, so none is lost."""
    return services.import_jobs_requeue(stored_before=timezone.now() - REQUEUE_IMPORTS_STORED_BEFORE)


@shared_task(acks_late=True, reject_on_worker_lost=True, time_limit=3600, soft_time_limit=3500)
def import_undo(*, job_id: int) -> None:
    # Like an import: one transaction, so a worker lost mid-way left nothing half-undone for the next to redo.
    services.import_job_undo_run(job_id=job_id)


@shared_task(time_limit=900, soft_time_limit=880)
def rollups_rebuild(*, user_id: int) -> None:
    from accounts.models import User

    user = User.objects.filter(pk=user_id).first()
    if user is not None:  # the account may be gone by the time the task runs
        services.rollups_rebuild(user=user)


@shared_task(acks_late=True, time_limit=900, soft_time_limit=870)
def period_totals_rebuild(*, user_id: int) -> None:
    from accounts.models import User

    from rewrapped.realtime import broadcast, user_group

    user = User.objects.filter(pk=user_id).first()
    if user is not None:
        state = services.period_totals_rebuild(user=user)  # committed: the pages may read it now
        broadcast(user_group(user.pk), "stats_ready", {"built_on": state.built_on.isoformat()})


@shared_task(time_limit=300, soft_time_limit=280)
def period_totals_dispatch() -> int:
    """Beat: rebuild the period totals of everyone whose are out of date (imports, a new day where they live)."""
    due = services.period_totals_due()
    for user_id in due:
        period_totals_rebuild.delay(user_id=user_id)
    return len(due)


@shared_task(time_limit=3600, soft_time_limit=3500)
def taste_vectors_refresh() -> dict:
    """Nightly: every shared taste vector from the latest listening, for "listeners like you"."""
    return services.taste_vectors_refresh()


@shared_task(acks_late=True, time_limit=120, soft_time_limit=100)
def spotify_sync_dispatch() -> int:
    """Beat: queue a Spotify sync for every connected user, spread over the interval."""
    return services.spotify_sync_dispatch()


@shared_task(acks_late=True, reject_on_worker_lost=True, time_limit=900, soft_time_limit=870)
def spotify_sync_run(*, user_id: int) -> None:
    # acks_late: a run lost with its worker is run again; every page it stored is deduplicated next time.
    from accounts.models import User

    user = User.objects.filter(pk=user_id).first()
    if user is not None:
        services.spotify_sync_run(user=user)


@shared_task(acks_late=True, time_limit=900, soft_time_limit=870)
def spotify_catalog_fetch() -> dict:
    """After an import and from beat: covers, pictures and genres for songs and artists never fetched."""
    return services.spotify_catalog_fetch()


@shared_task(time_limit=3600, soft_time_limit=3500)
def rollups_audit() -> list[int]:
    """Nightly: roll-ups of the last two days' listeners checked against their plays, rebuilt if they drifted."""
    return services.rollups_audit(since=timezone.now() - timedelta(days=2))
