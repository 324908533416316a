from django.urls import path, re_path

from listening.api import ask as ask_api
from listening.api import imports as imports_api
from listening.api import library as library_api
from listening.api import stats as stats_api
from listening.api import taste as taste_api
from listening.views import ask, dashboard, imports, library, taste

UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"

app_name = "listening"
urlpatterns = [
    path("", dashboard.dashboard, name="dashboard"),
    re_path(r"^top/(?P<kind>tracks|artists|albums|genres)/$", dashboard.top_more, name="top-more"),
    path("recent/", dashboard.recent_more, name="recent-more"),
    path("ask/", ask.ask_question, name="ask"),
    re_path(rf"^(?P<kind>artists|albums|tracks)/(?P<public_id>{UUID})/$", dashboard.item, name="item"),
    path("import/", imports.imports, name="imports"),
    path("import/<uuid:public_id>/cancel/", imports.import_cancel, name="import-cancel"),
    path("import/<uuid:public_id>/undo/", imports.import_undo, name="import-undo"),
    # Library and taste: the signed-in user's own rows only (listening/views/library.py, taste.py).
    path("library/", library.library_home, name="library"),
    path("library/picks/", library.picks, name="picks"),
    path("library/picks/<uuid:track_id>/remove/", library.pick_remove, name="pick-remove"),
    path("library/tracks/<uuid:track_id>/favourite/", library.favourite, name="favourite"),
    path("library/tracks/<uuid:track_id>/rating/", library.rating, name="rating"),
    path("library/playlists/<uuid:public_id>/", library.playlist, name="playlist"),
    path("library/playlists/<uuid:public_id>/rename/", library.playlist_rename, name="playlist-rename"),
    path("library/playlists/<uuid:public_id>/delete/", library.playlist_delete, name="playlist-delete"),
    path("library/playlists/<uuid:public_id>/export/", library.playlist_export, name="playlist-export"),
    path("library/playlists/<uuid:public_id>/tracks/", library.playlist_track_add, name="playlist-track-add"),
    path("library/playlists/<uuid:public_id>/tracks/<uuid:track_id>/move/", library.playlist_track_move,
         name="playlist-track-move"),
    path("library/playlists/<uuid:public_id>/tracks/<uuid:track_id>/remove/", library.playlist_track_remove,
         name="playlist-track-remove"),
    path("taste/", taste.taste, name="taste"),
    path("taste/sharing/", taste.taste_sharing, name="taste-sharing"),
    path("taste/<uuid:public_id>/", taste.taste_match, name="taste-match"),
]

# Mounted under /api/v1/listening/ in the "api" namespace.
api_urlpatterns = [
    path("imports/", imports_api.ImportListCreateApi.as_view(), name="imports"),
    path("imports/<uuid:public_id>/", imports_api.ImportDetailApi.as_view(), name="import-detail"),
    path("imports/<uuid:public_id>/cancel/", imports_api.ImportCancelApi.as_view(), name="import-cancel"),
    path("imports/<uuid:public_id>/undo/", imports_api.ImportUndoApi.as_view(), name="import-undo"),
    path("totals/", stats_api.TotalsApi.as_view(), name="listening-totals"),
    path("ask/", ask_api.AskApi.as_view(), name="listening-ask"),
    re_path(r"^top/(?P<kind>tracks|artists|albums|genres)/$", stats_api.TopApi.as_view(), name="listening-top"),
    path("history/", stats_api.HistoryApi.as_view(), name="listening-history"),
    path("clock/", stats_api.ClockApi.as_view(), name="listening-clock"),
    path("streaks/", stats_api.StreaksApi.as_view(), name="listening-streaks"),
    path("sessions/", stats_api.SessionsApi.as_view(), name="listening-sessions"),
    path("genres/", stats_api.GenreEvolutionApi.as_view(), name="listening-genres"),
    re_path(rf"^(?P<kind>artists|albums|tracks)/(?P<public_id>{UUID})/$", stats_api.ItemStatsApi.as_view(),
            name="listening-item"),
    path("library/search/", library_api.CatalogSearchApi.as_view(), name="library-search"),
    path("library/playlists/", library_api.PlaylistListCreateApi.as_view(), name="library-playlists"),
    path("library/playlists/<uuid:public_id>/", library_api.PlaylistDetailApi.as_view(), name="library-playlist"),
    path("library/playlists/<uuid:public_id>/tracks/", library_api.PlaylistTracksAddApi.as_view(),
         name="library-playlist-tracks"),
    path("library/playlists/<uuid:public_id>/tracks/<uuid:track_id>/", library_api.PlaylistTrackRemoveApi.as_view(),
         name="library-playlist-track"),
    path("library/playlists/<uuid:public_id>/order/", library_api.PlaylistOrderApi.as_view(),
         name="library-playlist-order"),
    path("library/playlists/<uuid:public_id>/export/", library_api.PlaylistExportApi.as_view(),
         name="library-playlist-export"),
    path("library/favourites/", library_api.FavouriteListApi.as_view(), name="library-favourites"),
    path("library/favourites/<uuid:track_id>/", library_api.FavouriteApi.as_view(), name="library-favourite"),
    path("library/ratings/", library_api.RatingListApi.as_view(), name="library-ratings"),
    path("library/ratings/<uuid:track_id>/", library_api.RatingApi.as_view(), name="library-rating"),
    path("library/picks/", library_api.StarterPicksApi.as_view(), name="library-picks"),
    path("library/picks/<uuid:track_id>/", library_api.StarterPickRemoveApi.as_view(), name="library-pick"),
    path("taste/sharing/", taste_api.TasteSharingApi.as_view(), name="taste-sharing"),
    path("taste/listeners/", taste_api.ListenersLikeYouApi.as_view(), name="listeners-like-you"),
    path("taste/matches/<uuid:public_id>/", taste_api.TasteMatchApi.as_view(), name="taste-match"),
]
