"""The mood vocabulary every part of emotions speaks: labels, their place on Russell's circumplex, and one
reading of a mood from any source (face, words, the listener's own pick)."""

from dataclasses import dataclass, field

from django.db import models


class Mood(models.TextChoices):
    # The seven the face classifier tells apart (FER-2013's classes), and calm, which words and the picker can
    # say but a face rarely shows.
    HAPPY = "happy", "Happy"
    CALM = "calm", "Calm"
    NEUTRAL = "neutral", "Neutral"
    SURPRISE = "surprise", "Surprised"
    SAD = "sad", "Sad"
    FEAR = "fear", "Afraid"
    ANGRY = "angry", "Angry"
    DISGUST = "disgust", "Disgusted"


FACE_MOODS = ("angry", "disgust", "fear", "happy", "neutral", "sad", "surprise")

# Each mood's place on Russell's circumplex, valence (unpleasant −1 … pleasant +1) and arousal (sleepy −1 …
# activated +1), after Russell (1980) and the affect-grid placements of the basic emotions. A reading with
# probabilities sits at their weighted mean.
CIRCUMPLEX: dict[str, tuple[float, float]] = {
    "happy": (0.8, 0.4),
    "calm": (0.5, -0.5),
    "neutral": (0.0, 0.0),
    "surprise": (0.3, 0.8),
    "sad": (-0.7, -0.4),
    "fear": (-0.6, 0.6),
    "angry": (-0.6, 0.7),
    "disgust": (-0.7, 0.3),
}


@dataclass(frozen=True)
class MoodEstimate:
    """One reading of a mood. `label` is None when the source could not tell ("not sure", no face)."""

    label: str | None
    valence: float
    arousal: float
    confidence: float
    probabilities: dict[str, float] = field(default_factory=dict)


def circumplex_point(probabilities: dict[str, float]) -> tuple[float, float]:
    """Valence and arousal of a probability mix of moods: the weighted mean of their places."""
    total = sum(probabilities.values()) or 1.0
    valence = sum(CIRCUMPLEX[mood][0] * p for mood, p in probabilities.items()) / total
    arousal = sum(CIRCUMPLEX[mood][1] * p for mood, p in probabilities.items()) / total
    return round(valence, 4), round(arousal, 4)


class Strategy(models.TextChoices):
    MATCH = "match", "Match my mood"
    LIFT = "lift", "Lift my mood"


def mood_picked(label: str) -> MoodEstimate:
    """The listener's own pick of a mood: certain, at that mood's place on the circumplex."""
    valence, arousal = CIRCUMPLEX[label]
    return MoodEstimate(label=label, valence=valence, arousal=arousal, confidence=1.0, probabilities={label: 1.0})
