"""Billing's writes. `song_use_record` is the one call a feature makes for each recommended song played; the rest
start, change and read back a listener's subscription at Stripe, keeping dj-stripe's copy current."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

import stripe
from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Q
from django.urls import reverse
from djstripe.models import Customer, Invoice, PaymentMethod, Subscription
from djstripe.settings import djstripe_settings

from accounts.models import User
from billing import selectors
from billing.models import SongUse
from rewrapped.api import ApplicationError

# pg_advisory_xact_lock's first keys: each lock's namespace; the second is the listener's id.
_SONG_LOCK = 7_140_001
_CUSTOMER_LOCK = 7_140_002
# A listener with a customer but no invoice stored asks Stripe for them at most this often.
_INVOICES_SYNC_SECONDS = 3600
# Stripe's subscription statuses in which a second subscription would be charged too (incomplete: its first payment
# is still being confirmed).
_SUBSCRIBED = ("trialing", "active", "past_due", "incomplete")


def _listener_lock(namespace: int, user: User) -> None:
    """Hold the listener's lock of `namespace` until the transaction ends: callers for one listener queue on it."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [namespace, user.pk])


class FreeSongsUsedUp(ApplicationError):
    """The listener has played every free recommended song: they need Premium for the next one (HTTP 402)."""

    code = "premium_required"

    def __init__(self, *, total: int):
        super().__init__(
            f"You have played your {total} free recommended songs. Upgrade to Premium to keep playing.",
            code=self.code, status_code=402, links={"upgrade_url": upgrade_url()},
        )


def upgrade_url() -> str:
    return settings.SITE_URL.rstrip("/") + reverse("billing:upgrade")


def song_use_record(*, user: User, play_key: str, at: datetime) -> SongUse:
    """Count one recommended song played, once per `play_key` (a second report of the same play changes nothing).

    Raises FreeSongsUsedUp, recording nothing, when a free listener has none left. Run it inside the transaction
    that records the play, so a refused song leaves no play behind. Two plays at once for one listener queue on a
    lock, so the free count can never be overrun.
    """
    with transaction.atomic():
        _listener_lock(_SONG_LOCK, user)
        existing = SongUse.objects.filter(user=user, play_key=play_key).first()
        if existing is not None:
            return existing
        entitlement = selectors.entitlement(user, now=at)
        if not entitlement.premium and entitlement.free_songs_remaining == 0:
            raise FreeSongsUsedUp(total=entitlement.free_songs_total)
        return SongUse.objects.create(user=user, play_key=play_key, premium=entitlement.premium, at=at)


class StripeUnavailable(ApplicationError):
    """Stripe refused or could not be reached: nothing changed, the listener may try again."""

    def __init__(self, error: stripe.StripeError):
        if isinstance(error, stripe.RateLimitError | stripe.APIConnectionError):
            message = "Stripe is busy or cannot be reached just now. Nothing changed: try again in a minute."
            super().__init__(message, code="stripe_unavailable", status_code=503)
        else:
            message = "Stripe could not do that just now. Nothing changed: try again later."
            super().__init__(message, code="stripe_unavailable", status_code=502)


@contextmanager
def _stripe_call() -> Iterator[None]:
    try:
        yield
    except stripe.StripeError as error:
        raise StripeUnavailable(error) from error


def _api_key() -> str:
    # Read at each call, not once: dj-stripe's own defaults are frozen at import.
    return djstripe_settings.get_default_api_key(livemode=settings.STRIPE_LIVE_MODE)


def _customer_ensure(user: User) -> Customer:
    """The listener's one Stripe customer, created on their first checkout. Called under the listener's customer
    lock, so two requests at once make one; Stripe's idempotency key makes a retried create answer the same customer
    rather than a second one."""
    if (customer := selectors.customer_of(user)) is not None:
        return customer
    # A listener whose customer was deleted at Stripe gets a new one, under a new key. A deleted customer no
    # longer names its listener as subscriber, but its metadata still does.
    attempt = Customer.objects.filter(Q(subscriber=user) | Q(stripe_data__metadata__user_id=str(user.pk))).count()
    with _stripe_call():
        data = stripe.Customer.create(
            api_key=_api_key(), idempotency_key=f"rewrapped-customer-{user.pk}-{attempt}",
            email=user.email or None, name=user.display_name or None, metadata={"user_id": str(user.pk)},
        )
        return Customer.sync_from_stripe_data(data, api_key=_api_key())


