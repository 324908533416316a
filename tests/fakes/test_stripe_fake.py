"""The fake Stripe speaks Stripe's wire format: stripe-python and dj-stripe, unchanged, work against it, and its
webhooks are signed as Stripe signs them."""

import io
import json
import threading
import urllib.error
import urllib.request
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import stripe
from django.core.management import call_command
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
    assert [status for _, _, status in stripe_fake.deliveries] == [200] * 4
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


def test_stripe_marks_a_subscription_unpaid_when_it_gives_up_retrying(stripe_fake, api, receiver):
    subscription_id = stripe_fake.checkout_complete(checkout(stripe_fake, api).id)["subscription"]
    failed = stripe_fake.payment_fail(subscription_id)
    receiver.received.clear()

    stripe_fake.retries_exhausted(subscription_id)

    assert api.v1.subscriptions.retrieve(subscription_id).status == "unpaid"
    assert api.v1.invoices.retrieve(failed["id"]).status == "open"
    assert receiver.types() == ["customer.subscription.updated"]


def test_a_card_added_in_the_portal_becomes_the_subscriptions_default(stripe_fake, api, receiver):
    subscription_id = stripe_fake.checkout_complete(checkout(stripe_fake, api).id)["subscription"]
    receiver.received.clear()

    card = stripe_fake.card_change(subscription_id, card_brand="mastercard", last4="5454")

    subscription = api.v1.subscriptions.retrieve(subscription_id, params={"expand": ["default_payment_method"]})
    assert subscription.default_payment_method.id == card["id"]
    assert subscription.default_payment_method.card.last4 == "5454"
    assert receiver.types() == ["customer.subscription.updated"]


def test_open_checkout_sessions_are_listed_by_customer_and_status_and_expire(stripe_fake, api, receiver):
    first = checkout(stripe_fake, api)
    second = checkout(stripe_fake, api)
    stripe_fake.checkout_complete(second.id)
    receiver.received.clear()

    listed = api.v1.checkout.sessions.list(params={"customer": first.customer, "status": "open"}).data
    expired = api.v1.checkout.sessions.expire(first.id)

    assert [session.id for session in listed] == [first.id]
    assert expired.status == "expired"
    assert api.v1.checkout.sessions.list(params={"customer": first.customer, "status": "open"}).data == []
    with pytest.raises(stripe.InvalidRequestError, match="can be expired"):
        api.v1.checkout.sessions.expire(second.id)
    stripe_fake.deliveries_wait()
    assert receiver.types() == ["checkout.session.expired"]
    status, page, _ = get(first.url)
    assert status == 200 and b"This Checkout session is expired." in page


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
        api.v1.payment_methods.retrieve(subscription.stripe_data["default_payment_method"]), api_key=key)
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


def test_stripe_python_module_api_reaches_the_fake_through_our_settings(stripe_fake, settings):
    customer = stripe.Customer.create(api_key=settings.STRIPE_TEST_SECRET_KEY, email="lena@example.com",
                                      metadata={"user": "42"})

    assert stripe.api_base == settings.STRIPE_API_BASE == stripe_fake.url
    assert stripe_fake.requests[-1] == ("POST", "/v1/customers", {"email": "lena@example.com",
                                                                  "metadata": {"user": "42"}})
    assert stripe.Customer.retrieve(customer.id, api_key=settings.STRIPE_TEST_SECRET_KEY).metadata.to_dict() == {
        "user": "42"}


def test_errors_come_in_stripes_shapes_and_raise_stripe_pythons_exceptions(stripe_fake, api):
    with pytest.raises(stripe.AuthenticationError) as unauthenticated:
        stripe.StripeClient("sk_test_someone_else", base_addresses={"api": stripe_fake.url}).v1.customers.list()
    with pytest.raises(stripe.InvalidRequestError) as missing:
        api.v1.subscriptions.retrieve("sub_nobody")
    with pytest.raises(stripe.InvalidRequestError) as unknown:
        api.v1.customers.create(params={"email": "lena@example.com", "plan": "free"})
    with pytest.raises(stripe.InvalidRequestError) as no_line_items:
        api.v1.checkout.sessions.create(params={"mode": "subscription", "success_url": "http://127.0.0.1/"})

    assert unauthenticated.value.http_status == 401
    assert (missing.value.http_status, missing.value.code, missing.value.param) == (404, "resource_missing", "id")
    assert "No such subscription: 'sub_nobody'" in str(missing.value)
    assert (unknown.value.http_status, unknown.value.code, unknown.value.param) == (400, "parameter_unknown", "plan")
    assert (no_line_items.value.code, no_line_items.value.param) == ("parameter_missing", "line_items")
    assert api.v1.customers.list().data == []  # nothing was written by the refused requests


