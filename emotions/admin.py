from django.contrib import admin

from emotions.models import MoodReading, RecommendedPlay
from rewrapped.admin import RecordAdmin


@admin.register(MoodReading)
class MoodReadingAdmin(RecordAdmin):
    """Mood readings are written only by the mood page, its socket and the API: here they are read-only."""

    list_display = ["at", "user", "mood", "source", "confidence", "valence", "arousal"]
    list_select_related = ["user"]
    raw_id_fields = ["user"]
    list_filter = ["source", "mood"]
    search_fields = ["user__email"]
    show_full_result_count = False


@admin.register(RecommendedPlay)
class RecommendedPlayAdmin(RecordAdmin):
    """Plays of recommended songs are what the free tier counts: read-only."""

    list_display = ["played_at", "user", "track", "mood", "strategy", "source"]
    list_select_related = ["user", "track__artist"]
    raw_id_fields = ["user", "track"]
    list_filter = ["source", "mood", "strategy"]
    search_fields = ["user__email"]
    show_full_result_count = False
