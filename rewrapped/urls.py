from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework_simplejwt.views import TokenRefreshView

from accounts import views as account_views
from accounts.api import MeApi, MeExportApi, TokenObtainApi
from billing.urls import api_urlpatterns as billing_api
from emotions.urls import api_urlpatterns as emotions_api
from events.urls import api_urlpatterns as events_api
from listening.urls import api_urlpatterns as listening_api
from promoters.urls import api_urlpatterns as promoters_api
from rewrapped.health import healthz
from rewrapped.views import home, welcome

api_v1 = [
    path("auth/token/", TokenObtainApi.as_view(), name="token-obtain"),
    path("auth/token/refresh/", TokenRefreshView.as_view(), name="token-refresh"),
    path("me/", MeApi.as_view(), name="me"),
    path("me/export/", MeExportApi.as_view(), name="me-export"),
    path("listening/", include(listening_api)),
    path("events/", include(events_api)),
    path("promoters/", include(promoters_api)),
    path("emotions/", include(emotions_api)),
    path("billing/", include(billing_api)),
]

handler404 = "rewrapped.api.not_found"

urlpatterns = [
    path("", home, name="home"),
    path("welcome/", welcome, name="welcome"),
    path("healthz", healthz, name="healthz"),
    path("profile/", include("accounts.urls")),
    path("listening/", include("listening.urls")),
    path("events/", include("events.urls")),
    path("promoters/", include("promoters.urls")),
    path("mood/", include("emotions.urls")),
    path("billing/", include("billing.urls")),
    # A Spotify-only guest who sets a password is upgrading: one flow for it, which also asks for an email.
    path("accounts/password/set/", account_views.upgrade),
    path("accounts/", include("allauth.urls")),
    path("hijack/acquire/", account_views.ImpersonationStart.as_view()),
    path("hijack/", include("hijack.urls")),
    path("admin/", admin.site.urls),
    path("promoter/", include(("promoters.console", "admin"), namespace="promoter_console")),
    path("api/v1/", include((api_v1, "api"))),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
]
