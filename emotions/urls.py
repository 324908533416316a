from django.urls import path

from emotions import api, views

app_name = "emotions"
urlpatterns = [
    path("", views.mood, name="mood"),
    path("history/", views.history, name="history"),
]

# Mounted under /api/v1/emotions/ in the "api" namespace.
api_urlpatterns = [
    path("recommendations/", api.RecommendationsApi.as_view(), name="emotions-recommendations"),
    path("moods/", api.MoodListCreateApi.as_view(), name="emotions-moods"),
    path("moods/summary/", api.MoodSummaryApi.as_view(), name="emotions-moods-summary"),
    path("plays/", api.RecommendedPlayListCreateApi.as_view(), name="emotions-plays"),
]
