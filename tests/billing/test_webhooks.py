"""Stripe's webhooks at /billing/webhook/: Stripe's own event payloads (../shared/fixtures/stripe/ and the ones the
fake Stripe sends), signed as Stripe signs them, sent through Django's test client and real servers; the objects
they name are read back from the fake Stripe."""

import asyncio
import json
import threading
import time
import urllib.request
from datetime import UTC, datetime

import pytest
import stripe
import websockets
from django.conf import settings as django_settings
from djstripe.models import Customer, Invoice, Subscription

from billing.models import WebhookReceipt
from billing.selectors import entitlement
from tests.conftest import session_key_for
from tests.factories import UserFactory
from tests.fakes import fixture_json
SECRET = "whsec_test_secret_for_webhooks"
URL = "/billing/webhook/"


def fixture_event(name: str, **changes) -> dict:
    return fixture_json(f"stripe/srm__{name}.json") | changes


def signed(event: dict, *, secret: str = SECRET, timestamp: int | None = None) -> tuple[bytes, str]:
    """The body and Stripe-Signature header, as Stripe makes them (t=<unix time>,v1=<HMAC-SHA256 of "t.body">)."""
    body = json.dumps(event).encode()
    return body, stripe.WebhookSignature.generate_signature_header(body.decode(), secret, timestamp=timestamp)


def deliver(client, event: dict, **signing):
    body, signature = signed(event, **signing)
    return client.post(URL, body, content_type="application/json", headers={"Stripe-Signature": signature})


@pytest.fixture(autouse=True)
def _webhook_secret(settings):
    settings.STRIPE_WEBHOOK_SECRET = SECRET


# --- what Stripe did not sign is refused, and nothing of it kept ---------------------------------
@pytest.mark.parametrize("signing", [
    {"secret": "whsec_someone_elses"},
    {"timestamp": int(time.time()) - 3600},  # a captured delivery replayed an hour later
], ids=["wrong secret", "too old"])
def test_a_badly_signed_event_is_refused_and_nothing_is_stored(client, db, signing):
    response = deliver(client, fixture_event("customer.subscription.updated"), **signing)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_webhook"
    assert "signature" in response.json()["error"]["message"].lower()
    assert not WebhookReceipt.objects.exists()


def test_an_event_without_a_signature_is_refused_and_nothing_is_stored(client, db):
    response = client.post(URL, json.dumps(fixture_event("customer.deleted")), content_type="application/json")

    assert response.status_code == 400
    assert set(response.json()["error"]) == {"code", "message", "fields"}
    assert not WebhookReceipt.objects.exists()


def test_a_body_changed_after_signing_is_refused(client, db):
    body, signature = signed(fixture_event("invoice.paid"))
    forged = body.replace(b'"paid"', b'"open"', 1)

    response = client.post(URL, forged, content_type="application/json", headers={"Stripe-Signature": signature})

    assert response.status_code == 400
    assert not WebhookReceipt.objects.exists()


@pytest.mark.parametrize("body", [b"not json", b"[1, 2]", b'{"id": "evt_1", "type": "invoice.paid"}'],
                         ids=["not json", "a list", "no data"])
def test_a_signed_body_that_is_no_event_is_a_clear_400(client, db, body):
    signature = stripe.WebhookSignature.generate_signature_header(body.decode(), SECRET)

    response = client.post(URL, body, content_type="application/json", headers={"Stripe-Signature": signature})

    assert response.status_code == 400
    assert response.json()["error"]["message"]
    assert not WebhookReceipt.objects.exists()


def test_the_webhook_takes_posts_only(client, db):
    assert client.get(URL).status_code == 405


# --- accepted events are recorded once ----------------------------------------------------------------
def test_an_unknown_event_type_is_accepted_and_recorded_as_ignored(client, db):
    event = fixture_event("payment_intent.succeeded", id="evt_unknown_type_1")

    response = deliver(client, event)

    assert response.status_code == 200
    receipt = WebhookReceipt.objects.get()
    assert (receipt.event_id, receipt.type, receipt.outcome) == ("evt_unknown_type_1", "payment_intent.succeeded",
                                                                "ignored")
    assert receipt.api_version == "2020-08-27"


