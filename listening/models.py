import uuid

from django.conf import settings
from django.db import models


# One dedupe rule for every path (import, sync, re-import): the same user, the same track (or
# episode) and end times in the same minute are one play. Account-data exports only give the end
# time to the minute, so the minute is the finest window every source agrees on; the unique
# constraints below enforce it, and the insert path also treats the neighbouring minute as the same
# play so that a play ending at 10:15:59 in one source and 10:16:01 in another is not counted twice.
DEDUPE_WINDOW_SECONDS = 60


class Genre(models.Model):
    """A genre tag such as "indie pop", from Spotify or another source."""

    name = models.CharField(max_length=100, unique=True)

    def __str__(self) -> str:
        return self.name


class Artist(models.Model):
    """A music artist. Imports know only the name; sync later adds the Spotify id and genres."""

    spotify_id = models.CharField(max_length=32, unique=True, null=True, blank=True)
    name = models.CharField(max_length=300)
    name_key = models.CharField(max_length=300, db_index=True, help_text="Normalized name for matching.")
    image_url = models.URLField(max_length=500, blank=True)
    genres = models.ManyToManyField(Genre, through="ArtistGenre", related_name="artists", blank=True)

    def __str__(self) -> str:
        return self.name


class ArtistGenre(models.Model):
    """That an artist belongs to a genre, and which source said so."""

    class Source(models.TextChoices):
        SPOTIFY = "spotify", "Spotify"
        MUSICBRAINZ = "musicbrainz", "MusicBrainz"

    artist = models.ForeignKey(Artist, on_delete=models.CASCADE)
    genre = models.ForeignKey(Genre, on_delete=models.CASCADE)
    source = models.CharField(max_length=16, choices=Source.choices)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["artist", "genre", "source"], name="artistgenre_unique")]


class Album(models.Model):
    """An album (or single) by its primary artist."""

    spotify_id = models.CharField(max_length=32, unique=True, null=True, blank=True)
    artist = models.ForeignKey(Artist, on_delete=models.CASCADE, related_name="albums")
    name = models.CharField(max_length=300)
    name_key = models.CharField(max_length=300)
    image_url = models.URLField(max_length=500, blank=True)

    class Meta:
        indexes = [models.Index(fields=["artist", "name_key"])]

    def __str__(self) -> str:
        return self.name


class Track(models.Model):
    """A song. Rows from account-data exports may have no Spotify id until resolved by search."""

    spotify_id = models.CharField(max_length=32, unique=True, null=True, blank=True)
    artist = models.ForeignKey(Artist, on_delete=models.CASCADE, related_name="tracks")
    album = models.ForeignKey(Album, on_delete=models.SET_NULL, null=True, blank=True, related_name="tracks")
    name = models.CharField(max_length=500)
    name_key = models.CharField(max_length=500)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    isrc = models.CharField(max_length=12, blank=True)

    class Meta:
        indexes = [models.Index(fields=["artist", "name_key"])]

    def __str__(self) -> str:
        return f"{self.name} — {self.artist}"


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


class Play(models.Model):
    """One time a user listened to a track, podcast episode or audiobook chapter."""

    class Kind(models.TextChoices):
        MUSIC = "music", "Music"
        PODCAST = "podcast", "Podcast"
        AUDIOBOOK = "audiobook", "Audiobook"

    class Source(models.TextChoices):
        IMPORT = "import", "Data export"
        SYNC = "sync", "Spotify sync"

    id = models.BigAutoField(primary_key=True)
    # Indexes cost every import; the user is covered by the (user, ended_at) index, and artist and album
    # (copied for speed) need none of their own.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="plays", db_index=False
    )
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.MUSIC)
    track = models.ForeignKey(Track, on_delete=models.PROTECT, null=True, blank=True, related_name="plays")
    episode = models.ForeignKey(Episode, on_delete=models.PROTECT, null=True, blank=True, related_name="plays")
    # Copied from the track so top-artist and top-album queries need no join (the heavy users' main cost).
    artist = models.ForeignKey(
        Artist, on_delete=models.DO_NOTHING, null=True, blank=True, related_name="+", db_index=False
    )
    album = models.ForeignKey(
        Album, on_delete=models.DO_NOTHING, null=True, blank=True, related_name="+", db_index=False
    )
    ended_at = models.DateTimeField()
    ended_minute = models.IntegerField(help_text="Minutes since the epoch of ended_at: the dedupe key.")
    ms_played = models.PositiveIntegerField()
    source = models.CharField(max_length=8, choices=Source.choices)
    reason_start = models.CharField(max_length=32, blank=True)
    reason_end = models.CharField(max_length=32, blank=True)
    shuffle = models.BooleanField(null=True)
    skipped = models.BooleanField(null=True)
    offline = models.BooleanField(null=True)
    platform = models.CharField(max_length=200, blank=True)
    country = models.CharField(max_length=2, blank=True)

    class Meta:
        indexes = [models.Index(fields=["user", "ended_at"], name="play_user_time")]
        constraints = [
            # Not partial: NULLs never clash, and a plain index is one the planner can always use.
            models.UniqueConstraint(fields=["user", "track", "ended_minute"], name="play_track_once_per_minute"),
            models.UniqueConstraint(fields=["user", "episode", "ended_minute"], name="play_episode_once_per_minute"),
            models.CheckConstraint(
                condition=(
                    models.Q(kind="music", track__isnull=False, episode__isnull=True)
                    | models.Q(~models.Q(kind="music"), track__isnull=True, episode__isnull=False)
                ),
                name="play_is_a_track_or_an_episode",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} played {self.track_id or self.episode_id} at {self.ended_at:%Y-%m-%d %H:%M}"


class ImportJob(models.Model):
    """One upload of a Spotify data export and what became of it."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Importing"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="import_jobs")
    upload = models.FileField(upload_to="imports/%Y/%m/")
    filename = models.CharField(max_length=255)
    size_bytes = models.BigIntegerField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    summary = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    cancel_requested = models.BooleanField(default=False)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.filename} ({self.get_status_display()})"

    @property
    def is_active(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)
