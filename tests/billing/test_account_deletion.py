"""Deleting an account ends the listener's Stripe subscriptions first (billing/services.py
subscriptions_end_for_deletion, registered with accounts.hooks): nobody is charged for an account that is gone."""

from djstripe.models import Customer

from accounts.models import User
from tests.billing.test_checkout import premium_through_checkout, stripe_requests
from tests.billing.test_page import text_of
from tests.conftest import client_for
from tests.factories import PASSWORD

DELETE = {"password": PASSWORD, "confirm": "DELETE"}


def test_deleting_a_premium_account_cancels_the_subscription_at_stripe_now(client, listener, stripe_fake):
    subscription = premium_through_checkout(client, listener, stripe_fake)

    response = client.post("/profile/delete/", DELETE, follow=True)

    assert "Your account and all your data are deleted" in response.content.decode()
    assert not User.objects.filter(pk=listener.pk).exists()
    ended = stripe_fake.objects[subscription.id]
    assert ended["status"] == "canceled" and ended["ended_at"]
    assert stripe_requests(stripe_fake, "DELETE", f"/v1/subscriptions/{subscription.id}")


def test_with_stripe_unreachable_the_account_stays_and_the_listener_is_told(client, listener, stripe_fake):
    subscription = premium_through_checkout(client, listener, stripe_fake)
    stripe_fake.fail(429, times=2, path="/v1/subscriptions")

    response = client.post("/profile/delete/", DELETE)

    assert response.status_code == 503
    assert "Stripe is busy or cannot be reached just now. Nothing changed" in text_of(response)
    assert User.objects.filter(pk=listener.pk).exists()
    assert Customer.objects.get().subscriber == listener
    assert stripe_fake.objects[subscription.id]["status"] == "active"
    assert client.get("/profile/").status_code == 200  # still signed in


def test_deleting_an_account_that_never_checked_out_asks_stripe_nothing(client, listener, stripe_fake):
    client_for(client, listener)

    client.post("/profile/delete/", DELETE)

    assert not User.objects.filter(pk=listener.pk).exists()
    assert not stripe_fake.requests
