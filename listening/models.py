import uuid

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
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
    genres_fetched_at = models.DateTimeField(null=True, blank=True, help_text="When sync last asked for genres.")

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
    """One time a user listened to a track, podcast episode or audiobook chapter, as its richest source
    recorded it (see PlayRecord for a play more than one source recorded)."""

    class Kind(models.TextChoices):
        MUSIC = "music", "Music"
        PODCAST = "podcast", "Podcast"
        AUDIOBOOK = "audiobook", "Audiobook"

    class Source(models.TextChoices):
        # Richest first. Extended history and sync stamp the end to the second, account data to the minute;
        # extended history alone says how and where it played; sync's ms_played is the track's length.
        EXTENDED = "extended", "Extended streaming history"
        SYNC = "sync", "Spotify sync"
        ACCOUNT = "account", "Account data"

    id = models.BigAutoField(primary_key=True)
    # Indexes cost every import; the user is covered by the (user, ended_at) index, and artist and album
    # (copied for speed: top lists need no join) need none of their own. No database foreign key either:
    # its check ran once per play (2.5 µs each, a fifth of an import); plays_add instead locks the user row
    # once per batch (FOR KEY SHARE, as the check would), and deleting a user still cascades in the ORM.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="plays", db_index=False,
        db_constraint=False,
    )
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.MUSIC)
    # Catalog references carry no index (every read starts from the user) and no database foreign key:
    # checking one locks the catalog row, which cost an import ~15 µs a play, all of it at commit. The
    # catalog is append-only (tracks are merged, never deleted), and PROTECT still guards ORM deletes.
    track = models.ForeignKey(
        Track, on_delete=models.PROTECT, null=True, blank=True, related_name="plays", db_index=False,
        db_constraint=False,
    )
    episode = models.ForeignKey(
        Episode, on_delete=models.PROTECT, null=True, blank=True, related_name="plays", db_index=False,
        db_constraint=False,
    )
    # Copied from the track so top-artist and top-album queries need no join (the heavy users' main cost).
    artist = models.ForeignKey(
        Artist, on_delete=models.DO_NOTHING, null=True, blank=True, related_name="+", db_index=False,
        db_constraint=False,
    )
    album = models.ForeignKey(
        Album, on_delete=models.DO_NOTHING, null=True, blank=True, related_name="+", db_index=False,
        db_constraint=False,
    )
    ended_at = models.DateTimeField()
    ms_played = models.PositiveIntegerField()
    source = models.CharField(max_length=8, choices=Source.choices)
    # The import that added the play (empty: sync), so undoing it removes exactly its plays. No index (undo
    # reads the user's plays) and no foreign-key check on every imported play; a deleted job leaves its
    # plays as they are.
    import_job = models.ForeignKey(
        "ImportJob", on_delete=models.DO_NOTHING, null=True, blank=True, related_name="+", db_index=False,
        db_constraint=False,
    )
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
            # A source records a play of an item ending at a given moment once (exact duplicates are one
            # play). Partial, so a music play is written to one of them only.
            models.UniqueConstraint(
                fields=["user", "track", "ended_at", "source"], condition=models.Q(track__isnull=False),
                name="play_track_once_per_source",
            ),
            models.UniqueConstraint(
                fields=["user", "episode", "ended_at", "source"], condition=models.Q(episode__isnull=False),
                name="play_episode_once_per_source",
            ),
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


