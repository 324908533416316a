"""Fetching concerts: beat plans the queries, one task per query pages through its results. Rolling up the
Event Metrics Log, and telling promoters how review of their events went."""

from celery import shared_task
from django.conf import settings

from events import ingest, metrics, recheck, services
from events.providers import EventQuery

# A planned fetch still queued when the next beat (6 h) comes is dropped, not doubled.
FETCH_EXPIRES_SECONDS = 6 * 3600
# The Redis broker hands a task whose countdown outlasts its visibility timeout (an hour) to a second worker,
# so a long wait is taken in steps: a fetch woken early finds the provider's pause still recorded in Redis
# and waits again without calling it.
LONGEST_COUNTDOWN_SECONDS = 3000


@shared_task(acks_late=True, time_limit=300, soft_time_limit=280)
def events_fetch_dispatch() -> int:
    """Beat: queue a fetch for every country and top artist our listeners care about, spread over
    EVENT_FETCH_SPREAD_SECONDS so the providers see a steady trickle, not a burst."""
    plan = ingest.events_fetch_plan()
    spread = settings.EVENT_FETCH_SPREAD_SECONDS
    for position, planned in enumerate(plan):
        countdown = int(position * spread / len(plan))
        events_fetch.apply_async(
            kwargs={"source": planned.source, "query": planned.query.as_json()},
            countdown=countdown, expires=countdown + FETCH_EXPIRES_SECONDS,
        )
    return len(plan)


@shared_task(acks_late=True, reject_on_worker_lost=True, time_limit=900, soft_time_limit=870)
def events_fetch(*, source: str, query: dict, page: int | None = None, attempt: int = 0) -> dict:
    # A 429, our daily quota or a provider that keeps failing ends the run at the page reached; the fetch is
    # queued again from that page once the wait is over, so no query is dropped. Each stored page committed
    # on its own, so a run lost with its worker repeats at most one page (and storing is idempotent).
    outcome = ingest.events_fetch(source=source, query=EventQuery.from_json(query), page=page, attempt=attempt)
    if outcome.retry_in_seconds is not None:
        events_fetch.apply_async(
            kwargs={"source": source, "query": query, "page": outcome.resume_page, "attempt": outcome.attempt},
            countdown=min(outcome.retry_in_seconds, LONGEST_COUNTDOWN_SECONDS),
        )
    return {"pages": outcome.pages, "stored": outcome.stored, "retry_in_seconds": outcome.retry_in_seconds,
            "reason": outcome.reason}


@shared_task(acks_late=True, time_limit=1800, soft_time_limit=1770)
def listings_recheck() -> dict:
    """Beat: look up, by id, upcoming shows the searches stopped returning (events/recheck.py)."""
    outcome = recheck.listings_recheck()
    return {"checked": outcome.checked, "still_listed": outcome.still_listed, "removed": outcome.removed,
            "unlisted_events": outcome.unlisted_events, "stopped": outcome.stopped}


def shared_task_formerly(name: str, **options):
    """A task under its name here and also under `name`, the one it had in promoters before the app ladder: a
    worker drops a message whose task name it does not know, and messages queued before the move carry that."""

    def register(function):
        shared_task(name=name, **options)(function)
        return shared_task(**options)(function)

    return register


@shared_task_formerly("promoters.tasks.event_metrics_aggregate", time_limit=240, soft_time_limit=200)
def event_metrics_aggregate() -> dict:
    """Beat, every few minutes: fold new raw interactions into the Event Metrics Log."""
    return metrics.event_metrics_aggregate()


@shared_task_formerly("promoters.tasks.event_moderation_notify", time_limit=60, soft_time_limit=50,
                      autoretry_for=(ConnectionError, OSError), retry_backoff=True, max_retries=5)
def event_moderation_notify(*, event_id: int) -> bool:
    """Email the promoter the result of staff review, outside the admin's request."""
    return services.event_moderation_email(event_id=event_id)
