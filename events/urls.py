"""Events pages for listeners (`urlpatterns`) and the events API (`api_urlpatterns`, under /api/v1/events/)."""

from django.urls import path

from events import api, views

app_name = "events"
urlpatterns = [
    path("", views.search, name="search"),
    path("more/", views.search_more, name="search-more"),
    path("saved/", views.saved, name="saved"),
    path("<uuid:public_id>/", views.detail, name="detail"),
    path("<uuid:public_id>/tickets/", views.tickets, name="tickets"),
    path("<uuid:public_id>/image/", views.image, name="image"),
    path("<uuid:public_id>/save/", views.save, name="save"),
    path("<uuid:public_id>/save/pending/", views.save_pending, name="save-pending"),
    path("<uuid:public_id>/unsave/", views.unsave, name="unsave"),
]

# Mounted under /api/v1/events/ in the "api" namespace.
api_urlpatterns = [
    path("", api.EventSearchApi.as_view(), name="events-search"),
    path("saved/", api.SavedEventsApi.as_view(), name="events-saved"),
    path("recommended/", api.RecommendedEventsApi.as_view(), name="events-recommended"),
    path("<uuid:public_id>/", api.EventDetailApi.as_view(), name="events-detail"),
    path("<uuid:public_id>/save/", api.EventSaveApi.as_view(), name="events-save"),
]
