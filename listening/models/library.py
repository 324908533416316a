"""A user's own library: favourites, ratings, starter picks and playlists."""

import uuid

from django.conf import settings
from django.db import models

from listening.models.catalog import Track


class Favourite(models.Model):
    """A track a user marked as a favourite."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="favourites")
    track = models.ForeignKey(Track, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["user", "track"], name="favourite_once")]


class TrackRating(models.Model):
    """A user's 1–5 star rating of a track."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="ratings")
    track = models.ForeignKey(Track, on_delete=models.CASCADE, related_name="+")
    stars = models.PositiveSmallIntegerField()
    rated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "track"], name="rating_once"),
            models.CheckConstraint(condition=models.Q(stars__gte=1, stars__lte=5), name="rating_one_to_five"),
        ]


class StarterPick(models.Model):
    """A song a new user picked as one they love, so recommendations work before any history exists."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="starter_picks")
    track = models.ForeignKey(Track, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]
        constraints = [models.UniqueConstraint(fields=["user", "track"], name="starter_pick_once")]


class Playlist(models.Model):
    """A user's own playlist, which can be exported to their Spotify account."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="playlists")
    name = models.CharField(max_length=100)
    description = models.CharField(max_length=300, blank=True)
    spotify_id = models.CharField(max_length=32, blank=True, help_text="Set once exported to Spotify.")
    exported_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at"]

    def __str__(self) -> str:
        return self.name


class PlaylistItem(models.Model):
    """A track at one position of a playlist."""

    playlist = models.ForeignKey(Playlist, on_delete=models.CASCADE, related_name="items")
    track = models.ForeignKey(Track, on_delete=models.CASCADE, related_name="+")
    position = models.PositiveIntegerField()

    class Meta:
        ordering = ["position"]
        constraints = [
            # Deferred, so a reorder can move every position inside one transaction.
            models.UniqueConstraint(
                fields=["playlist", "position"], name="playlist_position_once", deferrable=models.Deferrable.DEFERRED
            ),
            models.UniqueConstraint(fields=["playlist", "track"], name="playlist_track_once"),
        ]
