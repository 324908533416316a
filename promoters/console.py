"""The promoter console at /promoter/: Django's admin, limited to promoters and to each promoter's own events.

Every view reaches events through `PromoterEventAdmin.get_queryset` or `get_object`, both scoped to the
signed-in promoter, and another promoter's event id answers 404 rather than the admin's usual redirect.
"""

import csv
from functools import update_wrapper

from django.contrib import admin, messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import Http404, HttpResponseRedirect, StreamingHttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.html import format_html
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect

from events import selectors as event_selectors
from events import services as event_services
from events.models import Event
from events.venue_time import venue_time_label
from listening.models import Artist
from promoters.forms import ConsoleEventForm
from rewrapped.admin import RecordAdmin
from rewrapped.api import ApplicationError

SUBMIT_BUTTON = "_submit_for_review"


class PromoterConsole(admin.AdminSite):
    """Only users with the promoter role enter; everyone else signed in gets 403, and visitors sign in first."""

    site_header = "Re-Wrapped promoter console"
    site_title = "Re-Wrapped promoter console"
    index_title = "Your events"
    index_template = "promoters/console/index.html"
    enable_nav_sidebar = False

    def has_permission(self, request):
        return request.user.is_active and request.user.is_authenticated and request.user.is_promoter

    def _refuse(self, request):
        if request.user.is_authenticated:
            raise PermissionDenied("The promoter console is for promoters.")
        # One sign-in page for the whole site, not the admin's own.
        return redirect_to_login(request.get_full_path(), reverse("account_login"))

    def admin_view(self, view, cacheable=False):
        def inner(request, *args, **kwargs):
            if not self.has_permission(request):
                return self._refuse(request)
            return view(request, *args, **kwargs)

        if not cacheable:
            inner = never_cache(inner)
        if not getattr(view, "csrf_exempt", False):
            inner = csrf_protect(inner)
        return update_wrapper(inner, view)

    @method_decorator(never_cache)
    def login(self, request, extra_context=None):
        if self.has_permission(request):
            return HttpResponseRedirect(reverse("admin:index", current_app=self.name))
        if request.user.is_authenticated:
            raise PermissionDenied("The promoter console is for promoters.")
        return redirect_to_login(request.GET.get("next") or reverse("admin:index", current_app=self.name),
                                 reverse("account_login"))


console = PromoterConsole(name="promoter_console")