def checkout_session_create(*, user: User, price_key: str, success_url: str,
                            cancel_url: str) -> stripe.checkout.Session:
    """A Stripe Checkout session subscribing the listener to Premium at the price with lookup key `price_key`.
    Card details go to Stripe's page only; Premium starts when Stripe's webhook says the subscription is live.

    The listener's other open sessions are expired first, and a subscription Stripe already has (its webhook may
    not have come yet) is refused: two tabs paid one after the other would otherwise be two subscriptions, both
    charged. Two clicks at once queue on the listener's lock."""
    if selectors.is_premium(user):
        raise ApplicationError("You are Premium already: manage your plan on the billing page.",
                               code="already_premium", status_code=409)
    with transaction.atomic():
        _listener_lock(_CUSTOMER_LOCK, user)
        customer = _customer_ensure(user)
        with _stripe_call():
            prices = stripe.Price.list(api_key=_api_key(), lookup_keys=[price_key], active=True, limit=1)
            if not prices.data:
                raise ApplicationError("That plan is not on sale just now.", code="price_unavailable",
                                       status_code=503)
            _checkouts_expire(customer)
            subscriptions = list(stripe.Subscription.list(api_key=_api_key(), customer=customer.id, status="all",
                                                          limit=100).auto_paging_iter())
            if any(subscription.status in _SUBSCRIBED for subscription in subscriptions):
                raise ApplicationError("Stripe already has a Premium subscription of yours: it shows here in a "
                                       "moment.", code="already_premium", status_code=409)
            subscription_data = {"metadata": {"user_id": str(user.pk)}}
            if settings.STRIPE_TRIAL_DAYS > 0 and not subscriptions:
                subscription_data["trial_period_days"] = settings.STRIPE_TRIAL_DAYS
            return stripe.checkout.Session.create(
                api_key=_api_key(), mode="subscription", customer=customer.id, client_reference_id=str(user.pk),
                line_items=[{"price": prices.data[0].id, "quantity": 1}], allow_promotion_codes=True,
                subscription_data=subscription_data, metadata={"user_id": str(user.pk)},
                success_url=success_url, cancel_url=cancel_url,
            )


def _checkouts_expire(customer: Customer) -> None:
    for session in stripe.checkout.Session.list(api_key=_api_key(), customer=customer.id, status="open",
                                                limit=100).auto_paging_iter():
        try:
            stripe.checkout.Session.expire(session.id, api_key=_api_key())
        except stripe.InvalidRequestError:
            pass  # paid or expired meanwhile: a paid one's subscription is refused next


def portal_session_create(*, user: User, return_url: str) -> stripe.billing_portal.Session:
    """A Stripe Customer Portal session, where the listener changes payment methods and plan, or cancels."""
    customer = selectors.customer_of(user)
    if customer is None:
        raise ApplicationError("You have no billing account yet: upgrade to Premium first.", code="no_customer",
                               status_code=409)
    with _stripe_call():
        return stripe.billing_portal.Session.create(api_key=_api_key(), customer=customer.id, return_url=return_url)


def subscription_cancel(*, user: User) -> Subscription:
    """Cancel Premium at the end of the period paid for. Stripe's answer is stored at once, so the page shows the
    end date without waiting for the webhook."""
    subscription = _subscription_live(user)
    with _stripe_call():
        data = stripe.Subscription.modify(subscription.id, api_key=_api_key(), cancel_at_period_end=True)
        return Subscription.sync_from_stripe_data(data, api_key=_api_key())


def subscription_resume(*, user: User) -> Subscription:
    """Keep Premium after all: undo a cancellation at period end (ours, or a date set in the portal)."""
    subscription = _subscription_live(user)
    data = subscription.stripe_data
    change = {"cancel_at": ""} if data.get("cancel_at") and not data.get("cancel_at_period_end") else {
        "cancel_at_period_end": False}
    with _stripe_call():
        data = stripe.Subscription.modify(subscription.id, api_key=_api_key(), **change)
        return Subscription.sync_from_stripe_data(data, api_key=_api_key())


def invoices_sync(*, user: User) -> int:
    """Read the listener's invoices and payment method from Stripe, for a page that finds none stored (webhooks store
    them as they happen; a listener from before then has none). At most once an hour per customer; returns how many
    invoices were read."""
    customer = selectors.customer_of(user)
    if customer is None or not cache.add(f"billing:invoices-synced:{customer.id}", True, _INVOICES_SYNC_SECONDS):
        return 0
    try:
        with _stripe_call():
            invoices = list(stripe.Invoice.list(api_key=_api_key(), customer=customer.id, limit=100)
                            .auto_paging_iter())
            for invoice in invoices:
                Invoice.sync_from_stripe_data(invoice, api_key=_api_key())
            method_id = selectors.payment_method_id_of(user)
            if method_id and not PaymentMethod.objects.filter(id=method_id).exists():
                PaymentMethod.sync_from_stripe_data(stripe.PaymentMethod.retrieve(method_id, api_key=_api_key()),
                                                    api_key=_api_key())
    except StripeUnavailable:
        cache.delete(f"billing:invoices-synced:{customer.id}")  # so the next visit tries again
        raise
    return len(invoices)


def subscriptions_end_for_deletion(*, user: User) -> None:
    """Before a listener's account is deleted: every subscription Stripe has for them ends now, not at period end,
    so nobody is charged for an account that is gone. Stripe unreachable raises StripeUnavailable, and the account
    stays."""
    customer = selectors.customer_of(user)
    if customer is None:
        return
    with _stripe_call():
        for subscription in stripe.Subscription.list(api_key=_api_key(), customer=customer.id,
                                                     limit=100).auto_paging_iter():
            if subscription.status != "incomplete_expired":
                stripe.Subscription.cancel(subscription.id, api_key=_api_key())


def _subscription_live(user: User) -> Subscription:
    subscription = selectors.subscription_current(user)
    if subscription is None or subscription.stripe_data.get("status") not in selectors.PREMIUM_STATUSES:
        raise ApplicationError("You have no Premium subscription to change.", code="no_subscription", status_code=409)
    return subscription
