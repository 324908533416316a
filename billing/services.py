"""Billing's writes. `song_use_record` is the one call a feature makes for each recommended song played."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import connection, transaction
from django.urls import reverse

from accounts.models import User
from billing import selectors
from billing.models import SongUse
from rewrapped.api import ApplicationError

# pg_advisory_xact_lock's first key: this lock's namespace; the second is the listener's id.
_SONG_LOCK = 7_140_001


class FreeSongsUsedUp(ApplicationError):
    """The listener has played every free recommended song: they need Premium for the next one (HTTP 402)."""

    code = "premium_required"

    def __init__(self, *, total: int):
        super().__init__(
            f"You have played your {total} free recommended songs. Upgrade to Premium to keep playing.",
            code=self.code, status_code=402, links={"upgrade_url": upgrade_url()},
        )


def upgrade_url() -> str:
    return settings.SITE_URL.rstrip("/") + reverse("billing:upgrade")


def song_use_record(*, user: User, play_key: str, at: datetime) -> SongUse:
    """Count one recommended song played, once per `play_key` (a second report of the same play changes nothing).

    Raises FreeSongsUsedUp, recording nothing, when a free listener has none left. Run it inside the transaction
    that records the play, so a refused song leaves no play behind. Two plays at once for one listener queue on a
    lock, so the free count can never be overrun.
    """
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_SONG_LOCK, user.pk])
        existing = SongUse.objects.filter(user=user, play_key=play_key).first()
        if existing is not None:
            return existing
        entitlement = selectors.entitlement(user, now=at)
        if not entitlement.premium and entitlement.free_songs_remaining == 0:
            raise FreeSongsUsedUp(total=entitlement.free_songs_total)
        return SongUse.objects.create(user=user, play_key=play_key, premium=entitlement.premium, at=at)