class PlayRecord(models.Model):
    """One source's record of a play that more than one source recorded (an export overlapping the sync, say).

    Only such plays have records, one per source, the play's own included: the play shows the richest, with
    the longest measured ms_played. Kept so that either source sending its row again is known, and so that
    undoing an import leaves the play as the other sources recorded it."""

    # Indexed by the unique (play, source) below. Plays are deleted with their records by the code that
    # deletes them, so no database foreign key, and user deletion stays one DELETE per table.
    play = models.ForeignKey(
        Play, on_delete=models.DO_NOTHING, related_name="records", db_index=False, db_constraint=False
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False)
    source = models.CharField(max_length=8, choices=Play.Source.choices)
    ended_at = models.DateTimeField()
    ms_played = models.PositiveIntegerField()
    import_job = models.ForeignKey(
        "ImportJob", on_delete=models.DO_NOTHING, null=True, blank=True, related_name="+", db_index=False,
        db_constraint=False,
    )
    # What the source said was played: the same song may be a different catalog row in each (named by one,
    # by Spotify id in another, or two ids of one song).
    track = models.ForeignKey(
        Track, on_delete=models.DO_NOTHING, null=True, blank=True, related_name="+", db_index=False,
        db_constraint=False,
    )
    episode = models.ForeignKey(
        Episode, on_delete=models.DO_NOTHING, null=True, blank=True, related_name="+", db_index=False,
        db_constraint=False,
    )
    artist = models.ForeignKey(
        Artist, on_delete=models.DO_NOTHING, null=True, blank=True, related_name="+", db_index=False,
        db_constraint=False,
    )
    album = models.ForeignKey(
        Album, on_delete=models.DO_NOTHING, null=True, blank=True, related_name="+", db_index=False,
        db_constraint=False,
    )
    reason_start = models.CharField(max_length=32, blank=True)
    reason_end = models.CharField(max_length=32, blank=True)
    shuffle = models.BooleanField(null=True)
    skipped = models.BooleanField(null=True)
    offline = models.BooleanField(null=True)
    platform = models.CharField(max_length=200, blank=True)
    country = models.CharField(max_length=2, blank=True)

    class Meta:
        indexes = [models.Index(fields=["user", "ended_at"], name="play_record_user_time")]
        constraints = [models.UniqueConstraint(fields=["play", "source"], name="play_record_once_per_source")]


class ImportJob(models.Model):
    """One upload of a Spotify data export and what became of it."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Importing"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"
        UNDOING = "undoing", "Undoing"
        UNDONE = "undone", "Undone"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="import_jobs")
    upload = models.FileField(upload_to="imports/%Y/%m/")
    filename = models.CharField(max_length=255)
    size_bytes = models.BigIntegerField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    summary = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # When the broker took its task; empty while it has not (it was down), until beat queues it again.
    queued_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    cancel_requested = models.BooleanField(default=False)
    attempts = models.PositiveSmallIntegerField(default=0, help_text="How many times a worker started it.")

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.filename} ({self.get_status_display()})"

    @property
    def is_active(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)


# Roll-ups: one row per user, day (in the user's time zone) and item, folded in by the same statement
# that inserts the plays, so they are never behind. Derived from plays, so like them without catalog keys.
# Dashboards read these, never the raw plays, for
# anything that spans more than a day.


class DailyRollup(models.Model):
    # Written only with the plays (same statement, same user lock), so no per-row foreign-key check either.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )
    day = models.DateField()
    plays = models.PositiveIntegerField()
    ms_played = models.BigIntegerField()

    class Meta:
        abstract = True


class DailyTrackPlays(DailyRollup):
    """How many times and how long a user played one track on one day."""

    pk = models.CompositePrimaryKey("user_id", "day", "track_id")
    track = models.ForeignKey(
        Track, on_delete=models.DO_NOTHING, related_name="+", db_index=False, db_constraint=False
    )

    class Meta:
        indexes = [
            models.Index(fields=["user", "day"], include=["track", "plays", "ms_played"], name="daily_track_cover")
        ]


class DailyArtistPlays(DailyRollup):
    """How many times and how long a user played one artist on one day."""

    pk = models.CompositePrimaryKey("user_id", "day", "artist_id")
    artist = models.ForeignKey(
        Artist, on_delete=models.DO_NOTHING, related_name="+", db_index=False, db_constraint=False
    )

    class Meta:
        indexes = [
            models.Index(fields=["user", "day"], include=["artist", "plays", "ms_played"], name="daily_artist_cover")
        ]


class DailyAlbumPlays(DailyRollup):
    """How many times and how long a user played one album on one day."""

    pk = models.CompositePrimaryKey("user_id", "day", "album_id")
    album = models.ForeignKey(
        Album, on_delete=models.DO_NOTHING, related_name="+", db_index=False, db_constraint=False
    )

    class Meta:
        indexes = [
            models.Index(fields=["user", "day"], include=["album", "plays", "ms_played"], name="daily_album_cover")
        ]


class HourlyListening(DailyRollup):
    """A user's plays of one kind (music, podcast, audiobook) in one hour of one day: totals, clock, streaks."""

    pk = models.CompositePrimaryKey("user_id", "day", "hour", "kind")
    hour = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=10, choices=Play.Kind.choices)
    skips = models.PositiveIntegerField(default=0)


