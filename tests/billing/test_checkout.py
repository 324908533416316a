"""Upgrading to Premium (billing/services.py checkout_session_create, billing/views.py upgrade): one Stripe customer
per listener however they click, the Checkout session Stripe is asked for, and Stripe's failures told plainly."""

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import parse_qs, urlsplit

import pytest
import stripe
from django.db import connection
from django.test import Client
from djstripe.models import Customer, Price, Subscription

from billing import selectors, services
from billing.models import WebhookReceipt
from rewrapped.api import ApplicationError
from tests.conftest import client_for
from tests.fakes.stripe import StripeError


# --- helpers the other billing tests share ----------------------------------------------------------------
def prices_synced(fake) -> None:
    """Premium's prices, synced from Stripe into dj-stripe as `manage.py billing_sync` does."""
    for price in (fake.monthly, fake.yearly):
        Price.sync_from_stripe_data(stripe.Price.retrieve(price["id"], api_key=fake.api_key), api_key=fake.api_key)


def subscription_synced(fake, subscription_id: str) -> Subscription:
    """What Stripe's webhook leaves in dj-stripe: the subscription as Stripe has it now."""
    return Subscription.sync_from_stripe_data(stripe.Subscription.retrieve(subscription_id, api_key=fake.api_key),
                                              api_key=fake.api_key)


def checkout_started(client, user, choice: str = "monthly") -> str:
    """The listener picks a price on the upgrade page; the id of the Checkout session they are sent to."""
    client_for(client, user)
    response = client.post("/billing/upgrade/", {"price": choice})
    assert response.status_code == 303, response.content.decode()
    return response["Location"].rsplit("/", 1)[1]


def premium_through_checkout(client, user, fake, choice: str = "monthly", **card) -> Subscription:
    """The listener upgrades and pays on Stripe's page; Stripe's subscription synced as its webhook would."""
    session = fake.checkout_complete(checkout_started(client, user, choice), **card)
    return subscription_synced(fake, session["subscription"])


def webhooks_delivered(fake) -> None:
    """Stripe's webhooks for what happened at Stripe and was not yet delivered, sent to /billing/webhook/ signed
    and in Stripe's order, as Stripe sends them."""
    received = set(WebhookReceipt.objects.values_list("event_id", flat=True))
    events = [obj for obj in list(fake.objects.values()) if obj["object"] == "event" and obj["id"] not in received]
    for event in events:
        body, signature = fake.event_signed(event)
        response = Client().post("/billing/webhook/", body, content_type="application/json",
                                 headers={"Stripe-Signature": signature})
        assert response.status_code == 200, response.content.decode()


def stripe_requests(fake, method: str, path: str) -> list[dict]:
    return [params for sent, at, params in fake.requests if (sent, at) == (method, path)]


# --- one customer per listener --------------------------------------------------------------------------
def test_upgrading_sends_the_listener_to_checkout_as_stripes_customer_linked_to_them(client, listener, stripe_fake):
    session_id = checkout_started(client, listener, "yearly")

    session = stripe_fake.objects[session_id]
    customer = Customer.objects.get()
    assert customer.subscriber == listener
    assert session["customer"] == customer.id
    assert stripe_fake.objects[customer.id]["metadata"]["user_id"] == str(listener.pk)
    assert stripe_fake.objects[customer.id]["email"] == "listener@example.com"
    created = stripe_requests(stripe_fake, "POST", "/v1/checkout/sessions")[0]
    assert created["mode"] == "subscription"
    assert created["line_items"] == [{"price": stripe_fake.yearly["id"], "quantity": "1"}]
    assert created["client_reference_id"] == str(listener.pk)
    assert created["allow_promotion_codes"] == "true"
    assert "trial_period_days" not in created.get("subscription_data", {})
    success = urlsplit(created["success_url"])
    assert success.path == "/billing/checkout/success/"
    assert parse_qs(success.query) == {"session_id": ["{CHECKOUT_SESSION_ID}"]}
    assert urlsplit(created["cancel_url"]).path == "/billing/checkout/cancel/"


def test_a_second_click_reuses_the_listeners_customer(client, listener, stripe_fake):
    first = checkout_started(client, listener)
    second = checkout_started(client, listener, "yearly")

    assert first != second
    assert Customer.objects.filter(subscriber=listener).count() == 1
    assert len(stripe_requests(stripe_fake, "POST", "/v1/customers")) == 1
    assert stripe_fake.objects[first]["customer"] == stripe_fake.objects[second]["customer"]


