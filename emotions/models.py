"""What emotions keeps: the listener's mood over time, and the recommended songs they played."""

import uuid

from django.conf import settings
from django.db import models

from emotions.moods import Mood


class MoodReading(models.Model):
    """The listener's mood at a moment, from their face, their words or their own pick. Never the frame or
    the text itself: only what was read from it."""

    class Source(models.TextChoices):
        FACE = "face", "Camera"
        TEXT = "text", "Words"
        MANUAL = "manual", "Picked"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mood_readings")
    at = models.DateTimeField()
    source = models.CharField(max_length=8, choices=Source.choices)
    mood = models.CharField(max_length=10, choices=Mood.choices)
    confidence = models.FloatField()
    valence = models.FloatField()
    arousal = models.FloatField()

    class Meta:
        ordering = ["-at"]
        indexes = [models.Index(fields=["user", "at"], name="mood_reading_user_time")]
        constraints = [
            models.CheckConstraint(condition=models.Q(confidence__gte=0, confidence__lte=1),
                                   name="mood_confidence_0_1"),
            models.CheckConstraint(condition=models.Q(valence__gte=-1, valence__lte=1), name="mood_valence_range"),
            models.CheckConstraint(condition=models.Q(arousal__gte=-1, arousal__lte=1), name="mood_arousal_range"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.mood} at {self.at:%Y-%m-%d %H:%M:%S}"


class RecommendedPlay(models.Model):
    """One time a listener played a song we recommended: what the free tier counts, one row per play."""

    class Source(models.TextChoices):
        RECOMMENDATION = "recommendation", "Mood recommendation"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="recommended_plays")
    track = models.ForeignKey("listening.Track", on_delete=models.PROTECT, related_name="+")
    played_at = models.DateTimeField()
    source = models.CharField(max_length=16, choices=Source.choices, default=Source.RECOMMENDATION)
    # The mood and strategy the song was recommended for, and the reason shown with it.
    mood = models.CharField(max_length=10, choices=Mood.choices, blank=True)
    strategy = models.CharField(max_length=8, blank=True)
    reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-played_at"]
        indexes = [models.Index(fields=["user", "played_at"], name="recommended_play_user_time")]

    def __str__(self) -> str:
        return f"{self.user_id} played recommended {self.track_id} at {self.played_at:%Y-%m-%d %H:%M}"


class TrackMood(models.Model):
    """Where a song sits on the circumplex: its valence (sad −1 … happy +1) and energy (calm −1 … intense +1),
    from an audio-features provider or estimated from its genres, its artist and the moods it was played in."""

    class Source(models.TextChoices):
        PROVIDER = "provider", "Audio features"
        ESTIMATE = "estimate", "Estimated"

    track = models.OneToOneField("listening.Track", on_delete=models.CASCADE, primary_key=True, related_name="+")
    valence = models.FloatField()
    energy = models.FloatField()
    source = models.CharField(max_length=8, choices=Source.choices)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(valence__gte=-1, valence__lte=1), name="track_valence_range"),
            models.CheckConstraint(condition=models.Q(energy__gte=-1, energy__lte=1), name="track_energy_range"),
        ]

    def __str__(self) -> str:
        return f"{self.track_id} valence {self.valence:+.2f} energy {self.energy:+.2f} ({self.source})"
