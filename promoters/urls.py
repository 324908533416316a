"""Becoming a promoter (`urlpatterns`) and the promoters API (`api_urlpatterns`, under /api/v1/promoters/)."""

from django.urls import path
from django.views.generic import RedirectView

from promoters import api, views

app_name = "promoters"
urlpatterns = [
    path("apply/", views.apply, name="apply"),
    path("console/", RedirectView.as_view(pattern_name="promoter_console:index"), name="console"),
]
# Mounted under /api/v1/promoters/ in the "api" namespace.
api_urlpatterns = [
    path("events/", api.PromoterEventsApi.as_view(), name="promoter-events"),
    path("events/<uuid:public_id>/metrics/", api.PromoterEventMetricsApi.as_view(), name="promoter-event-metrics"),
]