def test_rate_limits_and_outages_are_answered_until_the_fault_is_used_up(stripe_fake, api):
    stripe_fake.fail(429, retry_after=2)
    with pytest.raises(stripe.RateLimitError) as limited:
        api.v1.prices.list()
    stripe_fake.fail(500)
    with pytest.raises(stripe.APIError) as down:
        api.v1.prices.list()

    assert (limited.value.http_status, limited.value.headers["Retry-After"]) == (429, "2")
    assert limited.value.json_body["error"]["code"] == "rate_limit"
    assert down.value.http_status == 500
    assert len(api.v1.prices.list().data) == 2
    assert [path for _, path, _ in stripe_fake.requests] == ["/v1/prices"] * 3  # Stripe said not to retry the 500


def test_an_idempotency_key_replays_the_first_answer_and_refuses_other_parameters(stripe_fake, api):
    first = api.v1.customers.create(params={"email": "lena@example.com"}, options={"idempotency_key": "signup-1"})
    again = api.v1.customers.create(params={"email": "lena@example.com"}, options={"idempotency_key": "signup-1"})
    with pytest.raises(stripe.IdempotencyError):
        api.v1.customers.create(params={"email": "otto@example.com"}, options={"idempotency_key": "signup-1"})

    assert again.id == first.id and again.last_response.headers["Idempotent-Replayed"] == "true"
    assert [customer.id for customer in api.v1.customers.list().data] == [first.id]


def test_lists_page_newest_first_with_starting_after(stripe_fake, api):
    made = [api.v1.customers.create(params={"email": f"listener{n}@example.com"}).id for n in range(3)]

    first = api.v1.customers.list(params={"limit": 2})
    rest = api.v1.customers.list(params={"limit": 2, "starting_after": first.data[-1].id})
    with pytest.raises(stripe.InvalidRequestError) as too_many:
        api.v1.customers.list(params={"limit": 101})

    assert ([c.id for c in first.data], first.has_more) == (made[:0:-1], True)
    assert ([c.id for c in rest.data], rest.has_more) == ([made[0]], False)
    assert [c.id for c in api.v1.customers.list(params={"limit": 1}).auto_paging_iter()] == made[::-1]
    assert too_many.value.param == "limit"


def test_cancel_at_period_end_resume_and_a_plan_change_are_sent_as_subscription_updates(stripe_fake, api, receiver):
    subscription_id = stripe_fake.checkout_complete(checkout(stripe_fake, api).id)["subscription"]
    period_end = api.v1.subscriptions.retrieve(subscription_id)["items"].data[0].current_period_end
    receiver.received.clear()

    cancelling = api.v1.subscriptions.update(subscription_id, params={"cancel_at_period_end": True})
    resumed = api.v1.subscriptions.update(subscription_id, params={"cancel_at_period_end": False})
    item_id = resumed["items"].data[0].id
    yearly = api.v1.subscriptions.update(subscription_id, params={
        "items": [{"id": item_id, "price": stripe_fake.yearly["id"]}]})
    stripe_fake.deliveries_wait()

    assert (cancelling.cancel_at_period_end, cancelling.cancel_at) == (True, period_end)
    assert (resumed.cancel_at_period_end, resumed.cancel_at, resumed.status) == (False, None, "active")
    assert yearly["items"].data[0].price.lookup_key == "premium_yearly"
    events = [json.loads(body) for body, _ in receiver.received]
    assert [event["type"] for event in events] == ["customer.subscription.updated"] * 3
    assert events[0]["data"]["previous_attributes"]["cancel_at_period_end"] is False
    assert events[1]["data"]["object"]["cancel_at"] is None


