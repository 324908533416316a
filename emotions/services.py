"""Writes for emotions (see STYLE.md: services for writes)."""

from datetime import datetime
from uuid import UUID

from django.db import transaction

from accounts.models import User
from billing import services as billing
from emotions.models import MoodReading, RecommendedPlay
from emotions.moods import MoodEstimate
from listening import selectors as listening


def mood_record(*, user: User, estimate: MoodEstimate, source: str, at: datetime) -> MoodReading:
    """Keep one reading of the listener's mood (never the frame or words it was read from)."""
    return MoodReading.objects.create(
        user=user, at=at, source=source, mood=estimate.label, confidence=estimate.confidence,
        valence=estimate.valence, arousal=estimate.arousal,
    )


def recommended_play_record(
    *, user: User, track_public_id: UUID, at: datetime, mood: str = "", strategy: str = "", reason: str = "",
) -> RecommendedPlay:
    """Count one play of a recommended song (404 for a song that is not in the catalog), and report it to billing's
    free-song ledger in the same transaction: a free listener with no free song left gets FreeSongsUsedUp (HTTP 402)
    and nothing is stored."""
    track = listening.track_by_public_id(track_public_id)
    with transaction.atomic():
        play = RecommendedPlay.objects.create(
            user=user, track=track, played_at=at, mood=mood, strategy=strategy, reason=reason[:200],
        )
        # The backfill of plays recorded before billing (migration 0003) spells the key the same way.
        billing.song_use_record(user=user, play_key=f"recommended-play:{play.public_id}", at=at)
    return play
