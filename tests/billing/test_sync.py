"""`manage.py billing_sync`: Premium's prices and product, from the fake Stripe into dj-stripe's tables."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from djstripe.models import Price, Product

pytestmark = pytest.mark.django_db


def sync() -> str:
    out = StringIO()
    call_command("billing_sync", stdout=out)
    return out.getvalue()


def test_the_monthly_and_yearly_prices_and_their_product_are_fetched(stripe_fake):
    output = sync()

    prices = {price.lookup_key: price for price in Price.objects.select_related("product")}
    assert set(prices) == {"premium_monthly", "premium_yearly"}
    assert prices["premium_monthly"].id == stripe_fake.monthly["id"]
    assert prices["premium_monthly"].stripe_data["unit_amount"] == 499
    assert prices["premium_yearly"].stripe_data["recurring"]["interval"] == "year"
    assert prices["premium_monthly"].product.name == "Re-Wrapped Premium"
    assert f"premium_monthly: {stripe_fake.monthly['id']}" in output and "4.99" in output
    assert f"premium_yearly: {stripe_fake.yearly['id']}" in output and "49.99" in output


def test_running_it_again_refreshes_what_changed_and_adds_nothing(stripe_fake):
    sync()
    stripe_fake.monthly["nickname"] = "Premium, monthly (2027)"

    sync()

    assert Price.objects.count() == 2 and Product.objects.count() == 1
    assert Price.objects.get(lookup_key="premium_monthly").nickname == "Premium, monthly (2027)"


def test_a_lookup_key_with_no_price_on_stripe_is_named_and_nothing_is_stored(stripe_fake, settings):
    settings.STRIPE_PRICE_YEARLY = "premium_yearly_2027"

    with pytest.raises(CommandError) as error:
        sync()

    assert "'premium_yearly_2027' (STRIPE_PRICE_YEARLY)" in str(error.value)
    assert not Price.objects.exists() and not Product.objects.exists()


def test_stripe_failing_is_a_clear_error(stripe_fake):
    stripe_fake.fail(500, times=5, path="/v1/prices")

    with pytest.raises(CommandError) as error:
        sync()

    assert str(error.value).startswith("Stripe answered:")
    assert not Price.objects.exists()
