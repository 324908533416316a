from allauth.socialaccount.models import SocialToken
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db import models
from hijack.contrib.admin import HijackUserAdminMixin
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from accounts import services
from accounts.models import Impersonation, User
from rewrapped.admin import LabelledSplitDateTime, RecordAdmin


@admin.register(User)
class UserAdmin(HijackUserAdminMixin, DjangoUserAdmin):
    list_display = ["email", "display_name", "role", "is_staff", "country", "date_joined", "last_login"]
    list_filter = ["role", "is_staff", "is_active", "gender", "occupation", "country"]
    search_fields = ["email", "display_name", "username", "public_id"]
    ordering = ["-date_joined"]
    readonly_fields = ["public_id", "date_joined", "last_login"]
    fieldsets = (
        (None, {"fields": ("public_id", "username", "email", "password", "role")}),
        ("Profile", {"fields": ("display_name", "avatar_url", "interests", "age", "gender", "country",
                                "occupation", "time_zone", "spotify_broken_at")}),
        ("Permissions", {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )

    formfield_overrides = {
        models.URLField: {"assume_scheme": "https"},
        models.DateTimeField: {"widget": LabelledSplitDateTime(name="Spotify broken at")},
    }
    # Django's two-box picker for groups and permissions puts an aria-label on a bare <span>, which screen
    # readers ignore and axe flags; the plain multiple select is labelled.
    filter_horizontal = ()

    def get_hijack_user(self, obj):
        return obj

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and "is_active" in form.changed_data and not obj.is_active:
            services.refresh_tokens_revoke(user=obj)

    def delete_model(self, request, obj):
        services.account_delete(user=obj)

    def delete_queryset(self, request, queryset):
        for user in queryset:
            services.account_delete(user=user)


# Spotify tokens and the refresh tokens of their apps are secrets held for the user; staff have no reason to read
# them (and acting as someone goes through impersonation, which is logged).
admin.site.unregister(SocialToken)
admin.site.unregister(OutstandingToken)
admin.site.unregister(BlacklistedToken)


@admin.register(Impersonation)
class ImpersonationAdmin(RecordAdmin):
    list_display = ["started_at", "staff_email", "target", "ended_at", "path"]
    list_select_related = ["staff", "target"]
    search_fields = ["staff_email", "target__email"]
    date_hierarchy = "started_at"
    readonly_fields = ["staff", "staff_email", "target", "started_at", "ended_at", "path"]
