"""Events pages for listeners (`urlpatterns`) and the events API (`api_urlpatterns`, under /api/v1/events/)."""

app_name = "events"
urlpatterns = []
api_urlpatterns = []