class PromoterOwnsMixin:
    """Permissions by role and ownership, not Django's model permissions, which promoters are never given."""

    def _allowed(self, request, obj=None) -> bool:
        return request.user.is_promoter and (obj is None or obj.promoter_id == request.user.pk)

    def has_module_permission(self, request):
        return self._allowed(request)

    def has_view_permission(self, request, obj=None):
        return self._allowed(request, obj)

    def has_add_permission(self, request):
        return self._allowed(request)

    def has_change_permission(self, request, obj=None):
        return self._allowed(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._allowed(request, obj)


@admin.register(Event, site=console)
class PromoterEventAdmin(PromoterOwnsMixin, admin.ModelAdmin):
    form = ConsoleEventForm
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = ["title", "starts", "city", "moderation", "rejection_reason", "sponsored", "analytics_link"]
    list_filter = ["moderation", "sponsored", "status"]
    search_fields = ["title", "venue", "city"]
    ordering = ["starts_at"]
    readonly_fields = ["moderation", "rejection_reason", "submitted_at", "reviewed_at"]
    autocomplete_fields = ["target_artists"]
    actions = ["submit_for_review"]
    change_form_template = "promoters/console/change_form.html"
    change_list_template = "promoters/console/change_list.html"

    fieldsets = (
        ("Review", {"fields": ("moderation", "rejection_reason", "submitted_at", "reviewed_at")}),
        (None, {"fields": ("title", "performer_names", "genres", "status")}),
        ("Where and when", {"fields": ("venue", "address", "city", "country", "starts_at", "venue_time_zone")}),
        ("Tickets", {"fields": ("ticket_url", "price_min", "price_max", "currency", "image")}),
        ("Sponsoring and targeting", {
            "fields": ("sponsored", "target_genres", "target_countries", "target_age_min", "target_age_max",
                       "target_artists"),
            "description": "Sponsored events are mixed into the recommendations of listeners who match "
                           "every criterion you fill in.",
        }),
    )

    class Media:
        js = ["promoters/console.js"]

    def get_fieldsets(self, request, obj=None):
        # A new event has not been reviewed yet: no review section.
        return self.fieldsets if obj else self.fieldsets[1:]

    def get_queryset(self, request):
        return event_selectors.promoter_events(promoter=request.user).order_by(*self.get_ordering(request))

    def get_object(self, request, object_id, from_field=None):
        event = super().get_object(request, object_id, from_field)
        if event is None:
            raise Http404("No such event among yours.")
        return event

    def get_deleted_objects(self, objs, request):
        """Only the events: their interactions, saves and metrics go with them, and the admin would otherwise list
        (and ask model permissions promoters never have for) every one of a million interactions."""
        events = [str(event) for event in objs]
        return events, {self.opts.verbose_name_plural: len(events)}, set(), []

    @admin.display(description="Starts (venue time)", ordering="starts_at")
    def starts(self, event):
        return venue_time_label(event)

    @admin.display(description="Analytics")
    def analytics_link(self, event):
        url = reverse("promoter_console:events_event_analytics", args=[event.pk])
        return format_html('<a href="{}">Analytics<span class="visually-hidden"> for {}</span></a>', url, event.title)

    def save_model(self, request, obj, form, change):
        target_artists = form.cleaned_data["target_artists"]
        if change:
            event_services.event_update(event=obj, changed=form.changed_data, target_artists=target_artists)
        else:
            event_services.event_create(promoter=request.user, event=obj, target_artists=target_artists)

    def save_related(self, request, form, formsets, change):
        """Nothing left to save: the services stored the event's target artists with it."""

    def delete_model(self, request, obj):
        event_services.events_delete(events=self.get_queryset(request).filter(pk=obj.pk))

    def delete_queryset(self, request, queryset):
        event_services.events_delete(events=queryset)

    def _submit(self, request, event) -> bool:
        try:
            event_services.event_submit(event=event)
        except ApplicationError as error:
            self.message_user(request, error.message, messages.ERROR)
            return False
        return True

    def response_add(self, request, obj, post_url_continue=None):
        if SUBMIT_BUTTON in request.POST and self._submit(request, obj):
            self.message_user(request, f"“{obj.title}” is saved and waiting for review.", messages.SUCCESS)
            return HttpResponseRedirect(reverse("promoter_console:events_event_changelist"))
        return super().response_add(request, obj, post_url_continue)

    def response_change(self, request, obj):
        if SUBMIT_BUTTON in request.POST and self._submit(request, obj):
            self.message_user(request, f"“{obj.title}” is saved and waiting for review.", messages.SUCCESS)
            return HttpResponseRedirect(reverse("promoter_console:events_event_changelist"))
        return super().response_change(request, obj)

    @admin.action(description="Submit for review")
    def submit_for_review(self, request, queryset):
        submitted = sum(self._submit(request, event) for event in queryset)
        if submitted:
            self.message_user(request, ngettext("%d event sent for review.", "%d events sent for review.", submitted) % submitted, messages.SUCCESS)

    # --- analytics ----------------------------------------------------------------------
    def get_urls(self):
        def view(function):
            return self.admin_site.admin_view(function)

        return [
            path("analytics/", view(self.overview_view), name="events_event_overview"),
            path("export.csv", view(self.export_view), name="events_event_export"),
            path("<path:object_id>/analytics/", view(self.analytics_view), name="events_event_analytics"),
            path("<path:object_id>/export.csv", view(self.event_export_view), name="events_event_event_export"),
            *super().get_urls(),
        ]

    def overview_view(self, request):
        """Every one of the promoter's events side by side, for the comparison chart."""
        request.current_app = self.admin_site.name
        events = self.get_queryset(request)
        per_event = event_selectors.promoter_events_totals(events=events)
        comparison = [{key: row[key] for key in ("title", *event_selectors.COUNTS)} for row in per_event]
        context = {
            **self.admin_site.each_context(request),
            "title": "Analytics across your events",
            "opts": self.opts,
            "per_event": per_event,
            "totals": event_selectors.event_totals(events=events),
            "targeting": event_selectors.targeting_effectiveness(events=events),
            "comparison": comparison,
        }
        return TemplateResponse(request, "promoters/console/overview.html", context)

    def analytics_view(self, request, object_id):
        request.current_app = self.admin_site.name
        event = self.get_object(request, object_id)
        context = {
            **self.admin_site.each_context(request),
            "title": f"Analytics: {event.title}",
            "opts": self.opts,
            "event": event,
            "totals": event_selectors.event_totals(events=[event]),
            "series": event_selectors.event_daily_series(event=event),
            "targeting": event_selectors.targeting_effectiveness(events=[event]),
        }
        return TemplateResponse(request, "promoters/console/analytics.html", context)

    def export_view(self, request):
        return _csv_response(self.get_queryset(request), "rewrapped-events")

    def event_export_view(self, request, object_id):
        event = self.get_object(request, object_id)
        return _csv_response(self.get_queryset(request).filter(pk=event.pk), f"rewrapped-event-{event.public_id}")


class _Echo:
    def write(self, value):
        return value


def _csv_response(events, name: str) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())
    response = StreamingHttpResponse(
        (writer.writerow(row) for row in event_selectors.metrics_csv_rows(events=events)), content_type="text/csv"
    )
    response["Content-Disposition"] = f'attachment; filename="{name}-{timezone.now():%Y%m%d}.csv"'
    return response


@admin.register(Artist, site=console)
class ConsoleArtistAdmin(RecordAdmin):
    """Only there so the targeting field can search the catalog; promoters see no artist pages."""

    search_fields = ["name"]

    def get_urls(self):
        return []

    def has_module_permission(self, request):
        return False

    def has_view_permission(self, request, obj=None):
        return request.user.is_promoter


urlpatterns = console.get_urls()
