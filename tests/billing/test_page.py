"""The billing page (billing/views.py, templates/billing/): each plan's status in words with its dates in the
listener's time zone, the price, payment method and invoices, cancel and resume, the portal and the banner."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import stripe
from django.test import Client
from djstripe.models import Invoice

from billing import selectors
from tests.billing.test_checkout import (
    checkout_started, premium_through_checkout, prices_synced, stripe_requests, subscription_synced,
    webhooks_delivered)
from tests.conftest import client_for

AUCKLAND = "Pacific/Auckland"


def text_of(response) -> str:
    """The page's words, tags and runs of white space removed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def period_end_set(fake, subscription_id: str, at: datetime) -> None:
    """Stripe's clock is not ours to move: say when the fake's subscription period ends."""
    for item in fake.objects[subscription_id]["items"]["data"]:
        item["current_period_end"] = int(at.timestamp())


@pytest.fixture
def in_auckland(listener):
    listener.time_zone = AUCKLAND
    listener.save(update_fields=["time_zone"])
    return listener


def test_a_free_listener_sees_their_free_songs_premiums_prices_and_the_way_up(client, listener, stripe_fake):
    prices_synced(stripe_fake)
    stripe_fake.requests.clear()
    client_for(client, listener)

    response = client.get("/billing/")

    text = text_of(response)
    assert "Plan Free" in text
    assert "Free: 5 of 5 free recommended songs left." in text
    assert "4.99 EUR a month or 49.99 EUR a year" in text
    assert 'href="/billing/upgrade/"' in response.content.decode()
    assert "Billing history" not in text and "Manage payment methods" not in text
    assert not stripe_fake.requests  # a free listener's page asks Stripe nothing


def test_an_active_listener_sees_the_renewal_in_their_own_time_zone_price_card_and_invoice(
        client, in_auckland, stripe_fake):
    subscription = premium_through_checkout(client, in_auckland, stripe_fake, card_brand="mastercard", last4="4444")
    # 12:30 UTC on 4 April 2027 is 00:30 on 5 April in Auckland, just after its clocks went back an hour (NZST).
    period_end_set(stripe_fake, subscription.id, datetime(2027, 4, 4, 12, 30, tzinfo=UTC))
    subscription_synced(stripe_fake, subscription.id)

    response = client.get("/billing/")

    text = text_of(response)
    assert "Plan Premium" in text
    assert "Active: renews on 5 April 2027." in text
    assert "Price 4.99 EUR a month" in text
    assert "Mastercard ending in 4444" in text
    invoice = Invoice.objects.get()  # read from Stripe once: no webhook stored it
    number = invoice.stripe_data["number"]
    assert re.search(rf"{number} \d+ \w+ \d{{4}} 4.99 EUR Paid", text)
    page = response.content.decode()
    assert f'href="{invoice.stripe_data["hosted_invoice_url"]}"' in page
    assert f'href="{invoice.stripe_data["invoice_pdf"]}"' in page


def test_a_trial_says_until_when(client, in_auckland, stripe_fake, settings):
    settings.STRIPE_TRIAL_DAYS = 7
    subscription = premium_through_checkout(client, in_auckland, stripe_fake)
    period_end_set(stripe_fake, subscription.id, datetime(2027, 4, 4, 12, 30, tzinfo=UTC))
    subscription_synced(stripe_fake, subscription.id)

    text = text_of(client.get("/billing/"))

    assert "Free trial until 5 April 2027, then it renews." in text
    assert "0.00 EUR Paid" in text  # the trial's first invoice


def test_cancelling_shows_the_end_date_at_once_and_resuming_clears_it(client, in_auckland, stripe_fake):
    subscription = premium_through_checkout(client, in_auckland, stripe_fake)
    period_end_set(stripe_fake, subscription.id, datetime(2027, 4, 4, 12, 30, tzinfo=UTC))
    subscription_synced(stripe_fake, subscription.id)

    response = client.post("/billing/cancel/", {"confirm": "on"}, follow=True)

    assert "Cancelling on 5 April 2027: Premium stays until then." in text_of(response)
    assert "Resume Premium" in text_of(response)
    assert stripe_fake.objects[subscription.id]["cancel_at_period_end"] is True
    assert selectors.entitlement(in_auckland).premium

    response = client.post("/billing/resume/", follow=True)

    assert "Active: renews on 5 April 2027." in text_of(response)
    assert "Cancelling" not in text_of(response)
    assert stripe_fake.objects[subscription.id]["cancel_at_period_end"] is False
    assert not selectors.entitlement(in_auckland).cancel_at_period_end


