from django.contrib import admin, messages
from django.db import models
from django.utils.translation import ngettext

from listening.models import Artist, Play, SpotifySync, Track
from rewrapped.admin import RecordAdmin
from rewrapped.broker import task_queue_on_commit


@admin.register(SpotifySync)
class SpotifySyncAdmin(admin.ModelAdmin):
    list_display = ["user", "last_run_at", "last_success_at", "deferred_until", "plays_added", "last_error"]
    list_select_related = ["user"]
    raw_id_fields = ["user"]
    search_fields = ["user__email", "user__display_name"]
    list_filter = [("deferred_until", admin.EmptyFieldListFilter), ("last_error", admin.EmptyFieldListFilter)]
    readonly_fields = ["user", "played_after_ms", "last_run_at", "last_success_at", "plays_added", "last_error"]
    actions = ["sync_now"]

    def has_add_permission(self, request):
        return False

    @admin.action(description="Sync now (lifts a deferral)")
    def sync_now(self, request, queryset):
        from listening.tasks import spotify_sync_run

        user_ids = list(queryset.values_list("user_id", flat=True))
        queryset.update(deferred_until=None)
        for user_id in user_ids:
            task_queue_on_commit(spotify_sync_run, user_id=user_id)
        self.message_user(request, ngettext("Queued %d sync.", "Queued %d syncs.", len(user_ids)) % len(user_ids), messages.SUCCESS)


@admin.register(Artist)
class ArtistAdmin(admin.ModelAdmin):
    list_display = ["name", "spotify_id", "genres_fetched_at"]
    search_fields = ["name", "spotify_id"]
    readonly_fields = ["public_id", "spotify_id", "genres_fetched_at"]
    exclude = ["genres"]
    show_full_result_count = False
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


@admin.register(Track)
class TrackAdmin(admin.ModelAdmin):
    list_display = ["name", "artist", "album", "spotify_id", "duration_ms", "searched_at"]
    list_select_related = ["artist", "album"]
    raw_id_fields = ["artist", "album"]
    search_fields = ["name", "spotify_id", "isrc"]
    readonly_fields = ["public_id", "spotify_id", "searched_at"]
    show_full_result_count = False


@admin.register(Play)
class PlayAdmin(RecordAdmin):
    """Plays are written only by plays_add (which keeps the roll-ups): here they are read-only."""

    list_display = ["ended_at", "user", "kind", "track", "episode", "ms_played", "source"]
    list_select_related = ["user", "track__artist", "episode"]
    raw_id_fields = ["user", "track", "episode", "artist", "album"]
    list_filter = ["source", "kind"]
    search_fields = ["user__email"]
    show_full_result_count = False
