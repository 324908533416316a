from celery import shared_task

from promoters import services


@shared_task(time_limit=60, soft_time_limit=50, autoretry_for=(ConnectionError, OSError), retry_backoff=True,
             max_retries=5)
def promoter_application_notify(*, application_id: int) -> bool:
    """Email the applicant the result of staff review, outside the admin's request."""
    return services.promoter_application_email(application_id=application_id)
