"""Spotify sync: where each user's sync stands, and Spotify's own top lists of them."""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models


class SpotifySync(models.Model):
    """Where a user's Spotify sync stands: the recently-played cursor, and when it may run again."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="spotify_sync"
    )
    played_after_ms = models.BigIntegerField(default=0, help_text="Recently-played cursor (Unix ms).")
    deferred_until = models.DateTimeField(null=True, blank=True, help_text="Spotify asked us to wait until then.")
    last_run_at = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    plays_added = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = "Spotify sync"

    def __str__(self) -> str:
        return f"Sync of {self.user_id}"


class TopSnapshot(models.Model):
    """Spotify's own top artists or tracks of a user for one time range, as they stood on one day."""

    class Kind(models.TextChoices):
        ARTISTS = "artists", "Artists"
        TRACKS = "tracks", "Tracks"

    class Range(models.TextChoices):
        SHORT = "short_term", "4 weeks"
        MEDIUM = "medium_term", "6 months"
        LONG = "long_term", "All time"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="top_snapshots")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    time_range = models.CharField(max_length=12, choices=Range.choices)
    taken_on = models.DateField()
    item_ids = ArrayField(models.BigIntegerField(), help_text="Catalog ids (Artist or Track), best first.")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind", "time_range", "taken_on"], name="top_snapshot_once_a_day")
        ]