def test_an_upcoming_invoice_has_no_id_and_is_recorded_with_nothing_synced(client, db):
    # This payload, like some Stripe sends, names no API version at all.
    event = fixture_event("invoice.upcoming", id="evt_upcoming_1")
    assert "api_version" not in event

    response = deliver(client, event)

    assert response.status_code == 200
    receipt = WebhookReceipt.objects.get()
    assert (receipt.outcome, receipt.object_id, receipt.customer_id, receipt.api_version) == (
        "processed", "", "cus_00000000000000", "")


def test_a_replayed_event_is_counted_not_applied_again(client, db):
    event = fixture_event("payment_intent.succeeded", id="evt_replayed_1")

    answers = [deliver(client, event).status_code for _ in range(3)]

    assert answers == [200, 200, 200]
    receipt = WebhookReceipt.objects.get()
    assert (receipt.deliveries, receipt.outcome) == (3, "ignored")


# --- with the fake Stripe: events applied by reading their objects back ---------------------------------
@pytest.fixture
def fake(stripe_fake):
    """The fake Stripe; its fixture sets our webhook secret to the one it signs with."""
    return stripe_fake


def send(client, fake, event: dict):
    body, signature = fake.event_signed(event)
    return client.post(URL, body, content_type="application/json", headers={"Stripe-Signature": signature})


def events_of(fake, event_type: str) -> list[dict]:
    """The events of `event_type` the fake Stripe holds, as its JSON had them, oldest first (GET /v1/events lists
    the newest first)."""
    listed = stripe.Event.list(type=event_type, limit=100, api_key=fake.api_key)
    return list(reversed(listed.last_response.data["data"]))


def checkout_paid(fake, user, *, trial_days: int = 0, with_reference: bool = True) -> dict:
    """The listener pays a Checkout session made as the billing pages make it: their own customer, their id as the
    client reference and in the metadata. The fake keeps the events Stripe would send; the test delivers them."""
    customer = stripe.Customer.create(email=user.email, metadata={"user_id": str(user.pk)}, api_key=fake.api_key)
    reference = {"client_reference_id": str(user.pk)} if with_reference else {}
    session = stripe.checkout.Session.create(
        mode="subscription", customer=customer.id, **reference,
        metadata={"user_id": str(user.pk)}, line_items=[{"price": fake.monthly["id"], "quantity": 1}],
        subscription_data={"trial_period_days": trial_days} if trial_days else {},
        success_url="http://testserver/billing/checkout/success/?session_id={CHECKOUT_SESSION_ID}",
        api_key=fake.api_key)
    fake.checkout_complete(session.id)
    return {event_type: events_of(fake, event_type)[-1]
            for event_type in ("checkout.session.completed", "customer.subscription.created", "invoice.paid")}


def premium_now(client, fake, user) -> dict:
    events = checkout_paid(fake, user)
    for event in events.values():
        assert send(client, fake, event).status_code == 200
    return events


def test_a_paid_checkout_makes_the_listener_premium_with_their_customer_linked(client, fake, listener):
    assert entitlement(listener).premium is False

    events = premium_now(client, fake, listener)

    now = entitlement(listener)
    assert (now.premium, now.status, now.payment_failed, now.free_songs_remaining) == (True, "active", False, None)
    subscription_id = events["customer.subscription.created"]["data"]["object"]["id"]
    assert Customer.objects.get(subscriber=listener).id == events["checkout.session.completed"]["data"]["object"][
        "customer"]
    assert Subscription.objects.get(id=subscription_id).customer.subscriber == listener
    assert Invoice.objects.get(id=events["invoice.paid"]["data"]["object"]["id"]).stripe_data["status"] == "paid"
    assert list(WebhookReceipt.objects.order_by("received_at").values_list("type", "outcome")) == [
        ("checkout.session.completed", "processed"), ("customer.subscription.created", "processed"),
        ("invoice.paid", "processed")]


