"""What the stats read instead of the plays: the daily roll-ups, the period totals and the listening sessions,
all derived from the plays."""

from django.conf import settings
from django.db import models

from listening.models.catalog import Album, Artist, Genre, Track
from listening.models.plays import Play


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
