"""Writes for emotions (see STYLE.md: services for writes)."""

from datetime import datetime
from uuid import UUID

from accounts.models import User
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
    """Count one play of a recommended song (404 for a song that is not in the catalog)."""
    track = listening.track_by_public_id(track_public_id)
    return RecommendedPlay.objects.create(
        user=user, track=track, played_at=at, mood=mood, strategy=strategy, reason=reason[:200],
    )