def test_a_checkout_without_a_client_reference_is_linked_by_its_metadata(client, fake, listener):
    events = checkout_paid(fake, listener, with_reference=False)

    for event in events.values():
        assert send(client, fake, event).status_code == 200

    assert events["checkout.session.completed"]["data"]["object"]["client_reference_id"] is None
    assert entitlement(listener).premium is True


def test_the_checkout_event_arriving_last_still_makes_the_listener_premium(client, fake, listener):
    events = checkout_paid(fake, listener)

    for event_type in ("invoice.paid", "customer.subscription.created", "checkout.session.completed"):
        assert send(client, fake, events[event_type]).status_code == 200

    assert entitlement(listener).premium is True


def test_an_event_delivered_three_times_is_applied_once(client, fake, listener):
    events = premium_now(client, fake, listener)
    fake.payment_fail(events["customer.subscription.created"]["data"]["object"]["id"])
    updated = events_of(fake, "customer.subscription.updated")[-1]
    fake.requests.clear()

    answers = [send(client, fake, updated).status_code for _ in range(3)]

    assert answers == [200, 200, 200]
    receipt = WebhookReceipt.objects.get(event_id=updated["id"])
    assert (receipt.deliveries, receipt.outcome) == (3, "processed")
    assert entitlement(listener).status == "past_due"
    # The subscription was read from Stripe for the first delivery only.
    assert [path for _, path, _ in fake.requests if path.startswith("/v1/subscriptions/")] == [
        f"/v1/subscriptions/{updated['data']['object']['id']}"]


def test_an_update_delivered_before_the_creation_leaves_the_newest_state(client, fake, listener):
    events = checkout_paid(fake, listener)
    subscription_id = events["customer.subscription.created"]["data"]["object"]["id"]
    fake.payment_fail(subscription_id)
    updated = events_of(fake, "customer.subscription.updated")[-1]

    for event in (updated, events["customer.subscription.created"], events["checkout.session.completed"]):
        assert send(client, fake, event).status_code == 200

    # The creation's payload says "active"; Stripe says past_due now, and that is what we keep.
    assert events["customer.subscription.created"]["data"]["object"]["status"] == "active"
    assert Subscription.objects.get(id=subscription_id).stripe_data["status"] == "past_due"
    assert entitlement(listener).status == "past_due"


def test_an_old_update_arriving_after_a_newer_one_changes_nothing(client, fake, listener):
    events = premium_now(client, fake, listener)
    subscription = events["customer.subscription.created"]["data"]["object"]
    fake.payment_fail(subscription["id"])
    send(client, fake, events_of(fake, "customer.subscription.updated")[-1])
    # Stripe's own recorded event from 2022 (API version 2020-08-27), about this subscription: it says "active".
    old = fixture_event("customer.subscription.updated", id="evt_old_update_1")
    old["data"]["object"] |= {"id": subscription["id"], "customer": subscription["customer"]}

    response = send(client, fake, old)

    assert response.status_code == 200
    assert WebhookReceipt.objects.get(event_id="evt_old_update_1").outcome == "stale"
    assert Subscription.objects.get(id=subscription["id"]).stripe_data["status"] == "past_due"
    assert entitlement(listener).status == "past_due"


def test_a_payload_from_an_older_api_version_is_applied_by_reading_the_object_now(client, fake, listener):
    events = checkout_paid(fake, listener)
    send(client, fake, events["checkout.session.completed"])
    invoice = events["invoice.paid"]["data"]["object"]
    # Stripe's recorded invoice.paid of API version 2020-08-27: the subscription at the top, no `parent`.
    old = fixture_event("invoice.paid", id="evt_old_version_1")
    old["data"]["object"] |= {"id": invoice["id"], "customer": invoice["customer"],
                              "subscription": invoice["parent"]["subscription_details"]["subscription"]}
    assert old["api_version"] == "2020-08-27" and "parent" not in old["data"]["object"]

    response = send(client, fake, old)

    assert response.status_code == 200
    receipt = WebhookReceipt.objects.get(event_id="evt_old_version_1")
    assert (receipt.outcome, receipt.api_version) == ("processed", "2020-08-27")
    assert Invoice.objects.get(id=invoice["id"]).stripe_data["number"] == invoice["number"]
    assert entitlement(listener).premium is True


