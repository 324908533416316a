from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from hijack.contrib.admin import HijackUserAdminMixin

from accounts.models import Impersonation, User


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

    def get_hijack_user(self, obj):
        return obj


@admin.register(Impersonation)
class ImpersonationAdmin(admin.ModelAdmin):
    list_display = ["started_at", "staff", "target", "ended_at", "path"]
    list_select_related = ["staff", "target"]
    search_fields = ["staff__email", "target__email"]
    date_hierarchy = "started_at"
    readonly_fields = ["staff", "target", "started_at", "ended_at", "path"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
