"""The fake Stripe speaks Stripe's wire format: stripe-python and dj-stripe, unchanged, work against it, and its
webhooks are signed as Stripe signs them."""

import json
import threading
import urllib.error
import urllib.request
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import stripe
from djstripe import models as djstripe


@pytest.fixture
def api(stripe_fake):
    return stripe.StripeClient(stripe_fake.api_key, base_addresses={"api": stripe_fake.url})


class Receiver:
    """An endpoint on 127.0.0.1 that keeps what is POSTed to it (body and headers) and answers 200."""

    def __init__(self):
        received = self.received = []

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                received.append((self.rfile.read(int(self.headers["Content-Length"])), dict(self.headers)))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/billing/webhook/"

    def types(self) -> list[str]:
        return [json.loads(body)["type"] for body, _ in self.received]


@pytest.fixture
def receiver(stripe_fake):
    receiver = Receiver()
    stripe_fake.webhook_url = receiver.url
    yield receiver
    receiver.server.shutdown()
    receiver.server.server_close()


def checkout(stripe_fake, api, *, price=None, **extra):
    customer = api.v1.customers.create(params={"email": "lena@example.com", "name": "Lena Listener"})
    return api.v1.checkout.sessions.create(params={
        "mode": "subscription", "customer": customer.id, "success_url": "http://127.0.0.1/ok/?id={CHECKOUT_SESSION_ID}",
        "cancel_url": "http://127.0.0.1/cancel/", "line_items": [{"price": price or stripe_fake.monthly["id"],
                                                                  "quantity": 1}], **extra,
    })


def get(url: str) -> tuple[int, bytes, dict]:
    try:
        with urllib.request.urlopen(url) as response:
            return response.status, response.read(), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, error.read(), dict(error.headers)


def test_checkout_pays_into_a_monthly_subscription_with_its_card_and_a_paid_invoice(stripe_fake, api):
    monthly, = api.v1.prices.list(params={"lookup_keys": ["premium_monthly"], "expand": ["data.product"]}).data
    session = checkout(stripe_fake, api, price=monthly.id)
    assert session.url == f"{stripe_fake.url}/pay/{session.id}" and session.status == "open"

    stripe_fake.checkout_complete(session.id, card_brand="mastercard", last4="4444")

    session = api.v1.checkout.sessions.retrieve(session.id)
    assert (session.status, session.payment_status) == ("complete", "paid")
    subscription = api.v1.subscriptions.retrieve(session.subscription, params={"expand": ["default_payment_method"]})
    item = subscription["items"].data[0]
    start = datetime.fromtimestamp(item.current_period_start, UTC)
    end = datetime.fromtimestamp(item.current_period_end, UTC)
    assert subscription.status == "active" and subscription.customer == session.customer
    assert (end.month - start.month) % 12 == 1 and item.price.unit_amount == 499 and monthly.product.name
    assert subscription.default_payment_method.card.brand == "mastercard"
    assert subscription.default_payment_method.card.last4 == "4444"
    invoice, = api.v1.invoices.list(params={"customer": session.customer}).data
    assert (invoice.id, invoice.status, invoice.amount_paid, invoice.currency) == (session.invoice, "paid", 499, "eur")
    assert invoice.parent.subscription_details.subscription == subscription.id
    assert get(invoice.hosted_invoice_url)[0] == 200
    status, pdf, headers = get(invoice.invoice_pdf)
    assert (status, pdf[:5], headers["Content-Type"]) == (200, b"%PDF-", "application/pdf")


def test_a_checkout_with_trial_days_starts_a_trialing_subscription_with_a_zero_invoice(stripe_fake, api):
    session = checkout(stripe_fake, api, price=stripe_fake.yearly["id"], subscription_data={"trial_period_days": 14})

    completed = stripe_fake.checkout_complete(session.id)

    subscription = api.v1.subscriptions.retrieve(completed["subscription"])
    assert subscription.status == "trialing" and subscription.trial_end - subscription.trial_start == 14 * 86400
    assert subscription["items"].data[0].current_period_end == subscription.trial_end
    assert completed["payment_status"] == "no_payment_required"
    assert api.v1.invoices.retrieve(completed["invoice"]).amount_paid == 0


def test_its_webhooks_arrive_in_stripes_order_signed_as_stripe_signs_them(stripe_fake, api, receiver):
    session = checkout(stripe_fake, api)

    stripe_fake.checkout_complete(session.id)

    assert receiver.types() == ["customer.created", "checkout.session.completed", "customer.subscription.created",
                                "invoice.paid"]
    for body, headers in receiver.received:
        event = stripe.Webhook.construct_event(body.decode(), headers["Stripe-Signature"], stripe_fake.webhook_secret)
        assert event.api_version == stripe.api_version
        with pytest.raises(stripe.SignatureVerificationError):
            stripe.Webhook.construct_event(body.decode(), headers["Stripe-Signature"], "whsec_someone_else")
    listed = api.v1.events.list(params={"type": "invoice.paid"}).data
    assert [event.id for event in listed] == [json.loads(receiver.received[-1][0])["id"]]