def test_a_failed_payment_keeps_premium_while_stripe_retries_and_says_so(client, fake, listener):
    events = premium_now(client, fake, listener)
    invoice = fake.payment_fail(events["customer.subscription.created"]["data"]["object"]["id"])

    # Only the invoice's event arrives (yet): the subscription is read along with it.
    response = send(client, fake, events_of(fake, "invoice.payment_failed")[-1])

    assert response.status_code == 200
    now = entitlement(listener)
    assert (now.premium, now.status, now.payment_failed) == (True, "past_due", True)
    assert Invoice.objects.get(id=invoice["id"]).stripe_data["status"] == "open"


def test_a_deleted_subscription_makes_the_listener_free(client, fake, listener):
    events = premium_now(client, fake, listener)
    fake.subscription_end(events["customer.subscription.created"]["data"]["object"]["id"])

    response = send(client, fake, events_of(fake, "customer.subscription.deleted")[-1])

    assert response.status_code == 200
    now = entitlement(listener)
    assert (now.premium, now.status, now.free_songs_remaining) == (False, "ended", 5)


def test_a_deleted_customer_makes_the_listener_free_again(client, fake, listener):
    events = premium_now(client, fake, listener)
    customer_id = events["checkout.session.completed"]["data"]["object"]["customer"]
    fake.customer_delete(customer_id)
    fake.requests.clear()

    response = send(client, fake, events_of(fake, "customer.deleted")[-1])

    assert response.status_code == 200
    now = entitlement(listener)
    assert (now.premium, now.status) == (False, "free")
    customer = Customer.objects.get(id=customer_id)
    assert customer.subscriber is None and customer.date_purged is not None
    # Stripe was only read: the customer is deleted already, and a webhook handler changes nothing at Stripe.
    assert not [request for request in fake.requests if request[0] != "GET" and request[1].startswith("/v1/")]


def test_a_customer_deleted_event_for_a_customer_stripe_still_has_changes_nothing(client, fake, listener):
    events = premium_now(client, fake, listener)
    customer_id = events["checkout.session.completed"]["data"]["object"]["customer"]
    # Stripe's recorded event, about this listener's customer, which Stripe has not deleted.
    forged = fixture_event("customer.deleted", id="evt_not_deleted_1")
    forged["data"]["object"] |= {"id": customer_id}

    response = send(client, fake, forged)

    assert response.status_code == 200
    assert Customer.objects.get(id=customer_id).subscriber == listener
    assert entitlement(listener).premium is True
    assert not fake.objects[customer_id].get("deleted")


def test_an_event_about_an_object_stripe_no_longer_has_removes_our_copy(client, fake, listener):
    customer = Customer.objects.create(id="cus_00000000000000", subscriber=listener, livemode=False)
    Subscription.objects.create(id="sub_000000000000000000000000", customer=customer, livemode=False,
                                stripe_data={"status": "active"})
    # Stripe's recorded event about a subscription the fake Stripe has never heard of.
    event = fixture_event("customer.subscription.updated", id="evt_gone_1")

    response = send(client, fake, event)

    assert response.status_code == 200
    assert WebhookReceipt.objects.get(event_id="evt_gone_1").outcome == "processed"
    assert not Subscription.objects.filter(id="sub_000000000000000000000000").exists()
    assert entitlement(listener).premium is False


def test_an_event_that_fails_is_answered_500_and_applied_when_stripe_sends_it_again(client, fake, listener):
    events = checkout_paid(fake, listener)
    send(client, fake, events["checkout.session.completed"])
    created = events["customer.subscription.created"]
    fake.fail(500, path="/v1/subscriptions/", times=3)

    first = send(client, fake, created)

    assert first.status_code == 500
    receipt = WebhookReceipt.objects.get(event_id=created["id"])
    assert receipt.outcome == "failed" and "connection to Stripe" in receipt.detail

    fake.faults.clear()
    again = send(client, fake, created)

    assert again.status_code == 200
    receipt.refresh_from_db()
    assert (receipt.outcome, receipt.deliveries, receipt.detail) == ("processed", 2, "")
    assert entitlement(listener).premium is True


