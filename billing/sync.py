"""Copying Stripe's objects into dj-stripe's tables. An object is always read from Stripe as it is now, never taken
from an event's payload: an event may be old, arrive out of order, or be rendered in another API version, and only
the object Stripe holds now is the truth."""

from __future__ import annotations

import stripe
from django.conf import settings
from django.db import transaction
from djstripe.models import PaymentMethod, Price, Product, Subscription
from djstripe.models.base import StripeModel
from djstripe.settings import djstripe_settings
from djstripe.utils import get_id_from_stripe_data


class PriceMissing(Exception):
    """A lookup key the settings name has no active price on Stripe."""


def object_sync(model: type[StripeModel], object_id: str) -> StripeModel | None:
    """Read `object_id` from Stripe now and store it; None, with any copy we had removed, if Stripe has it no more."""
    try:
        data = model(id=object_id).api_retrieve()
    except stripe.InvalidRequestError as error:
        if error.code != "resource_missing":
            raise
        model.objects.filter(id=object_id).delete()
        return None
    return model.sync_from_stripe_data(data)


def subscription_sync(subscription_id: str) -> Subscription | None:
    """`object_sync` of a subscription, and of the card it is paid with when that is new to us: Checkout and the
    Portal put the card on the subscription, and no event we take names it."""
    synced = object_sync(Subscription, subscription_id)
    method_id = get_id_from_stripe_data(synced.stripe_data.get("default_payment_method")) if synced else None
    if method_id and not PaymentMethod.objects.filter(id=method_id).exists():
        object_sync(PaymentMethod, method_id)
    return synced


@transaction.atomic
def prices_sync() -> list[Price]:
    """Premium's prices (named in the settings by their lookup keys) and their products, from Stripe into our copy.

    Running it again only refreshes them. Raises PriceMissing, storing nothing, when a lookup key has no active price.
    """
    lookup_keys = {settings.STRIPE_PRICE_MONTHLY: "STRIPE_PRICE_MONTHLY",
                   settings.STRIPE_PRICE_YEARLY: "STRIPE_PRICE_YEARLY"}
    prices = stripe.Price.list(lookup_keys=list(lookup_keys), active=True, expand=["data.product"],
                               api_key=djstripe_settings.STRIPE_SECRET_KEY,
                               stripe_version=djstripe_settings.STRIPE_API_VERSION)
    found = {price["lookup_key"]: price for price in prices.auto_paging_iter()}
    missing = [f"'{key}' ({setting})" for key, setting in lookup_keys.items() if key not in found]
    if missing:
        raise PriceMissing(f"No active Stripe price has the lookup key {' or '.join(missing)}.")
    products = {price["product"]["id"]: price["product"] for price in found.values()}
    for product in products.values():
        Product.sync_from_stripe_data(product)
    return [Price.sync_from_stripe_data(found[key]) for key in lookup_keys]
