from django.urls import path

from billing import views, webhooks

app_name = "billing"
urlpatterns = [
    path("", views.billing, name="page"),
    path("upgrade/", views.upgrade, name="upgrade"),
    path("webhook/", webhooks.webhook, name="webhook"),
]

# Mounted under /api/v1/billing/ in the "api" namespace.
api_urlpatterns = []
