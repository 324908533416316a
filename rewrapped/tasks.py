from celery import shared_task

from rewrapped import outbound


@shared_task(time_limit=600, soft_time_limit=570)
def api_call_log_prune() -> int:
    return outbound.api_call_log_prune()
