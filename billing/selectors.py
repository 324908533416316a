"""What a listener is entitled to, read in one place: Premium now, since and until when, and the free songs left.
Features ask here (`entitlement`) before they play a recommended song; `billing.services.song_use_record` is what
counts one, race-free."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.utils import timezone
from djstripe.models import Customer, Subscription
from djstripe.utils import convert_tstamp

from accounts.models import User

# Stripe's statuses in which Premium holds. past_due is Stripe retrying a failed payment: Premium stays through the
# retry window, and ends when Stripe gives up (unpaid, canceled).
PREMIUM_STATUSES = ("trialing", "active", "past_due")


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
    subscriptions = list(Subscription.objects.filter(customer__subscriber=user).order_by("-created"))
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
    data = subscription.stripe_data
    status = data.get("status")
    period_end = subscription_period_end(subscription)
    premium = status in PREMIUM_STATUSES and (period_end is None or period_end > now or status == "past_due")
    cancelling = bool(data.get("cancel_at_period_end") or data.get("cancel_at")) and premium
    if premium:
        until = convert_tstamp(data["cancel_at"]) if data.get("cancel_at") else period_end
        shown = "cancelling" if cancelling else status
    else:
        until = convert_tstamp(data.get("ended_at") or data.get("canceled_at")) or period_end
        shown = "ended"
    return Entitlement(
        premium=premium, status=shown, since=convert_tstamp(data.get("start_date")) or subscription.created,
        until=until, cancel_at_period_end=cancelling, payment_failed=premium and status == "past_due",
        free_songs_total=total, free_songs_remaining=None if premium else _free_songs_remaining(user, total),
    )


def is_premium(user: User, *, now: datetime | None = None) -> bool:
    return entitlement(user, now=now).premium


def _free_songs_remaining(user: User, total: int) -> int:
    if not user.is_authenticated:
        return total
    used = user.song_uses.filter(premium=False).count()
    return max(0, total - used)
