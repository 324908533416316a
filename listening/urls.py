from django.urls import path, re_path

from listening.api import ask as ask_api
from listening.api import imports as imports_api
from listening.api import stats as stats_api
from listening.views import ask, dashboard, imports

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
]

# Mounted under /api/v1/listening/ in the "api" namespace.
api_urlpatterns = [
    path("imports/", imports_api.ImportListCreateApi.as_view(), name="imports"),
    path("imports/<uuid:public_id>/", imports_api.ImportDetailApi.as_view(), name="import-detail"),
    path("imports/<uuid:public_id>/cancel/", imports_api.ImportCancelApi.as_view(), name="import-cancel"),
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
]
