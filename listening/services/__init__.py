"""Writes for listening (see STYLE.md: services for writes)."""

from listening.services.import_jobs import (
    import_job_cancel, import_job_create, import_job_run, import_job_undo, import_job_undo_run, import_jobs_create,
    import_jobs_requeue,
)
from listening.services.library import (
    PlaylistExport, favourite_add, favourite_remove, playlist_create, playlist_delete, playlist_export,
    playlist_rename, playlist_reorder, playlist_track_move, playlist_track_remove, playlist_tracks_add,
    rating_remove, rating_set, starter_pick_add, starter_pick_remove,
)
from listening.services.periods import artist_genres_add, period_totals_due, period_totals_rebuild
from listening.services.plays import ImportSummary, plays_add
from listening.services.rollups import rollups_audit, rollups_rebuild
from listening.services.spotify_catalog import spotify_artists_store, spotify_tracks_store, track_merge
from listening.services.spotify_details import spotify_catalog_fetch
from listening.services.sync import spotify_sync_dispatch, spotify_sync_run
from listening.services.taste import taste_sharing_set, taste_vector_refresh, taste_vectors_refresh

__all__ = [
    "ImportSummary", "import_job_cancel", "import_job_create", "import_job_run", "import_job_undo",
    "import_job_undo_run", "import_jobs_create", "import_jobs_requeue", "plays_add",
    # roll-ups
    "artist_genres_add", "period_totals_due", "period_totals_rebuild", "rollups_audit", "rollups_rebuild",
    # library
    "PlaylistExport", "favourite_add", "favourite_remove", "playlist_create", "playlist_delete", "playlist_export",
    "playlist_rename", "playlist_reorder", "playlist_track_move", "playlist_track_remove", "playlist_tracks_add",
    "rating_remove", "rating_set", "starter_pick_add", "starter_pick_remove",
    # taste
    "taste_sharing_set", "taste_vector_refresh", "taste_vectors_refresh",
    # Spotify sync
    "spotify_artists_store", "spotify_catalog_fetch", "spotify_sync_dispatch", "spotify_sync_run", "spotify_tracks_store", "track_merge",
]