# Period totals: one row per user, item and period, so a period's tops, counts and an item's page are a few
# index reads however long the history. Periods are "all", a calendar year ("2024"), a calendar month
# ("2024-03") and the rolling "4w", "6m" and "1y" (which start from PeriodTotalsState.built_on). Rebuilt from
# the daily roll-ups after a bulk import and each night (rolling windows move, genres change); small additions
# (sync) are folded in by the statement that adds the plays. Read only while PeriodTotalsState says current.


class PeriodPlays(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )
    period = models.CharField(max_length=7)
    plays = models.PositiveIntegerField()
    ms_played = models.BigIntegerField()
    first_day = models.DateField()
    last_day = models.DateField()

    class Meta:
        abstract = True


def _period_indexes(item: str) -> list[models.Index]:
    return [
        models.Index(fields=["user", "period", "-plays", "-ms_played", item], name=f"period_{item}_by_plays"),
        models.Index(fields=["user", "period", "-ms_played", "-plays", item], name=f"period_{item}_by_minutes"),
    ]


class PeriodTrackPlays(PeriodPlays):
    """How many times and how long a user played one track in one period."""

    pk = models.CompositePrimaryKey("user_id", "track_id", "period")
    track = models.ForeignKey(Track, on_delete=models.DO_NOTHING, related_name="+", db_index=False,
                              db_constraint=False)

    class Meta:
        indexes = _period_indexes("track")


class PeriodArtistPlays(PeriodPlays):
    """How many times and how long a user played one artist in one period."""

    pk = models.CompositePrimaryKey("user_id", "artist_id", "period")
    artist = models.ForeignKey(Artist, on_delete=models.DO_NOTHING, related_name="+", db_index=False,
                               db_constraint=False)

    class Meta:
        # By artist: a genre learned for an artist is added to the genre totals of everyone who played them.
        indexes = [*_period_indexes("artist"), models.Index(fields=["artist"], name="period_artist_listeners")]


class PeriodAlbumPlays(PeriodPlays):
    """How many times and how long a user played one album in one period."""

    pk = models.CompositePrimaryKey("user_id", "album_id", "period")
    album = models.ForeignKey(Album, on_delete=models.DO_NOTHING, related_name="+", db_index=False,
                              db_constraint=False)

    class Meta:
        indexes = _period_indexes("album")


class PeriodGenrePlays(PeriodPlays):
    """How many plays of a genre's artists a user made in one period (an artist counts in each of its genres)."""

    pk = models.CompositePrimaryKey("user_id", "genre_id", "period")
    genre = models.ForeignKey(Genre, on_delete=models.DO_NOTHING, related_name="+", db_index=False,
                              db_constraint=False)

    class Meta:
        indexes = _period_indexes("genre")


class PeriodItemCounts(models.Model):
    """How many distinct tracks and artists a user played in one period."""

    pk = models.CompositePrimaryKey("user_id", "period")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )
    period = models.CharField(max_length=7)
    tracks = models.PositiveIntegerField()
    artists = models.PositiveIntegerField()


class PeriodTotalsState(models.Model):
    """Whether a user's period totals and sessions are current, and the local day their rolling windows end."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="period_totals"
    )
    built_on = models.DateField(null=True, help_text="Empty while a rebuild is due (after a bulk import).")


class ListeningSession(models.Model):
    """A stretch of listening with under 30 minutes between plays."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField()
    plays = models.PositiveIntegerField()

    class Meta:
        indexes = [models.Index(fields=["user", "started_at"], include=["ended_at", "plays"], name="session_by_time")]


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


class ArtistAffinity(models.Model):
    """How much of a user's listening goes to one artist, as a unit-length vector weight (taste match)."""

    pk = models.CompositePrimaryKey("user_id", "artist_id")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False)
    artist = models.ForeignKey(Artist, on_delete=models.CASCADE, related_name="+", db_index=False)
    weight = models.FloatField()

    class Meta:
        indexes = [models.Index(fields=["artist"], include=["user", "weight"], name="affinity_by_artist")]