def test_cancelling_needs_the_box_ticked(client, listener, stripe_fake):
    subscription = premium_through_checkout(client, listener, stripe_fake)

    response = client.post("/billing/cancel/", {})

    assert response.status_code == 400
    assert "Tick the box to confirm you want to cancel." in text_of(response)
    assert stripe_fake.objects[subscription.id]["cancel_at_period_end"] is False
    assert not stripe_requests(stripe_fake, "POST", f"/v1/subscriptions/{subscription.id}")


def test_a_failed_payment_says_so_and_every_page_shows_a_way_to_fix_it(client, listener, stripe_fake):
    subscription = premium_through_checkout(client, listener, stripe_fake)
    stripe_fake.payment_fail(subscription.id)
    subscription_synced(stripe_fake, subscription.id)

    billing = text_of(client.get("/billing/"))
    home = client.get("/")

    assert "Payment failed: Stripe is retrying it. Premium stays meanwhile" in billing
    assert "Plan Premium" in billing
    assert 'id="payment-failed"' in home.content.decode()
    assert "Update your payment method" in text_of(home)
    response = client.post("/billing/portal/")
    assert response.status_code == 303
    assert response["Location"] == stripe_fake.objects[response["Location"].rsplit("/", 1)[1]]["url"]
    assert 'id="payment-failed"' not in Client().get("/").content.decode()


def test_an_ended_subscription_says_when_and_counts_free_songs_again(client, in_auckland, stripe_fake):
    subscription = premium_through_checkout(client, in_auckland, stripe_fake)
    stripe_fake.subscription_end(subscription.id)
    stripe_fake.objects[subscription.id]["ended_at"] = int(datetime(2027, 4, 4, 12, 30, tzinfo=UTC).timestamp())
    subscription_synced(stripe_fake, subscription.id)

    text = text_of(client.get("/billing/"))

    assert "Plan Free" in text
    assert "Premium ended on 5 April 2027." in text
    assert "5 of 5 free recommended songs left" in text
    assert "Upgrade to Premium" in text


def test_the_portal_opens_for_the_listeners_own_customer_and_comes_back_here(client, listener, stripe_fake):
    premium_through_checkout(client, listener, stripe_fake)

    response = client.post("/billing/portal/")

    assert response.status_code == 303
    session = stripe_fake.objects[response["Location"].rsplit("/", 1)[1]]
    assert session["customer"] == selectors.customer_of(listener).id
    assert session["return_url"] == "http://testserver/billing/"


def test_the_portal_before_any_checkout_is_explained(client, listener, stripe_fake):
    client_for(client, listener)

    response = client.post("/billing/portal/")

    assert response.status_code == 409
    assert "You have no billing account yet" in text_of(response)


def test_invoices_are_paginated_newest_first(client, listener, stripe_fake, django_assert_max_num_queries):
    subscription = premium_through_checkout(client, listener, stripe_fake)
    for _ in range(12):
        stripe_fake.renew(subscription.id)
    numbers = [invoice["number"] for invoice in stripe_fake.objects.values()
               if invoice["object"] == "invoice"][::-1]

    first = text_of(client.get("/billing/"))  # the first visit reads them from Stripe
    with django_assert_max_num_queries(12):
        second = text_of(client.get("/billing/?page=2"))

    assert [n for n in numbers if n in first] == numbers[:12]
    assert [n for n in numbers if n in second] == numbers[12:]
    assert "Page 1 of 2" in first and "Older" in first and "Newer" not in first
    assert "Page 2 of 2" in second and "Newer" in second


def test_a_listener_sees_nothing_of_another_listeners_billing(client, listener, other_listener, stripe_fake):
    other_client = Client()
    theirs = premium_through_checkout(other_client, other_listener, stripe_fake)
    other_client.get("/billing/")  # their invoice is read from Stripe and stored
    client_for(client, listener)

    text = text_of(client.get("/billing/"))
    cancelled = client.post("/billing/cancel/", {"confirm": "on"})
    portal = client.post("/billing/portal/")

    assert "Plan Free" in text and "Billing history" not in text
    assert Invoice.objects.filter(customer__subscriber=other_listener).exists()
    assert theirs.stripe_data["latest_invoice"] not in text
    assert cancelled.status_code == 409 and portal.status_code == 409
    assert stripe_fake.objects[theirs.id]["cancel_at_period_end"] is False


def test_the_checkout_success_page_says_so_at_once_when_stripe_already_confirmed(client, listener, stripe_fake):
    premium_through_checkout(client, listener, stripe_fake)

    text = text_of(client.get("/billing/checkout/success/?session_id=cs_whatever"))

    assert "You're Premium" in text
    assert 'href="/mood/"' in client.get("/billing/checkout/success/").content.decode()