def test_a_checkout_for_a_customer_of_another_listener_fails_and_links_nothing(client, fake, listener,
                                                                                other_listener):
    events = checkout_paid(fake, listener)
    session = events["checkout.session.completed"]
    Customer.objects.create(id=session["data"]["object"]["customer"], subscriber=other_listener, livemode=False)

    response = send(client, fake, session)

    assert response.status_code == 500
    assert "belongs to listener" in WebhookReceipt.objects.get(event_id=session["id"]).detail
    assert Customer.objects.get(id=session["data"]["object"]["customer"]).subscriber == other_listener


# --- through real servers ----------------------------------------------------------------------------
@pytest.mark.django_db(transaction=True)
def test_the_same_event_delivered_five_times_at_once_is_recorded_once(fake, listener, live_server):
    events = checkout_paid(fake, listener)
    body, signature = fake.event_signed(events["customer.subscription.created"])
    answers = []

    def deliver_once():
        request = urllib.request.Request(live_server.url + URL, data=body, method="POST",
                                         headers={"Stripe-Signature": signature, "Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as response:
            answers.append(response.status)

    threads = [threading.Thread(target=deliver_once) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert answers == [200] * 5
    receipt = WebhookReceipt.objects.get()
    assert (receipt.deliveries, receipt.outcome) == (5, "processed")


@pytest.mark.django_db(transaction=True)
def test_a_listeners_open_page_hears_premium_arrive_and_the_trial_ending(fake, daphne_server):
    listener = UserFactory(time_zone="Pacific/Auckland")
    other = UserFactory()
    fake.webhook_url = f"http://{daphne_server}{URL}"
    headers = {"Cookie": f"{django_settings.SESSION_COOKIE_NAME}={session_key_for(listener)}"}
    theirs = {"Cookie": f"{django_settings.SESSION_COOKIE_NAME}={session_key_for(other)}"}

    async def heard() -> tuple[list[dict], list[dict]]:
        async with (websockets.connect(f"ws://{daphne_server}/ws/notifications/", additional_headers=headers,
                                       origin=f"http://{daphne_server}") as mine,
                    websockets.connect(f"ws://{daphne_server}/ws/notifications/", additional_headers=theirs,
                                       origin=f"http://{daphne_server}") as other_page):
            assert json.loads(await mine.recv())["type"] == "ready"
            assert json.loads(await other_page.recv())["type"] == "ready"
            events = await asyncio.to_thread(checkout_paid, fake, listener, trial_days=14)
            subscription_id = events["customer.subscription.created"]["data"]["object"]["id"]
            # The trial ends at 12:30 UTC on 3 April 2027: already the 4th in Auckland (NZDT, +13, an hour and
            # a half before its clocks go back).
            fake.objects[subscription_id]["trial_end"] = int(datetime(2027, 4, 3, 12, 30, tzinfo=UTC).timestamp())
            await asyncio.to_thread(fake.trial_will_end, subscription_id)
            messages = []
            while not any(message.get("kind") == "billing.trial_will_end" for message in messages):
                messages.append(json.loads(await asyncio.wait_for(mine.recv(), 20)))
            others = []
            try:
                others.append(json.loads(await asyncio.wait_for(other_page.recv(), 1)))
            except TimeoutError:
                pass
            return messages, others

    messages, others = asyncio.run(heard())

    assert {status for _, _, status in fake.deliveries} == {200}
    assert {event_type for _, event_type, _ in fake.deliveries} >= {
        "checkout.session.completed", "customer.subscription.created", "invoice.paid",
        "customer.subscription.trial_will_end"}
    assert {"type": "billing.updated", "premium": True, "status": "trialing"} in messages
    notice = next(message for message in messages if message.get("kind") == "billing.trial_will_end")
    assert notice["type"] == "notify" and "Your Premium trial ends on 4 April 2027." in notice["message"]
    assert notice["url"].endswith("/billing/")
    assert others == []
