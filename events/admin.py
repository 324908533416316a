from django.contrib import admin, messages
from django.db import models
from django.utils.translation import ngettext

from events import services
from events.forms import EventForm
from events.models import (
    Event, EventInteraction, EventListing, EventMetricsCursor, EventMetricsDaily, EventNotice, SavedEvent,
)
from events.venue_time import venue_time_label
from rewrapped.admin import RecordAdmin, rejection_reason_page


class ListingInline(admin.TabularInline):
    model = EventListing
    extra = 0
    readonly_fields = ["source", "external_id", "url", "status", "fetched_at", "removed_at"]
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class ModerationQueueFilter(admin.SimpleListFilter):
    """The moderation queue: promoter events waiting for staff, oldest submission first."""

    title = "moderation"
    parameter_name = "moderation"

    def lookups(self, request, model_admin):
        return Event.Moderation.choices

    def queryset(self, request, queryset):
        if self.value() == Event.Moderation.PENDING:
            return queryset.filter(moderation=Event.Moderation.PENDING).order_by("submitted_at")
        if self.value():
            return queryset.filter(moderation=self.value())
        return queryset


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    form = EventForm
    # Prices are the form's, in the currency's units.
    exclude = ["price_min_cents", "price_max_cents"]
    list_display = ["title", "starts", "city", "country", "source", "status", "moderation", "promoter",
                    "sponsored", "submitted_at"]
    list_filter = [ModerationQueueFilter, "source", "status", "sponsored", "country"]
    list_select_related = ["promoter"]
    search_fields = ["title", "venue", "city", "external_id", "public_id", "promoter__email"]
    raw_id_fields = ["promoter", "performers", "target_artists"]
    readonly_fields = ["public_id", "dedupe_key", "submitted_at", "reviewed_at", "created_at", "updated_at"]
    date_hierarchy = "starts_at"
    inlines = [ListingInline]
    actions = ["approve", "reject"]
    show_full_result_count = False
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    @admin.display(description="Starts (venue time)", ordering="starts_at")
    def starts(self, event):
        return venue_time_label(event)

    def get_deleted_objects(self, objs, request):
        """Only the events: listing each of an event's interactions, which go with it, would stall the page."""
        events = [str(event) for event in objs]
        return events, {self.opts.verbose_name_plural: len(events)}, set(), []

    @admin.action(description="Approve the selected pending events", permissions=["change"])
    def approve(self, request, queryset):
        count = services.events_moderate(events=queryset, approve=True)
        self.message_user(request, ngettext("Approved %d event; its promoter is told.", "Approved %d events; their promoters are told.", count) % count, messages.SUCCESS)

    @admin.action(description="Reject the selected pending events with a reason…", permissions=["change"])
    def reject(self, request, queryset):
        reason, page = rejection_reason_page(self, request, queryset, action="reject", audience="their promoters")
        if page is not None:
            return page
        count = services.events_moderate(events=queryset, approve=False, reason=reason)
        self.message_user(request, ngettext("Rejected %d event; its promoter sees the reason.", "Rejected %d events; their promoters see the reason.", count) % count, messages.SUCCESS)


@admin.register(SavedEvent)
class SavedEventAdmin(RecordAdmin):
    list_display = ["created_at", "user", "event"]
    list_select_related = ["user", "event"]
    search_fields = ["user__email", "event__title"]


@admin.register(EventNotice)
class EventNoticeAdmin(RecordAdmin):
    list_display = ["created_at", "user", "event", "kind", "detail"]
    list_select_related = ["user", "event"]
    list_filter = ["kind"]


@admin.register(EventInteraction)
class EventInteractionAdmin(RecordAdmin):
    list_display = ["at", "event", "user", "kind", "targeted"]
    list_select_related = ["event", "user"]
    list_filter = ["kind", "targeted"]
    show_full_result_count = False


@admin.register(EventMetricsDaily)
class EventMetricsDailyAdmin(RecordAdmin):
    """The Event Metrics Log is written only by the aggregation task."""

    list_display = ["day", "event", "targeted", "impressions", "views", "saves", "ticket_clicks", "listeners"]
    list_select_related = ["event"]
    date_hierarchy = "day"


@admin.register(EventMetricsCursor)
class EventMetricsCursorAdmin(RecordAdmin):
    list_display = ["last_interaction_id", "updated_at"]