def test_leaving_checkout_charges_nothing_and_leads_back_to_upgrade(client, listener, stripe_fake):
    checkout_started(client, listener)

    response = client.get("/billing/checkout/cancel/")

    assert "Nothing was charged" in text_of(response)
    assert 'href="/billing/upgrade/"' in response.content.decode()
    assert not selectors.is_premium(listener)


def test_the_menu_has_billing_for_signed_in_listeners(client, listener):
    client_for(client, listener)

    page = client.get("/billing/").content.decode()

    assert 'href="/billing/" aria-current="page">Billing</a>' in page


# --- as Stripe's webhooks leave it ---------------------------------------------------------------------------
def test_after_paying_the_webhooks_alone_show_the_card_and_the_invoice_on_the_page_and_in_the_api(
        client, listener, stripe_fake):
    stripe_fake.checkout_complete(checkout_started(client, listener), card_brand="mastercard", last4="4444")
    webhooks_delivered(stripe_fake)
    stripe_fake.requests.clear()

    text = text_of(client.get("/billing/"))
    summary = client.get("/api/v1/billing/").json()
    invoices = client.get("/api/v1/billing/invoices/").json()["results"]

    [invoice] = Invoice.objects.all()
    assert "Plan Premium" in text and "Mastercard ending in 4444" in text
    assert re.search(rf"{invoice.stripe_data['number']} \d+ \w+ \d{{4}} 4.99 EUR Paid", text)
    assert (summary["premium"], summary["payment_method"]["brand"], summary["payment_method"]["last4"]) == (
        True, "mastercard", "4444")
    assert [each["number"] for each in invoices] == [invoice.stripe_data["number"]]
    assert not stripe_fake.requests  # all of it came with the webhooks, nothing was read for the page


def test_a_card_changed_in_the_portal_shows_once_its_webhook_arrives(client, listener, stripe_fake):
    stripe_fake.checkout_complete(checkout_started(client, listener))
    webhooks_delivered(stripe_fake)

    stripe_fake.card_change(selectors.subscription_current(listener).id, card_brand="mastercard", last4="5454")
    webhooks_delivered(stripe_fake)

    assert "Mastercard ending in 5454" in text_of(client.get("/billing/"))


def test_cancelling_in_the_portal_shows_the_end_date_once_its_webhook_arrives(client, in_auckland, stripe_fake):
    stripe_fake.checkout_complete(checkout_started(client, in_auckland))
    webhooks_delivered(stripe_fake)
    subscription_id = selectors.subscription_current(in_auckland).id
    period_end_set(stripe_fake, subscription_id, datetime(2027, 4, 4, 12, 30, tzinfo=UTC))

    # What the Portal's "Cancel plan" does at Stripe.
    stripe.Subscription.modify(subscription_id, cancel_at_period_end=True, api_key=stripe_fake.api_key)
    webhooks_delivered(stripe_fake)

    text = text_of(client.get("/billing/"))
    assert "Cancelling on 5 April 2027: Premium stays until then." in text
    assert "Resume Premium" in text
    assert selectors.entitlement(in_auckland).premium


def test_a_payment_stripe_gives_up_on_ends_premium_and_its_banner(client, listener, stripe_fake):
    stripe_fake.checkout_complete(checkout_started(client, listener))
    webhooks_delivered(stripe_fake)
    subscription_id = selectors.subscription_current(listener).id
    stripe_fake.payment_fail(subscription_id)
    webhooks_delivered(stripe_fake)
    assert 'id="payment-failed"' in client.get("/").content.decode()

    stripe_fake.retries_exhausted(subscription_id)
    webhooks_delivered(stripe_fake)

    text = text_of(client.get("/billing/"))
    assert "Plan Free" in text and "5 of 5 free recommended songs left" in text
    assert 'id="payment-failed"' not in client.get("/").content.decode()
    now = selectors.entitlement(listener)
    assert (now.premium, now.status, now.payment_failed) == (False, "ended", False)


def test_the_banner_goes_when_premium_has_ended_though_stripe_still_says_past_due(client, listener, stripe_fake):
    subscription = premium_through_checkout(client, listener, stripe_fake)
    stripe_fake.payment_fail(subscription.id)
    # Stripe's webhook saying it gave up never came: the period it retried for ended over three days ago.
    period_end_set(stripe_fake, subscription.id, datetime.now(UTC) - timedelta(days=4))
    subscription_synced(stripe_fake, subscription.id)

    home = client.get("/").content.decode()
    text = text_of(client.get("/billing/"))

    assert 'id="payment-failed"' not in home
    assert "Plan Free" in text and "Payment failed" not in text
