from django.contrib import admin, messages
from django.utils.translation import ngettext

from promoters import services
from promoters.models import PromoterApplication
from rewrapped.admin import rejection_reason_page


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
        self.message_user(request, ngettext("Approved %d application.", "Approved %d applications.", count) % count, messages.SUCCESS)

    @admin.action(description="Reject with a reason…", permissions=["change"])
    def reject(self, request, queryset):
        reason, page = rejection_reason_page(self, request, queryset, action="reject", audience="the applicants")
        if page is not None:
            return page
        count = services.promoter_applications_reject(applications=queryset, reviewer=request.user, reason=reason)
        self.message_user(request, ngettext("Rejected %d application.", "Rejected %d applications.", count) % count, messages.SUCCESS)

