from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.template.response import TemplateResponse

from promoters import services
from promoters.forms import RejectionReasonForm
from promoters.models import EventMetricsCursor, PromoterApplication
from rewrapped.admin import RecordAdmin


def rejection_reason_page(model_admin, request, queryset, *, action: str, audience: str):
    """The intermediate page of a "reject" action: the reason staff type, or None once it has been given.

    Returns (reason, response): a reason to reject with, or the page to show (again, with errors)."""
    form = RejectionReasonForm(request.POST if "apply" in request.POST else None)
    if form.is_valid():
        return form.cleaned_data["reason"], None
    context = {
        **model_admin.admin_site.each_context(request),
        "title": "Give a reason",
        "opts": model_admin.model._meta,
        "objects": list(queryset),
        "form": form,
        "action": action,
        "audience": audience,
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
    }
    return None, TemplateResponse(request, "promoters/admin/reject_reason.html", context)


@admin.register(PromoterApplication)
class PromoterApplicationAdmin(admin.ModelAdmin):
    list_display = ["organisation", "user", "website", "status", "created_at", "reviewed_by", "reviewed_at"]
    list_filter = ["status"]
    list_select_related = ["user", "reviewed_by"]
    search_fields = ["organisation", "user__email", "website"]
    raw_id_fields = ["user"]
    readonly_fields = ["user", "organisation", "website", "reason", "status", "rejection_reason", "reviewed_by",
                       "created_at", "reviewed_at"]
    date_hierarchy = "created_at"
    actions = ["approve", "reject"]

    def has_add_permission(self, request):
        return False

    @admin.action(description="Approve: the applicants become promoters", permissions=["change"])
    def approve(self, request, queryset):
        count = services.promoter_applications_approve(applications=queryset, reviewer=request.user)
        self.message_user(request, f"Approved {count} application(s).", messages.SUCCESS)

    @admin.action(description="Reject with a reason…", permissions=["change"])
    def reject(self, request, queryset):
        reason, page = rejection_reason_page(self, request, queryset, action="reject", audience="the applicants")
        if page is not None:
            return page
        count = services.promoter_applications_reject(applications=queryset, reviewer=request.user, reason=reason)
        self.message_user(request, f"Rejected {count} application(s).", messages.SUCCESS)


@admin.register(EventMetricsCursor)
class EventMetricsCursorAdmin(RecordAdmin):
    list_display = ["last_interaction_id", "updated_at"]
