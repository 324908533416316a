from django.contrib import admin

from rewrapped.models import ApiCallLog


class RecordAdmin(admin.ModelAdmin):
    """For rows that record what happened: staff read them; nobody adds, edits or deletes them by hand."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ApiCallLog)
class ApiCallLogAdmin(RecordAdmin):
    list_display = ["created_at", "service", "method", "endpoint", "status", "latency_ms", "cache_hit", "error"]
    list_filter = ["service", "status", "cache_hit"]
    search_fields = ["endpoint", "error"]
    date_hierarchy = "created_at"
    # The table grows with every call: no exact count of it on each page.
    show_full_result_count = False
