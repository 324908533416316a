"""Plays: each time a user listened, and each source's record of a play more than one source recorded."""

from django.conf import settings
from django.db import models

from listening.models.catalog import Album, Artist, Episode, Track


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
