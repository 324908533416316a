"""Taste match: the taste vectors listeners who share their taste publish."""

from django.conf import settings
from django.db import models

from listening.models.catalog import Artist


class ArtistAffinity(models.Model):
    """How much of a user's listening goes to one artist, as a unit-length vector weight (taste match)."""

    pk = models.CompositePrimaryKey("user_id", "artist_id")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False)
    artist = models.ForeignKey(Artist, on_delete=models.CASCADE, related_name="+", db_index=False)
    weight = models.FloatField()

    class Meta:
        indexes = [models.Index(fields=["artist"], include=["user", "weight"], name="affinity_by_artist")]
