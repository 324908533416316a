from celery import shared_task

from accounts.models import User
from emotions.recommender import recommendations_prepare
from emotions.recommender.co_listening import co_listening_rebuild as co_listening_model_rebuild
from emotions.recommender.track_moods import track_moods_due, track_moods_fill as track_moods_write
from rewrapped.outbound import RateLimited, ServiceUnavailable


@shared_task(acks_late=True, time_limit=1800, soft_time_limit=1750)
def co_listening_rebuild() -> int:
    """Beat, nightly: the co-listening model from everyone's plays. Returns how many songs it knows."""
    return len(co_listening_model_rebuild().track_ids)


@shared_task(bind=True, acks_late=True, time_limit=600, soft_time_limit=580, max_retries=5)
def track_moods_fill(self, *, track_ids: list[int]) -> int:
    try:
        return track_moods_write(track_ids=track_ids)
    except RateLimited as exc:
        raise self.retry(countdown=exc.retry_after_seconds + 1) from exc
    except ServiceUnavailable as exc:
        raise self.retry(countdown=300) from exc


@shared_task(time_limit=120, soft_time_limit=110)
def recommendations_warm(*, user_id: int) -> None:
    """Build a listener's candidates ahead of their mood socket (the first list is then as quick as the rest)."""
    user = User.objects.filter(pk=user_id).first()
    if user is not None:
        recommendations_prepare(user=user)


TRACK_MOODS_PER_RUN = 2000
TRACK_MOODS_PER_TASK = 200  # five provider calls of 40


@shared_task(time_limit=300, soft_time_limit=280)
def track_moods_dispatch() -> int:
    """Beat: queue the next catalog songs without a place on the circumplex, a few hundred per task."""
    due = track_moods_due(limit=TRACK_MOODS_PER_RUN)
    for start in range(0, len(due), TRACK_MOODS_PER_TASK):
        track_moods_fill.delay(track_ids=due[start:start + TRACK_MOODS_PER_TASK])
    return len(due)