def test_a_deleted_customer_ends_their_subscription_and_reads_as_deleted(stripe_fake, api, receiver):
    completed = stripe_fake.checkout_complete(checkout(stripe_fake, api).id)
    receiver.received.clear()

    stripe_fake.customer_delete(completed["customer"])

    assert receiver.types() == ["customer.subscription.deleted", "customer.deleted"]
    assert api.v1.customers.retrieve(completed["customer"]).deleted is True
    assert api.v1.subscriptions.retrieve(completed["subscription"]).status == "canceled"
    assert api.v1.customers.list().data == []


def test_a_trial_ending_soon_is_announced(stripe_fake, api, receiver):
    session = checkout(stripe_fake, api, subscription_data={"trial_period_days": 7, "metadata": {"user": "42"}})
    subscription_id = stripe_fake.checkout_complete(session.id)["subscription"]

    stripe_fake.trial_will_end(subscription_id)

    event = json.loads(receiver.received[-1][0])
    assert event["type"] == "customer.subscription.trial_will_end"
    assert event["data"]["object"]["metadata"] == {"user": "42"}


def test_hosted_checkout_pays_on_a_form_post_and_returns_to_the_success_url(stripe_fake, api, receiver):
    session = checkout(stripe_fake, api)
    status, page, _ = get(session.url)
    assert status == 200 and b">Pay</button>" in page

    paid = urllib.request.Request(session.url, data=b"brand=visa&last4=1881", method="POST")
    with pytest.raises(urllib.error.HTTPError) as redirect:  # a 303 is not followed by this opener
        urllib.request.build_opener(NoRedirects).open(paid)
    stripe_fake.deliveries_wait()

    assert redirect.value.code == 303
    assert redirect.value.headers["Location"] == f"http://127.0.0.1/ok/?id={session.id}"
    assert receiver.types()[-3:] == ["checkout.session.completed", "customer.subscription.created", "invoice.paid"]
    method, = api.v1.payment_methods.list(params={"customer": session.customer, "type": "card"}).data
    assert method.card.last4 == "1881"
    assert b"This Checkout session is complete." in get(session.url)[1]  # paying twice is not offered


def test_the_hosted_portal_links_back_to_the_return_url(stripe_fake, api):
    customer = api.v1.customers.create(params={"email": "lena@example.com"})
    portal = api.v1.billing_portal.sessions.create(params={"customer": customer.id,
                                                           "return_url": "http://127.0.0.1/billing/"})

    status, page, _ = get(portal.url)

    assert portal.url.startswith(f"{stripe_fake.url}/portal/bps_") and status == 200
    assert b'<a href="http://127.0.0.1/billing/">Return to Re-Wrapped</a>' in page


class NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def test_dj_stripe_processes_the_events_the_fake_sends(db, stripe_fake, api, receiver):
    session = checkout(stripe_fake, api)
    completed = stripe_fake.checkout_complete(session.id)
    stripe_fake.payment_fail(completed["subscription"])
    stripe_fake.renew(completed["subscription"])
    stripe_fake.subscription_end(completed["subscription"])

    for body, _ in receiver.received:
        djstripe.Event.process(json.loads(body), api_key=stripe_fake.api_key)

    assert djstripe.Event.objects.count() == len(receiver.received) == 9
    subscription = djstripe.Subscription.objects.get(id=completed["subscription"])
    assert subscription.stripe_data["status"] == "canceled" and subscription.customer.id == completed["customer"]
    assert sorted(invoice.stripe_data["status"] for invoice in djstripe.Invoice.objects.all()) == ["paid", "paid"]


def test_dj_stripes_sync_command_takes_the_seeded_product_and_prices(db, stripe_fake):
    call_command("djstripe_sync_models", "Price", "Product", stdout=io.StringIO())

    assert sorted(djstripe.Price.objects.values_list("lookup_key", "stripe_data__unit_amount", "product__name")) == [
        ("premium_monthly", 499, "Re-Wrapped Premium"), ("premium_yearly", 4999, "Re-Wrapped Premium")]
