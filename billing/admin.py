"""Billing in the staff console, read-only: every webhook received and what came of it, and any listener's billing.
Stripe is where billing changes (the listener's own pages, Stripe's dashboard); here staff only read."""

from django.contrib import admin
from django.db.models import Count, OuterRef, Q, Subquery
from django.utils.html import format_html, format_html_join
from djstripe.models import Customer, Invoice, Subscription
from djstripe.settings import djstripe_settings
from djstripe.utils import convert_tstamp

from billing import selectors
from billing.models import ListenerBilling, WebhookReceipt
from rewrapped.admin import RecordAdmin


@admin.register(WebhookReceipt)
class WebhookReceiptAdmin(RecordAdmin):
    list_display = ["received_at", "type", "outcome", "deliveries", "customer_id", "event_id"]
    list_filter = ["type", "outcome"]
    search_fields = ["=event_id", "=customer_id", "=object_id"]
    date_hierarchy = "received_at"
    readonly_fields = ["event_id", "type", "outcome", "detail", "deliveries", "received_at", "created", "object_id",
                       "customer_id", "api_version", "livemode"]
    fields = readonly_fields


@admin.register(ListenerBilling)
class ListenerBillingAdmin(RecordAdmin):
    list_display = ["email", "display_name", "role", "stripe_customer", "subscription_status", "free_songs_used"]
    list_filter = ["role"]
    search_fields = ["email", "display_name", "=djstripe_customers__id"]
    ordering = ["email"]
    readonly_fields = ["email", "display_name", "role", "plan", "stripe_customer", "subscriptions", "invoices",
                       "free_songs_used"]
    fields = readonly_fields

    def get_queryset(self, request):
        customers = Customer.objects.filter(subscriber=OuterRef("pk"), date_purged__isnull=True).order_by("-created")
        subscriptions = Subscription.objects.filter(
            customer__subscriber=OuterRef("pk"), customer__date_purged__isnull=True).order_by("-created")
        return super().get_queryset(request).annotate(
            stripe_customer_id=Subquery(customers.values("id")[:1]),
            subscription_status=Subquery(subscriptions.values("stripe_data__status")[:1]),
            songs_used=Count("song_uses", filter=Q(song_uses__premium=False)),
        )

    @admin.display(description="Stripe customer")
    def stripe_customer(self, obj):
        return obj.stripe_customer_id or "—"

    @admin.display(description="Latest subscription")
    def subscription_status(self, obj):
        return obj.subscription_status or "—"

    @admin.display(description="Free songs used", ordering="songs_used")
    def free_songs_used(self, obj):
        return obj.songs_used

    @admin.display(description="Plan now")
    def plan(self, obj):
        now = selectors.entitlement(obj)
        parts = ["Premium" if now.premium else "Free", now.status]
        if now.since:
            parts.append(f"since {now.since:%Y-%m-%d %H:%M} UTC")
        if now.until:
            parts.append(f"{'ends' if now.cancel_at_period_end or not now.premium else 'renews'} "
                         f"{now.until:%Y-%m-%d %H:%M} UTC")
        if now.payment_failed:
            parts.append("last payment failed")
        if now.free_songs_remaining is not None:
            parts.append(f"{now.free_songs_remaining} of {now.free_songs_total} free songs left")
        return ", ".join(parts)

    @admin.display(description="Subscriptions")
    def subscriptions(self, obj):
        rows = [
            (subscription.id, subscription.stripe_data.get("status", ""),
             _when(selectors.subscription_period_end(subscription)),
             "yes" if subscription.stripe_data.get("cancel_at_period_end") else "no",
             _when(subscription.created))
            for subscription in Subscription.objects.filter(customer__subscriber=obj).order_by("-created")
        ]
        return _table(["Subscription", "Status", "Period ends", "Cancels at period end", "Created"], rows)

    @admin.display(description="Invoices")
    def invoices(self, obj):
        rows = []
        for invoice in Invoice.objects.filter(customer__subscriber=obj).order_by("-created")[:50]:
            data = invoice.stripe_data
            link = data.get("hosted_invoice_url")
            rows.append((
                data.get("number") or invoice.id, _when(convert_tstamp(data.get("created")) or invoice.created),
                _money(data.get("total"), data.get("currency")), data.get("status") or "",
                format_html('<a href="{}" rel="noopener" target="_blank">On Stripe</a>', link) if link else "—",
            ))
        return _table(["Number", "Date", "Total", "Status", "Invoice"], rows)


def _when(at) -> str:
    return f"{at:%Y-%m-%d %H:%M} UTC" if at else "—"


def _money(amount: int | None, currency: str | None) -> str:
    if amount is None or not currency:
        return "—"
    # Stripe counts in the currency's smallest unit: cents, but whole yen.
    units = amount if currency.lower() in djstripe_settings.ZERO_DECIMAL_CURRENCIES else amount / 100
    return f"{units:,.2f} {currency.upper()}"


def _table(headers: list[str], rows: list[tuple]):
    if not rows:
        return "None"
    head = format_html_join("", "<th scope=\"col\">{}</th>", ((header,) for header in headers))
    body = format_html_join("", "<tr>{}</tr>", (
        (format_html_join("", "<td>{}</td>", ((cell,) for cell in row)),) for row in rows))
    return format_html("<table><thead><tr>{}</tr></thead><tbody>{}</tbody></table>", head, body)


class _ReadOnlyStripeAdmin:
    """dj-stripe's own admin, read-only: its forms, actions and confirm-action page would edit Stripe's objects
    (cancel subscriptions, move a customer to another user, add API keys) behind Stripe's back and ours."""

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_actions(self, request):
        return {}

    def get_urls(self):
        return [url for url in super().get_urls() if getattr(url, "name", None) != "djstripe_custom_action"]


for _model, _model_admin in list(admin.site._registry.items()):
    if _model._meta.app_label == "djstripe":
        admin.site.unregister(_model)
        admin.site.register(_model, type(type(_model_admin).__name__, (_ReadOnlyStripeAdmin, type(_model_admin)), {}))
