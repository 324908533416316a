"""Becoming a promoter (`urlpatterns`) and the promoters API (`api_urlpatterns`, under /api/v1/promoters/)."""

app_name = "promoters"
urlpatterns = []
api_urlpatterns = []
