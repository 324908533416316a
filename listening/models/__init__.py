"""Listening's tables, one module per concern; every model is imported here, so Django finds them all and
`from listening.models import Play` works wherever a model lives."""

from listening.models.catalog import Album, Artist, ArtistGenre, Episode, Genre, Track
from listening.models.imports import ImportJob
from listening.models.library import Favourite, Playlist, PlaylistItem, StarterPick, TrackRating
from listening.models.plays import Play, PlayRecord
from listening.models.rollups import (
    DailyAlbumPlays, DailyArtistPlays, DailyTrackPlays, HourlyListening, ListeningSession, PeriodAlbumPlays,
    PeriodArtistPlays, PeriodGenrePlays, PeriodItemCounts, PeriodTotalsState, PeriodTrackPlays,
)
from listening.models.sync import SpotifySync, TopSnapshot
from listening.models.taste import ArtistAffinity

__all__ = [
    # catalog
    "Album", "Artist", "ArtistGenre", "Episode", "Genre", "Track",
    # plays and imports
    "ImportJob", "Play", "PlayRecord",
    # roll-ups, period totals and sessions
    "DailyAlbumPlays", "DailyArtistPlays", "DailyTrackPlays", "HourlyListening", "ListeningSession",
    "PeriodAlbumPlays", "PeriodArtistPlays", "PeriodGenrePlays", "PeriodItemCounts", "PeriodTotalsState",
    "PeriodTrackPlays",
    # Spotify sync
    "SpotifySync", "TopSnapshot",
    # library and taste
    "ArtistAffinity", "Favourite", "Playlist", "PlaylistItem", "StarterPick", "TrackRating",
]
