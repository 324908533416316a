from django import forms
from django.contrib import admin
from django.contrib.admin import helpers
from django.contrib.admin.widgets import AdminSplitDateTime
from django.template.response import TemplateResponse

from rewrapped.models import ApiCallLog

admin.site.site_header = admin.site.site_title = "Re-Wrapped staff console"
admin.site.index_title = "Records and settings"


class LabelledSplitDateTime(AdminSplitDateTime):
    """The admin's date and time boxes, each with a name of its own ("<name> date", "<name> time"): the admin
    gives only the pair a label, which leaves both boxes nameless to a screen reader."""

    def __init__(self, attrs=None, *, name: str):
        super().__init__(attrs)
        self.widgets[0].attrs["aria-label"] = f"{name} date"
        self.widgets[1].attrs["aria-label"] = f"{name} time"


class RecordAdmin(admin.ModelAdmin):
    """For rows that record what happened: staff read them; nobody adds, edits or deletes them by hand."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class RejectionReasonForm(forms.Form):
    """The reason staff give when they reject, shown to the person rejected."""

    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), max_length=2000, label="Reason")

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError("Give a reason; the person reads it.")
        return reason


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
    return None, TemplateResponse(request, "admin/reject_reason.html", context)


@admin.register(ApiCallLog)
class ApiCallLogAdmin(RecordAdmin):
    list_display = ["created_at", "service", "method", "endpoint", "status", "latency_ms", "cache_hit", "error"]
    list_filter = ["service", "status", "cache_hit"]
    search_fields = ["endpoint", "error"]
    date_hierarchy = "created_at"
    # The table grows with every call: no exact count of it on each page.
    show_full_result_count = False
