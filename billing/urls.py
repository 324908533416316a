from django.urls import path

from billing import api, views, webhooks

app_name = "billing"
urlpatterns = [
    path("", views.billing, name="page"),
    path("upgrade/", views.upgrade, name="upgrade"),
    path("checkout/success/", views.checkout_success, name="checkout-success"),
    path("checkout/cancel/", views.checkout_cancel, name="checkout-cancel"),
    path("portal/", views.portal, name="portal"),
    path("cancel/", views.cancel, name="cancel"),
    path("resume/", views.resume, name="resume"),
    path("webhook/", webhooks.webhook, name="webhook"),
]

# Mounted under /api/v1/billing/ in the "api" namespace.
api_urlpatterns = [
    path("", api.BillingApi.as_view(), name="billing"),
    path("invoices/", api.InvoiceListApi.as_view(), name="billing-invoices"),
    path("checkout/", api.CheckoutApi.as_view(), name="billing-checkout"),
    path("portal/", api.PortalApi.as_view(), name="billing-portal"),
    path("cancel/", api.CancelApi.as_view(), name="billing-cancel"),
    path("resume/", api.ResumeApi.as_view(), name="billing-resume"),
]
