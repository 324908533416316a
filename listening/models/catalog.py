"""The catalog: genres, artists, albums, tracks, and podcast episodes and audiobook chapters."""

from django.contrib.postgres.functions import RandomUUID
from django.db import models


class Genre(models.Model):
    """A genre tag such as "indie pop", from Spotify or another source."""

    name = models.CharField(max_length=100, unique=True)

    def __str__(self) -> str:
        return self.name


class Artist(models.Model):
    """A music artist. Imports know only the name; sync later adds the Spotify id and genres."""

    # Made by the database, so the bulk import's plain INSERTs get one too.
    public_id = models.UUIDField(db_default=RandomUUID(), unique=True, editable=False)
    spotify_id = models.CharField(max_length=32, unique=True, null=True, blank=True)
    name = models.CharField(max_length=300)
    name_key = models.CharField(max_length=300, db_index=True, help_text="Normalized name for matching.")
    image_url = models.URLField(max_length=500, blank=True)
    genres = models.ManyToManyField(Genre, through="ArtistGenre", related_name="artists", blank=True)
    genres_fetched_at = models.DateTimeField(
        null=True, blank=True, help_text="When Spotify's artist object (genres, picture) was last fetched."
    )

    def __str__(self) -> str:
        return self.name

    @property
    def cover_url(self) -> str:
        return self.image_url


class ArtistGenre(models.Model):
    """That an artist belongs to a genre, and which source said so."""

    class Source(models.TextChoices):
        SPOTIFY = "spotify", "Spotify"
        MUSICBRAINZ = "musicbrainz", "MusicBrainz"

    artist = models.ForeignKey(Artist, on_delete=models.CASCADE)
    genre = models.ForeignKey(Genre, on_delete=models.CASCADE)
    source = models.CharField(max_length=16, choices=Source.choices)

    class Meta:
        # Once per artist and genre, whichever source said it first, so no genre counts an artist twice.
        constraints = [models.UniqueConstraint(fields=["artist", "genre"], name="artist_genre_once")]


class Album(models.Model):
    """An album (or single) by its primary artist."""

    # Made by the database, so the bulk import's plain INSERTs get one too.
    public_id = models.UUIDField(db_default=RandomUUID(), unique=True, editable=False)
    spotify_id = models.CharField(max_length=32, unique=True, null=True, blank=True)
    artist = models.ForeignKey(Artist, on_delete=models.CASCADE, related_name="albums")
    name = models.CharField(max_length=300)
    name_key = models.CharField(max_length=300)
    image_url = models.URLField(max_length=500, blank=True)

    class Meta:
        indexes = [models.Index(fields=["artist", "name_key"])]

    def __str__(self) -> str:
        return self.name

    @property
    def cover_url(self) -> str:
        return self.image_url


class Track(models.Model):
    """A song. Rows from account-data exports may have no Spotify id until resolved by search."""

    # Made by the database, so the bulk import's plain INSERTs get one too.
    public_id = models.UUIDField(db_default=RandomUUID(), unique=True, editable=False)
    spotify_id = models.CharField(max_length=32, unique=True, null=True, blank=True)
    artist = models.ForeignKey(Artist, on_delete=models.CASCADE, related_name="tracks")
    album = models.ForeignKey(Album, on_delete=models.SET_NULL, null=True, blank=True, related_name="tracks")
    name = models.CharField(max_length=500)
    name_key = models.CharField(max_length=500)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    isrc = models.CharField(max_length=12, blank=True)
    searched_at = models.DateTimeField(
        null=True, blank=True, help_text="When a track known only by name was last looked up on Spotify."
    )
    details_fetched_at = models.DateTimeField(
        null=True, blank=True, help_text="When Spotify's track object (album, cover) was last stored."
    )

    class Meta:
        indexes = [
            models.Index(fields=["artist", "name_key"]),
            # The catalog fetch's queue: songs with a Spotify id whose details were never stored.
            models.Index(fields=["id"], name="track_details_unfetched",
                         condition=models.Q(spotify_id__isnull=False, details_fetched_at__isnull=True)),
        ]

    def __str__(self) -> str:
        return f"{self.name} — {self.artist}"

    @property
    def cover_url(self) -> str:
        """A song shows its album's cover (select_related("album") where many are shown)."""
        return self.album.image_url if self.album_id else ""


class Episode(models.Model):
    """A podcast episode or an audiobook chapter."""

    class Kind(models.TextChoices):
        PODCAST = "podcast", "Podcast episode"
        AUDIOBOOK = "audiobook", "Audiobook chapter"

    kind = models.CharField(max_length=10, choices=Kind.choices)
    spotify_id = models.CharField(max_length=32, unique=True, null=True, blank=True)
    name = models.CharField(max_length=500)
    show_name = models.CharField(max_length=500, help_text="Podcast show or audiobook title.")
    name_key = models.CharField(max_length=1000, db_index=True, help_text="Normalized show + name.")

    def __str__(self) -> str:
        return f"{self.show_name}: {self.name}"
