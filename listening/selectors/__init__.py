"""Reads for listening (see STYLE.md: selectors for reads); other apps read listening only through these."""

from listening.selectors.catalog import (
    artist_ids_matching, artists_by_name, catalog_item, catalog_search, track_by_public_id, track_genres,
    track_ids_after, tracks_by_ids, tracks_by_public_ids, tracks_of_artists,
)
from listening.selectors.library import (
    STARTER_PICKS_MAX, favourites_of, library_stamp, playlist_items, playlist_of, playlists_of, ratings_of,
    starter_picks_of, starter_picks_summary, starter_picks_warning, with_library_marks,
)
from listening.selectors.export import data_export_files
from listening.selectors.listeners import (
    artists_most_listened, listener_ids_of, played_any, songs_of_listeners_like,
)
from listening.selectors.periods import stored_parts, stored_period
from listening.selectors.plays import (
    has_history, history_cursor, history_cursor_parse, music_play_rows, recent_plays, skip_counts, top_skipped,
    track_ids_played_since,
)
from listening.selectors.stats import (
    SESSION_GAP, WEEKEND, TopEntry, default_period, genre_evolution, item_stats, listening_clock, sessions,
    stats_version_key, streaks, top, top_all_time, top_of_artists, top_of_preset, totals,
)
from listening.selectors.taste import (
    TasteMatch, listeners_like_you, public_name, taste_match, taste_match_user, taste_top_artists,
)

__all__ = [
    # stats
    "SESSION_GAP", "WEEKEND", "TopEntry", "default_period", "genre_evolution", "item_stats", "listening_clock",
    "sessions", "stats_version_key", "streaks", "top", "top_all_time", "top_of_artists", "top_of_preset", "totals",
    "stored_parts", "stored_period",
    # plays
    "has_history", "history_cursor", "history_cursor_parse", "music_play_rows", "recent_plays", "skip_counts",
    "top_skipped", "track_ids_played_since",
    # catalog
    "artist_ids_matching", "artists_by_name", "catalog_item", "catalog_search", "track_by_public_id",
    "track_genres", "track_ids_after", "tracks_by_ids", "tracks_by_public_ids", "tracks_of_artists",
    # who plays what, for the apps above
    "artists_most_listened", "listener_ids_of", "played_any", "songs_of_listeners_like",
    # library
    "STARTER_PICKS_MAX", "favourites_of", "library_stamp", "playlist_items", "playlist_of", "playlists_of",
    "ratings_of", "starter_picks_of", "starter_picks_summary", "starter_picks_warning", "with_library_marks",
    # the "download my data" export
    "data_export_files",
    # taste
    "TasteMatch", "listeners_like_you", "public_name", "taste_match", "taste_match_user", "taste_top_artists",
]