def test_a_signed_event_is_verified_by_stripe_python_and_an_old_one_is_refused(stripe_fake):
    event = {"id": "evt_1", "object": "event", "type": "customer.deleted", "data": {"object": {"id": "cus_1"}}}

    body, signature = stripe_fake.event_signed(event)
    old_body, old_signature = stripe_fake.event_signed(event, timestamp=int(datetime.now(UTC).timestamp()) - 3600)

    assert stripe.Webhook.construct_event(body, signature, stripe_fake.webhook_secret).id == "evt_1"
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(old_body, old_signature, stripe_fake.webhook_secret, tolerance=300)


def test_a_failed_renewal_is_past_due_until_paid_and_the_subscription_then_ends(stripe_fake, api, receiver):
    subscription_id = stripe_fake.checkout_complete(checkout(stripe_fake, api).id)["subscription"]
    first_end = api.v1.subscriptions.retrieve(subscription_id)["items"].data[0].current_period_end
    receiver.received.clear()

    failed = stripe_fake.payment_fail(subscription_id)
    subscription = api.v1.subscriptions.retrieve(subscription_id)
    assert subscription.status == "past_due" and subscription.latest_invoice == failed["id"]
    assert subscription["items"].data[0].current_period_start == first_end
    assert api.v1.invoices.retrieve(failed["id"]).status == "open"

    stripe_fake.renew(subscription_id)
    assert api.v1.subscriptions.retrieve(subscription_id).status == "active"
    assert api.v1.invoices.retrieve(failed["id"]).status == "paid"

    stripe_fake.subscription_end(subscription_id)
    assert api.v1.subscriptions.retrieve(subscription_id).status == "canceled"
    assert receiver.types() == ["invoice.payment_failed", "customer.subscription.updated",
                                "customer.subscription.updated", "invoice.paid", "customer.subscription.deleted"]
    assert api.v1.subscriptions.list().data == []  # Stripe lists canceled ones only when asked
    assert [s.id for s in api.v1.subscriptions.list(params={"status": "all"}).data] == [subscription_id]


def test_dj_stripe_syncs_every_kind_of_object_the_fake_serves(db, stripe_fake, api):
    completed = stripe_fake.checkout_complete(checkout(stripe_fake, api).id)
    stripe_fake.payment_fail(completed["subscription"])
    key = stripe_fake.api_key

    subscription = djstripe.Subscription.sync_from_stripe_data(
        api.v1.subscriptions.retrieve(completed["subscription"]), api_key=key)
    customer = djstripe.Customer.sync_from_stripe_data(api.v1.customers.retrieve(completed["customer"]), api_key=key)
    invoices = [djstripe.Invoice.sync_from_stripe_data(invoice, api_key=key)
                for invoice in api.v1.invoices.list(params={"customer": completed["customer"]}).data]
    method = djstripe.PaymentMethod.sync_from_stripe_data(
        api.v1.payment_methods.retrieve(customer.stripe_data["invoice_settings"]["default_payment_method"]),
        api_key=key)
    prices = [djstripe.Price.sync_from_stripe_data(price, api_key=key) for price in api.v1.prices.list().data]
    session = djstripe.Session.sync_from_stripe_data(api.v1.checkout.sessions.retrieve(completed["id"]), api_key=key)

    assert subscription.stripe_data["status"] == "past_due" and subscription.customer == customer
    assert customer.email == "lena@example.com" and session.customer == customer
    # A dahlia invoice names its subscription under `parent` only, so dj-stripe 2.11 leaves `Invoice.subscription`
    # empty, as it does with Stripe itself.
    assert [(invoice.stripe_data["status"], invoice.customer) for invoice in invoices] == [
        ("open", customer), ("paid", customer)]
    assert {invoice.stripe_data["parent"]["subscription_details"]["subscription"] for invoice in invoices} == {
        subscription.id}
    assert (method.stripe_data["card"]["last4"], method.customer) == ("4242", customer)
    assert sorted((price.stripe_data["lookup_key"], price.unit_amount, price.product.name) for price in prices) == [
        ("premium_monthly", 499, "Re-Wrapped Premium"), ("premium_yearly", 4999, "Re-Wrapped Premium")]
    assert djstripe.Product.objects.get().stripe_data["default_price"] == stripe_fake.monthly["id"]
