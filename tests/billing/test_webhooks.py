"""Stripe's webhooks at /billing/webhook/: Stripe's own event payloads (../shared/fixtures/stripe/), signed as Stripe
signs them, sent through Django's test client and a real server; the objects they name are read back from the fake
Stripe."""

import json
import time

import pytest
import stripe

from billing.models import WebhookReceipt
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
