"""What a listener is entitled to, read in one place: Premium now, since and until when, and the free songs left.
Features ask here (`entitlement`) before they play a recommended song; `billing.services.song_use_record` is what
counts one, race-free."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone
from djstripe.models import Customer, Invoice, PaymentMethod, Price, Subscription
from djstripe.utils import convert_tstamp

from accounts.models import User
from rewrapped.currencies import from_minor_units

# Stripe's statuses in which Premium holds. past_due is Stripe retrying a failed payment: Premium stays through the
# retry window, and ends when Stripe gives up (unpaid, canceled).
PREMIUM_STATUSES = ("trialing", "active", "past_due")
# How long after the stored period end a live subscription that is not cancelling stays Premium. Stripe moves the
# period on when it renews, but we hear it by webhook, and Stripe retries a webhook for up to 3 days: a renewal we
# have not heard of yet must not put a paying listener behind the paywall. A failed renewal (past_due) has already
# moved the period on, so past_due keeps Premium through its retries and no longer than this after.
RENEWAL_GRACE = timedelta(days=3)


@dataclass(frozen=True)
class Entitlement:
    premium: bool
    status: str  # "free", or the subscription's: trialing, active, past_due, cancelling, ended
    since: datetime | None  # when the current (or last) subscription started
    until: datetime | None  # renews (or ends, when cancelling) at; when it ended
    cancel_at_period_end: bool
    payment_failed: bool  # the last payment failed and Stripe is retrying: show how to fix it
    free_songs_total: int
    free_songs_remaining: int | None  # None while Premium: unlimited


def customer_of(user: User) -> Customer | None:
    """The listener's Stripe customer (one per listener), if they ever started a checkout."""
    return Customer.objects.filter(subscriber=user, date_purged__isnull=True).order_by("-created").first()


def subscription_current(user: User) -> Subscription | None:
    """The subscription that decides the listener's plan: a live one if any, else the one that ended last."""
    subscriptions = list(Subscription.objects.filter(customer__subscriber=user, customer__date_purged__isnull=True)
                         .order_by("-created"))
    live = [s for s in subscriptions if s.stripe_data.get("status") in PREMIUM_STATUSES]
    return (live or subscriptions or [None])[0]


def subscription_period_end(subscription: Subscription) -> datetime | None:
    """When the paid period ends. API versions from 2025-03-31 keep it on the subscription's items."""
    data = subscription.stripe_data
    ends = [data.get("current_period_end")] + [item.get("current_period_end")
                                               for item in (data.get("items") or {}).get("data", [])]
    ends = [end for end in ends if end]
    return convert_tstamp(max(ends)) if ends else None


def entitlement(user: User, *, now: datetime | None = None) -> Entitlement:
    now = now or timezone.now()
    total = settings.FREE_RECOMMENDED_SONGS
    subscription = subscription_current(user) if user.is_authenticated else None
    if subscription is None:
        return Entitlement(premium=False, status="free", since=None, until=None, cancel_at_period_end=False,
                           payment_failed=False, free_songs_total=total,
                           free_songs_remaining=_free_songs_remaining(user, total))
    held = _subscription_entitlement(subscription, now)
    return replace(held, free_songs_total=total,
                   free_songs_remaining=None if held.premium else _free_songs_remaining(user, total))


def _subscription_entitlement(subscription: Subscription, now: datetime) -> Entitlement:
    """What the subscription entitles to at `now`, free songs aside (left for the caller to count)."""
    data = subscription.stripe_data
    status = data.get("status")
    cancel_at = convert_tstamp(data.get("cancel_at"))
    cancelling = bool(data.get("cancel_at_period_end") or cancel_at)
    # A cancellation date set in the portal may come before the period end: Premium ends at whichever is first.
    end = min(filter(None, (cancel_at, subscription_period_end(subscription))), default=None)
    premium = status in PREMIUM_STATUSES and (end is None or now < (end if cancelling else end + RENEWAL_GRACE))
    if premium:
        until, shown = end, "cancelling" if cancelling else status
    else:
        # canceled_at is when the listener asked to cancel, which may be long before the subscription ended.
        until, shown = convert_tstamp(data.get("ended_at")) or end or convert_tstamp(data.get("canceled_at")), "ended"
    return Entitlement(
        premium=premium, status=shown, since=convert_tstamp(data.get("start_date")) or subscription.created,
        until=until, cancel_at_period_end=cancelling and premium, payment_failed=premium and status == "past_due",
        free_songs_total=0, free_songs_remaining=None,
    )


def is_premium(user: User, *, now: datetime | None = None) -> bool:
    return entitlement(user, now=now).premium


def _free_songs_remaining(user: User, total: int) -> int:
    if not user.is_authenticated:
        return total
    used = user.song_uses.filter(premium=False).count()
    return max(0, total - used)


