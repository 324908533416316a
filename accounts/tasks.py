from celery import shared_task
from django.contrib.sessions.backends.db import SessionStore
from django.core.management import call_command

from accounts import services
from rewrapped.realtime import broadcast, user_group


@shared_task(time_limit=240, soft_time_limit=200)
def spotify_tokens_refresh() -> dict:
    return services.spotify_tokens_refresh_due()


@shared_task(time_limit=600, soft_time_limit=570)
def sessions_clear_expired() -> None:
    SessionStore.clear_expired()


@shared_task(time_limit=600, soft_time_limit=570)
def refresh_tokens_flush_expired() -> None:
    """Drop refresh tokens that ran out (and their blacklist entries): every rotation adds one."""
    call_command("flushexpiredtokens")


@shared_task(time_limit=30, soft_time_limit=25, autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=3)
def user_notify(*, user_id: int, message: str, level: str = "info") -> None:
    """Show a toast on every page the user has open."""
    broadcast(user_group(user_id), "notify", {"level": level, "message": message})