@pytest.mark.django_db(transaction=True)
def test_two_checkouts_at_once_make_one_customer(listener, stripe_fake):
    clients = [client_for(Client(), listener) for _ in range(2)]
    answers = []
    start = threading.Barrier(2)

    def upgrade(client):
        start.wait()
        try:
            answers.append(client.post("/billing/upgrade/", {"price": "monthly"}).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=upgrade, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert answers == [303, 303]
    assert Customer.objects.filter(subscriber=listener).count() == 1
    customers = {params["customer"] for params in stripe_requests(stripe_fake, "POST", "/v1/checkout/sessions")}
    assert customers == {Customer.objects.get().id}
    assert len([obj for obj in stripe_fake.objects.values() if obj["object"] == "customer"]) == 1


def test_listeners_never_share_a_customer(client, listener, other_listener, stripe_fake):
    checkout_started(client, listener)
    checkout_started(Client(), other_listener)

    assert Customer.objects.get(subscriber=listener).id != Customer.objects.get(subscriber=other_listener).id


def test_a_spotify_guest_without_email_can_upgrade(client, guest, stripe_fake):
    checkout_started(client, guest)

    customer = Customer.objects.get(subscriber=guest)
    assert stripe_fake.objects[customer.id]["email"] is None


# --- trials and who may check out ----------------------------------------------------------------------------
def test_a_first_subscription_gets_the_trial_days_set(client, listener, stripe_fake, settings):
    settings.STRIPE_TRIAL_DAYS = 14

    premium_through_checkout(client, listener, stripe_fake)

    created = stripe_requests(stripe_fake, "POST", "/v1/checkout/sessions")[0]
    assert created["subscription_data"]["trial_period_days"] == "14"
    assert selectors.entitlement(listener).status == "trialing"


def test_a_listener_who_had_premium_before_gets_no_second_trial(client, listener, stripe_fake, settings):
    settings.STRIPE_TRIAL_DAYS = 14
    subscription = premium_through_checkout(client, listener, stripe_fake)
    stripe_fake.subscription_end(subscription.id)
    subscription_synced(stripe_fake, subscription.id)

    checkout_started(client, listener)

    again = stripe_requests(stripe_fake, "POST", "/v1/checkout/sessions")[1]
    assert "trial_period_days" not in again.get("subscription_data", {})


def test_a_new_checkout_expires_the_listeners_open_one_so_both_cannot_be_paid(client, listener, stripe_fake):
    first = checkout_started(client, listener)

    second = checkout_started(client, listener, "yearly")

    assert stripe_fake.objects[first]["status"] == "expired"
    assert stripe_fake.objects[second]["status"] == "open"
    with pytest.raises(StripeError, match="This Checkout session is expired"):
        stripe_fake.checkout_complete(first)
    assert not [obj for obj in stripe_fake.objects.values() if obj["object"] == "subscription"]


def test_a_subscription_stripe_has_but_whose_webhook_has_not_come_is_not_bought_twice(client, listener, stripe_fake):
    stripe_fake.checkout_complete(checkout_started(client, listener))  # paid; no webhook delivered yet

    response = client.post("/billing/upgrade/", {"price": "monthly"})

    assert response.status_code == 409
    assert "Stripe already has a Premium subscription of yours" in response.content.decode()
    assert len(stripe_requests(stripe_fake, "POST", "/v1/checkout/sessions")) == 1


def test_a_listener_stripe_knows_had_premium_gets_no_second_trial_even_unsynced(client, listener, stripe_fake,
                                                                                settings):
    session = stripe_fake.checkout_complete(checkout_started(client, listener))
    stripe_fake.subscription_end(session["subscription"])  # neither event was delivered
    settings.STRIPE_TRIAL_DAYS = 14

    checkout_started(client, listener)

    again = stripe_requests(stripe_fake, "POST", "/v1/checkout/sessions")[1]
    assert "trial_period_days" not in again.get("subscription_data", {})


def test_a_listener_whose_customer_was_deleted_at_stripe_can_subscribe_again(client, listener, stripe_fake):
    stripe_fake.checkout_complete(checkout_started(client, listener))
    webhooks_delivered(stripe_fake)
    old = Customer.objects.get()
    stripe_fake.customer_delete(old.id)
    webhooks_delivered(stripe_fake)

    response = client.post("/billing/upgrade/", {"price": "monthly"})

    assert response.status_code == 303
    new = selectors.customer_of(listener)
    assert new.id != old.id and not stripe_fake.objects[new.id].get("deleted")
    assert stripe_fake.objects[response["Location"].rsplit("/", 1)[1]]["customer"] == new.id


def test_a_premium_listener_is_not_sent_to_checkout_again(client, listener, stripe_fake):
    premium_through_checkout(client, listener, stripe_fake)

    response = client.post("/billing/upgrade/", {"price": "monthly"})

    assert response.status_code == 409
    assert "You are Premium already" in response.content.decode()
    assert len(stripe_requests(stripe_fake, "POST", "/v1/checkout/sessions")) == 1


def test_premium_starts_only_when_stripe_says_so_not_on_the_way_back(client, listener, stripe_fake):
    session_id = checkout_started(client, listener)

    response = client.get(f"/billing/checkout/success/?session_id={session_id}")

    assert response.status_code == 200
    assert "Stripe is confirming your payment" in response.content.decode()
    assert not selectors.is_premium(listener)


# --- the upgrade form -----------------------------------------------------------------------------------
def test_the_upgrade_page_offers_monthly_and_yearly_at_stripes_prices(client, listener, stripe_fake):
    prices_synced(stripe_fake)
    client_for(client, listener)

    page = client.get("/billing/upgrade/").content.decode()

    assert "Monthly: 4.99 EUR a month" in page and "Yearly: 49.99 EUR a year" in page
    assert page.count('type="radio" name="price"') == 2 and page.count("required") >= 2
    assert "5 of 5 free recommended songs left" in page


@pytest.mark.parametrize("sent", [{}, {"price": "weekly"}])
def test_an_upgrade_without_a_price_is_a_form_error(client, listener, stripe_fake, sent):
    client_for(client, listener)

    response = client.post("/billing/upgrade/", sent)

    assert response.status_code == 400
    assert "Pick monthly or yearly." in response.content.decode()
    assert not Customer.objects.exists() and not stripe_fake.requests


# --- Stripe failing -------------------------------------------------------------------------------------
@pytest.mark.parametrize(("status", "times", "answer"), [(429, 1, 503), (500, 3, 502)])
def test_stripe_refusing_is_told_plainly_and_nothing_is_kept(client, listener, stripe_fake, status, times, answer):
    stripe_fake.fail(status, times=times, path="/v1/customers")
    client_for(client, listener)

    response = client.post("/billing/upgrade/", {"price": "monthly"})

    assert response.status_code == answer
    page = response.content.decode()
    assert "Nothing changed" in page and "try again" in page
    assert not Customer.objects.exists()


def test_stripe_unreachable_is_a_503_with_a_message_not_a_500(client, listener, stripe_fake, settings):
    with nothing_listening() as url:
        settings.STRIPE_API_BASE = url
        client_for(client, listener)
        response = client.post("/billing/upgrade/", {"price": "monthly"})

    assert response.status_code == 503
    assert "cannot be reached" in response.content.decode()


def test_a_price_not_on_sale_is_refused_with_a_message(listener, stripe_fake, settings):
    settings.STRIPE_PRICE_MONTHLY = "premium_weekly"

    with pytest.raises(ApplicationError) as refused:
        services.checkout_session_create(user=listener, price_key=selectors.premium_lookup_key("monthly"),
                                         success_url="http://testserver/s", cancel_url="http://testserver/c")

    assert (refused.value.status_code, refused.value.code) == (503, "price_unavailable")


def test_stripe_not_answering_is_a_503_after_the_outbound_timeout_and_one_retry(client, listener, stripe_fake,
                                                                               settings):
    with never_answering() as (url, connections):
        settings.OUTBOUND_TIMEOUT_SECONDS = 0.5
        settings.STRIPE_API_BASE = url
        client_for(client, listener)
        response = client.post("/billing/upgrade/", {"price": "monthly"})

    assert response.status_code == 503
    assert "cannot be reached" in response.content.decode()
    assert len(connections) == 2


@contextmanager
def never_answering() -> Iterator[tuple[str, list]]:
    """An address on 127.0.0.1 that takes connections and never answers (a Stripe hanging), and the connections
    it took."""
    connections = []
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        server.settimeout(0.1)
        done = threading.Event()

        def accept() -> None:
            while not done.is_set():
                try:
                    connections.append(server.accept()[0])
                except TimeoutError:
                    continue

        thread = threading.Thread(target=accept)
        thread.start()
        try:
            yield f"http://127.0.0.1:{server.getsockname()[1]}", connections
        finally:
            done.set()
            thread.join()
            for connection_ in connections:
                connection_.close()


@contextmanager
def nothing_listening() -> Iterator[str]:
    """An address on 127.0.0.1 where nothing answers: connecting is refused."""
    with socket.socket() as bound:
        bound.bind(("127.0.0.1", 0))
        yield f"http://127.0.0.1:{bound.getsockname()[1]}"