# --- what the billing page and its API show ---------------------------------------------------------------
@dataclass(frozen=True)
class PremiumPrice:
    choice: str  # "monthly" | "yearly": what a listener picks on the upgrade page
    lookup_key: str
    amount: Decimal  # in units of the currency: 4.99
    currency: str  # ISO 4217, upper case
    interval: str  # "month" | "year"


@dataclass(frozen=True)
class InvoiceSummary:
    number: str | None  # None while Stripe keeps the invoice as a draft
    created: datetime
    amount: Decimal  # what was (or is) due, in units of the currency
    currency: str
    status: str  # Stripe's: draft, open, paid, uncollectible, void
    hosted_invoice_url: str | None
    invoice_pdf: str | None


@dataclass(frozen=True)
class PaymentMethodSummary:
    brand: str  # "visa", "mastercard", …; for a method that is not a card, its type ("sepa_debit")
    last4: str | None
    exp_month: int | None
    exp_year: int | None


def premium_prices() -> list[PremiumPrice]:
    """Premium's prices as synced from Stripe, monthly first; a price not synced (or no longer active) is left out."""
    choices = {premium_lookup_key(choice): choice for choice in ("monthly", "yearly")}
    rows = {price.lookup_key: price for price in Price.objects.filter(lookup_key__in=choices, active=True)}
    return [_premium_price(choice, rows[key]) for key, choice in choices.items() if key in rows]


def invoices_of(user: User) -> QuerySet[Invoice]:
    """The listener's invoices (their billing history), newest first."""
    # Renewals a moment apart (or a clock that ties) still list in order: by the period each invoice opens.
    return Invoice.objects.filter(customer__subscriber=user).order_by("-created", "-stripe_data__period_start",
                                                                      "-djstripe_id")


def invoice_summary(invoice: Invoice) -> InvoiceSummary:
    data = invoice.stripe_data
    currency = (data.get("currency") or "").upper()
    due = data.get("total", data.get("amount_due", 0)) or 0
    return InvoiceSummary(
        number=data.get("number"), created=invoice.created, amount=from_minor_units(due, currency),
        currency=currency, status=data.get("status") or "", hosted_invoice_url=data.get("hosted_invoice_url"),
        invoice_pdf=data.get("invoice_pdf"),
    )


def payment_method_of(user: User) -> PaymentMethodSummary | None:
    """How the listener pays: the subscription's own default payment method, else the customer's."""
    method_id = payment_method_id_of(user)
    method = PaymentMethod.objects.filter(id=method_id).first() if method_id else None
    if method is None:
        return None
    data = method.stripe_data
    card = data.get("card") or {}
    return PaymentMethodSummary(brand=card.get("brand") or data.get("type") or "", last4=card.get("last4"),
                                exp_month=card.get("exp_month"), exp_year=card.get("exp_year"))


def payment_method_id_of(user: User) -> str | None:
    """The id of the payment method `payment_method_of` describes, synced or not."""
    subscription = subscription_current(user)
    if subscription is not None and (own := subscription.stripe_data.get("default_payment_method")):
        return own if isinstance(own, str) else own.get("id")
    customer = customer_of(user)
    if customer is None:
        return None
    default = (customer.stripe_data.get("invoice_settings") or {}).get("default_payment_method")
    return default if isinstance(default, str) or default is None else default.get("id")


def _premium_price(choice: str, price: Price) -> PremiumPrice:
    currency = price.currency.upper()
    return PremiumPrice(
        choice=choice, lookup_key=price.lookup_key, currency=currency,
        amount=from_minor_units(price.stripe_data.get("unit_amount") or 0, currency),
        interval=(price.recurring or {}).get("interval", ""),
    )


def subscription_price(subscription: Subscription) -> PremiumPrice | None:
    """The price the listener's subscription is on, as Stripe last told us (it may be one no longer on sale)."""
    items = (subscription.stripe_data.get("items") or {}).get("data") or []
    price = items[0].get("price") if items else None
    if not isinstance(price, dict) or not price.get("currency"):
        return None
    currency = price["currency"].upper()
    interval = (price.get("recurring") or {}).get("interval", "")
    return PremiumPrice(choice="yearly" if interval == "year" else "monthly", lookup_key=price.get("lookup_key") or "",
                        amount=from_minor_units(price.get("unit_amount") or 0, currency), currency=currency,
                        interval=interval)


def payment_failing(user: User) -> bool:
    """Whether Stripe is retrying the failed payment of the subscription the billing page shows (entitlement's
    payment_failed, without counting free songs: every page asks it for the banner)."""
    subscription = subscription_current(user) if user.is_authenticated else None
    return subscription is not None and _subscription_entitlement(subscription, timezone.now()).payment_failed


def premium_lookup_key(choice: str) -> str:
    """The Stripe lookup key of Premium's "monthly" or "yearly" price."""
    return {"monthly": settings.STRIPE_PRICE_MONTHLY, "yearly": settings.STRIPE_PRICE_YEARLY}[choice]
