from celery import shared_task

from promoters import metrics, services


@shared_task(time_limit=240, soft_time_limit=200)
def event_metrics_aggregate() -> dict:
    """Beat, every few minutes: fold new raw interactions into the Event Metrics Log."""
    return metrics.event_metrics_aggregate()


@shared_task(time_limit=60, soft_time_limit=50, autoretry_for=(ConnectionError, OSError), retry_backoff=True,
             max_retries=5)
def event_moderation_notify(*, event_id: int) -> bool:
    """Email the promoter the result of staff review, outside the admin's request."""
    return services.event_moderation_email(event_id=event_id)


@shared_task(time_limit=60, soft_time_limit=50, autoretry_for=(ConnectionError, OSError), retry_backoff=True,
             max_retries=5)
def promoter_application_notify(*, application_id: int) -> bool:
    """Email the applicant the result of staff review, outside the admin's request."""
    return services.promoter_application_email(application_id=application_id)
