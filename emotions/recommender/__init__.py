"""Songs for a listener in a mood: `recommend` is the one way in for pages, the API and the mood socket.

The slow part, the ensemble's candidates and their blended scores, is built once per listener and kept in
Redis under their stats version (a new play or import makes a new one), the co-listening model's version, their
library, their demographics and the hour (time of day is a predictor); the blend's learned weights are kept a
day. Each call then only leaves out what was just played and re-ranks the kept candidates for the mood and
strategy, so a mood change gets its list in milliseconds."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

import numpy as np
from django.utils import timezone

from accounts.models import User
from emotions.models import TrackMood
from emotions.moods import CIRCUMPLEX, MoodEstimate, Strategy
from emotions.recommender.co_listening import co_listening_current
from emotions.recommender.ensemble import (
    PER_ARTIST, RECENT_SECONDS, TOP, Library, candidates_at, ranked, weights_learn,
)
from emotions.recommender.history import Listening
from emotions.recommender.peers import songs_of_peers, traits_stamp
from emotions.recommender.track_moods import moods_played_in, track_mood_estimate
from listening import selectors as listening
from rewrapped.redis import versioned_get, versioned_set

KEPT = 400  # candidates kept for re-ranking: a mood can reach well past the neutral top 20
CACHE_SECONDS = 3600
WEIGHTS_SECONDS = 24 * 3600
MOOD_WEIGHT = 0.6  # how far the mood's fit outweighs the listener's neutral ranking
PLAYED_IN_MOOD_WEIGHT = 0.4
LIFT_TO = CIRCUMPLEX["happy"]  # where "lift my mood" leads by the end of the list


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
    """The listener's songs for `mood` (None: mood-neutral), best first; none played in the last hours, at most
    two by one artist in every twenty while there are others."""
    now = now or timezone.now()
    kept = recommendations_prepare(user=user, now=now)
    recent = listening.track_ids_played_since(user=user, since=now - timedelta(seconds=RECENT_SECONDS))
    rows = [row for row in kept if row["track_id"] not in recent]
    if not rows:
        return []
    base = np.array([row["score"] for row in rows])
    valence = np.array([row["valence"] for row in rows])
    energy = np.array([row["energy"] for row in rows])
    artists = [row["artist_id"] for row in rows]
    played_in = np.array([row["moods"].get(mood.label, 0.0) if mood and mood.label else 0.0 for row in rows])
    played_in = played_in / played_in.max() if played_in.max() > 0 else played_in

    chosen: list[tuple[int, float, str]] = []
    taken: set[int] = set()
    counts: dict[tuple[int, int], int] = {}
    for position in range(min(limit, len(rows))):
        if mood is None:
            scores = base.copy()
        else:
            target = _target(mood, strategy, position, limit)
            fit = np.exp(-((valence - target[0]) ** 2 + (energy - target[1]) ** 2) / 0.5)
            scores = (1 - MOOD_WEIGHT) * base + MOOD_WEIGHT * fit + PLAYED_IN_MOOD_WEIGHT * played_in
        scores[list(taken)] = -np.inf
        block = position // TOP
        blocked = [i for i, artist in enumerate(artists) if counts.get((block, artist), 0) >= PER_ARTIST]
        open_scores = scores.copy()
        open_scores[blocked] = -np.inf
        best = int(np.argmax(open_scores)) if np.isfinite(open_scores.max()) else int(np.argmax(scores))
        taken.add(best)
        counts[(block, artists[best])] = counts.get((block, artists[best]), 0) + 1
        chosen.append((best, float(scores[best]), _reason(rows[best], mood, strategy, played_in[best])))

    return [
        Recommendation(
            track_id=rows[i]["track_id"], track_public_id=UUID(rows[i]["public_id"]), spotify_id=rows[i]["spotify_id"],
            name=rows[i]["name"], artist=rows[i]["artist"], cover_url=rows[i]["cover_url"], score=round(score, 4),
            reason=reason, valence=rows[i]["valence"], energy=rows[i]["energy"],
        )
        for i, score, reason in chosen
    ]


def _target(mood: MoodEstimate, strategy: str, position: int, limit: int) -> tuple[float, float]:
    """Where the song at `position` should sit: the mood itself, or for "lift" a step further along the way
    from the mood to happy."""
    if strategy != Strategy.LIFT or mood.valence >= LIFT_TO[0]:
        return mood.valence, mood.arousal
    step = (position + 1) / max(limit, 1)
    return (mood.valence + (LIFT_TO[0] - mood.valence) * step, mood.arousal + (LIFT_TO[1] - mood.arousal) * step)


def _reason(row: dict, mood: MoodEstimate | None, strategy: str, played_in: float) -> str:
    if mood is None:
        return row["reason"]
    label = mood.label
    if label and played_in >= 0.5:
        return f"You played this a lot when {_mood_word(label)}"
    if strategy == Strategy.LIFT and mood.valence < LIFT_TO[0] and row["valence"] > mood.valence + 0.3:
        return "To lift your mood"
    close = math.dist((row["valence"], row["energy"]), (mood.valence, mood.arousal)) < 0.5
    if close:
        return f"Fits your {_mood_word(label)} mood" if label else "Fits your mood"
    return row["reason"]


def _mood_word(label: str) -> str:
    return {"surprise": "surprised", "fear": "afraid", "disgust": "disgusted"}.get(label, label)


# --- the per-listener candidates -------------------------------------------------------------------------------
def recommendations_prepare(*, user: User, now: datetime | None = None) -> list[dict]:
    """The listener's kept candidates with their neutral score (0 … 1), reason, mood coordinates and the moods
    they were played in: from the cache, else built and cached (a task may call this ahead of the socket)."""
    now = now or timezone.now()
    model = co_listening_current()
    learned = f"{user.pk}:{model.version}:{listening.library_stamp(user=user)}:{traits_stamp(user)}"
    key = f"emotions:candidates:{learned}:{int(now.timestamp() // 3600)}"
    version, cached = versioned_get(listening.stats_version_key(user.pk), key)
    if cached is not None:
        return json.loads(cached)
    history = Listening.from_rows(
        ((t, a, at, ms, sk) for _, t, a, at, ms, sk in listening.music_play_rows(user=user)), time_zone=user.time_zone)
    library = listener_library(user)
    # The blend's weights, the slow part, change only with the history, the model or the library: kept a day.
    weights_key = f"emotions:weights:{learned}"
    weights_version, weights = versioned_get(listening.stats_version_key(user.pk), weights_key)
    if weights is None:
        learnt = weights_learn(history, now=now.timestamp(), model=model, library=library,
                               facts=listening.track_genres)
        versioned_set(weights_key, weights_version, json.dumps(learnt.tolist()).encode(), seconds=WEIGHTS_SECONDS)
    else:
        learnt = np.array(json.loads(weights))
    kept = _candidates_build(user, history, library, learnt, now.timestamp(), model)
    versioned_set(key, version, json.dumps(kept).encode(), seconds=CACHE_SECONDS)
    return kept


def listener_library(user: User) -> Library:
    return Library(
        favourites=frozenset(f.track_id for f in listening.favourites_of(user=user).only("track_id")),
        ratings={r.track_id: r.stars for r in listening.ratings_of(user=user).only("track_id", "stars")},
        picks=frozenset(p.track_id for p in listening.starter_picks_of(user=user).only("track_id")),
        interests=tuple(user.interests or ()),
        peers=songs_of_peers(user),
    )


def _candidates_build(user: User, history: Listening, library: Library, weights: np.ndarray, now: float,
                      model) -> list[dict]:
    candidates = candidates_at(history, now=now, model=model, library=library, facts=listening.track_genres)
    if not len(candidates.track_ids):
        return []
    scores = candidates.scores(weights)
    rows = ranked(candidates, scores, exclude=set(), limit=KEPT, per_artist=KEPT)
    top = float(scores[rows[0]]) or 1.0
    track_ids = [int(candidates.track_ids[r]) for r in rows]
    tracks = listening.tracks_by_ids(track_ids)
    stored = {m.track_id: m for m in TrackMood.objects.filter(track_id__in=track_ids)}
    played = moods_played_in(user=user, track_ids=set(track_ids))
    kept = []
    for row, track_id in zip(rows, track_ids, strict=True):
        track = tracks[track_id]
        moods = played.get(track_id, {})
        valence, energy = _track_point(stored.get(track_id), candidates.genres.get(track_id, []), moods)
        kept.append({
            "track_id": track_id, "public_id": str(track.public_id), "spotify_id": track.spotify_id,
            "name": track.name, "artist": track.artist.name, "artist_id": track.artist_id,
            "cover_url": track.cover_url, "score": round(max(float(scores[row]), 0.0) / top, 5),
            "reason": candidates.reason(row, weights), "valence": valence, "energy": energy,
            "moods": {mood: n for mood, n in moods.items() if mood not in ("valence", "arousal")},
        })
    return kept


def _track_point(stored: TrackMood | None, genres: list[str], moods: dict[str, float]) -> tuple[float, float]:
    """A song's place for this listener: the provider's measure, else the estimate, moved toward the moods this
    listener played it in."""
    if stored is not None and stored.source == TrackMood.Source.PROVIDER:
        return stored.valence, stored.energy
    plays = sum(n for mood, n in moods.items() if mood not in ("valence", "arousal"))
    played_in = [(moods["valence"], moods["arousal"], plays)] if plays else []
    if stored is not None:
        parts = [(stored.valence, stored.energy, 1.5)]
        if played_in:
            parts.append((moods["valence"] / plays, moods["arousal"] / plays, 3 * plays / (plays + 3)))
        weight = sum(p[2] for p in parts)
        return (round(sum(p[0] * p[2] for p in parts) / weight, 4), round(sum(p[1] * p[2] for p in parts) / weight, 4))
    return track_mood_estimate(genres=genres, artist_points=[], played_in=played_in)


__all__ = ["Recommendation", "recommend", "recommendations_prepare"]
