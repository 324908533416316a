"""The billing API (billing/api.py): the caller's plan, invoices and payment method, checkout and portal sessions,
cancel and resume, documented in /api/schema/. Nothing in it lets a listener make themselves Premium."""

import pytest
from djstripe.models import Customer, Invoice, Subscription
from rest_framework.test import APIClient

from billing import selectors
from django.test import Client

from tests.billing.test_checkout import (
    checkout_started, premium_through_checkout, prices_synced, stripe_requests, webhooks_delivered)
from tests.conftest import client_for


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_a_free_listeners_billing(listener, stripe_fake):
    prices_synced(stripe_fake)

    response = api(listener).get("/api/v1/billing/")

    assert response.status_code == 200
    assert response.json() == {
        "premium": False, "status": "free", "since": None, "until": None, "cancel_at_period_end": False,
        "payment_failed": False, "free_songs_total": 5, "free_songs_remaining": 5, "price": None,
        "payment_method": None,
        "prices": [{"choice": "monthly", "amount": "4.99", "currency": "EUR", "interval": "month"},
                   {"choice": "yearly", "amount": "49.99", "currency": "EUR", "interval": "year"}],
    }


def test_a_premium_listeners_billing_and_invoices(client, listener, stripe_fake, django_assert_max_num_queries):
    subscription = premium_through_checkout(client, listener, stripe_fake, card_brand="amex", last4="0005")
    client.get("/billing/")  # the page reads the invoices from Stripe once

    billing = api(listener).get("/api/v1/billing/").json()
    with django_assert_max_num_queries(4):
        invoices = api(listener).get("/api/v1/billing/invoices/")

    assert billing["premium"] is True and billing["status"] == "active"
    assert billing["until"] == selectors.subscription_period_end(subscription).isoformat().replace("+00:00", "Z")
    assert billing["price"] == {"choice": "monthly", "amount": "4.99", "currency": "EUR", "interval": "month"}
    assert billing["payment_method"]["brand"] == "amex" and billing["payment_method"]["last4"] == "0005"
    assert billing["free_songs_remaining"] is None
    assert invoices.status_code == 200
    [invoice] = invoices.json()["results"]
    assert invoices.json()["count"] == 1
    assert invoice["amount"] == "4.99" and invoice["currency"] == "EUR" and invoice["status"] == "paid"
    assert invoice["hosted_invoice_url"].startswith(stripe_fake.url) and invoice["invoice_pdf"].endswith("/pdf")


def test_invoices_page_newest_first(client, listener, stripe_fake):
    subscription = premium_through_checkout(client, listener, stripe_fake)
    for _ in range(2):
        stripe_fake.renew(subscription.id)
    client.get("/billing/")
    numbers = [obj["number"] for obj in stripe_fake.objects.values() if obj["object"] == "invoice"][::-1]

    first = api(listener).get("/api/v1/billing/invoices/?page_size=2").json()
    second = api(listener).get(first["next"]).json()

    assert [invoice["number"] for invoice in first["results"] + second["results"]] == numbers
    assert first["count"] == 3 and second["next"] is None


def test_checkout_answers_stripes_page(listener, stripe_fake):
    response = api(listener).post("/api/v1/billing/checkout/", {"price": "yearly"}, format="json")

    assert response.status_code == 201
    session_id = response.json()["url"].rsplit("/", 1)[1]
    assert stripe_fake.objects[session_id]["url"] == response.json()["url"]
    assert stripe_fake.objects[session_id]["customer"] == Customer.objects.get(subscriber=listener).id
    assert stripe_requests(stripe_fake, "POST", "/v1/checkout/sessions")[0]["line_items"][0]["price"] == \
        stripe_fake.yearly["id"]


@pytest.mark.parametrize("body", [{}, {"price": "lifetime"}])
def test_checkout_needs_a_price(listener, stripe_fake, body):
    response = api(listener).post("/api/v1/billing/checkout/", body, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid" and "price" in response.json()["error"]["fields"]
    assert not stripe_fake.requests


def test_checkout_when_premium_is_refused(client, listener, stripe_fake):
    premium_through_checkout(client, listener, stripe_fake)

    response = api(listener).post("/api/v1/billing/checkout/", {"price": "monthly"}, format="json")

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "already_premium"


def test_stripe_busy_is_a_503_in_the_error_shape(listener, stripe_fake):
    stripe_fake.fail(429, times=1, path="/v1/customers")

    response = api(listener).post("/api/v1/billing/checkout/", {"price": "monthly"}, format="json")

    assert response.status_code == 503
    assert set(response.json()["error"]) == {"code", "message", "fields"}
    assert response.json()["error"]["code"] == "stripe_unavailable"


def test_portal_answers_stripes_page_once_there_is_a_customer(client, listener, stripe_fake):
    refused = api(listener).post("/api/v1/billing/portal/")
    premium_through_checkout(client, listener, stripe_fake)

    response = api(listener).post("/api/v1/billing/portal/")

    assert refused.status_code == 409 and refused.json()["error"]["code"] == "no_customer"
    assert response.status_code == 201
    session = stripe_fake.objects[response.json()["url"].rsplit("/", 1)[1]]
    assert session["customer"] == Customer.objects.get(subscriber=listener).id
    assert session["return_url"] == "http://testserver/billing/"


def test_cancel_and_resume(client, listener, stripe_fake):
    subscription = premium_through_checkout(client, listener, stripe_fake)

    cancelled = api(listener).post("/api/v1/billing/cancel/")
    resumed = api(listener).post("/api/v1/billing/resume/")

    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == "cancelling" and cancelled.json()["cancel_at_period_end"] is True
    assert cancelled.json()["until"] == resumed.json()["until"]
    assert resumed.status_code == 200
    assert resumed.json()["status"] == "active" and resumed.json()["cancel_at_period_end"] is False
    assert stripe_fake.objects[subscription.id]["cancel_at_period_end"] is False


def test_cancel_and_resume_without_premium_are_refused(listener, stripe_fake):
    for action in ("cancel", "resume"):
        response = api(listener).post(f"/api/v1/billing/{action}/")
        assert response.status_code == 409
        assert response.json()["error"]["code"] == "no_subscription"
    assert not stripe_fake.requests


@pytest.mark.parametrize("method", ["post", "patch", "put"])
@pytest.mark.parametrize("url", ["/api/v1/billing/", "/api/v1/billing/checkout/", "/api/v1/billing/resume/",
                                 "/api/v1/me/"])
def test_no_field_makes_a_listener_premium(listener, stripe_fake, method, url):
    claim = {"premium": True, "status": "active", "free_songs_remaining": 1000, "price": "monthly",
             "cancel_at_period_end": False, "until": "2099-01-01T00:00:00Z"}

    getattr(api(listener), method)(url, claim, format="json")

    assert not selectors.is_premium(listener)
    assert selectors.entitlement(listener).free_songs_remaining == 5
    assert not Subscription.objects.exists()


def test_the_billing_api_is_documented(client, listener):
    client_for(client, listener)

    schema = client.get("/api/schema/?format=json").json()

    paths = schema["paths"]
    assert set(paths["/api/v1/billing/"]) == {"get"}
    assert set(paths["/api/v1/billing/invoices/"]) == {"get"}
    for action in ("checkout", "portal", "cancel", "resume"):
        assert set(paths[f"/api/v1/billing/{action}/"]) == {"post"}
    assert "201" in paths["/api/v1/billing/checkout/"]["post"]["responses"]
    summary = schema["components"]["schemas"]["BillingOutput"]["properties"]
    assert {"premium", "status", "until", "free_songs_remaining", "price", "payment_method"} <= set(summary)
    assert "results" in schema["components"]["schemas"]["PaginatedInvoiceOutputList"]["properties"]


def test_another_listeners_premium_is_never_shown_or_touched(listener, other_listener, stripe_fake):
    # Listener A is Premium, with a customer, a card and two invoices, all from Stripe's webhooks.
    stripe_fake.checkout_complete(checkout_started(Client(), other_listener), card_brand="amex", last4="0005")
    webhooks_delivered(stripe_fake)
    theirs = selectors.subscription_current(other_listener)
    stripe_fake.renew(theirs.id)
    webhooks_delivered(stripe_fake)
    their_customer = selectors.customer_of(other_listener)
    their_invoices = [invoice.stripe_data["number"] for invoice in Invoice.objects.all()]
    assert len(their_invoices) == 2
    stripe_fake.requests.clear()
    # Listener B asks for billing, through the API and the pages.
    b = api(listener)
    page = client_for(Client(), listener)

    summary = b.get("/api/v1/billing/")
    invoices = b.get("/api/v1/billing/invoices/")
    changes = {action: b.post(f"/api/v1/billing/{action}/") for action in ("portal", "cancel", "resume")}
    billing_page = page.get("/billing/").content.decode()
    page_changes = {action: page.post(f"/billing/{action}/", {"confirm": "on"})
                    for action in ("portal", "cancel", "resume")}

    assert summary.status_code == 200
    assert (summary.json()["premium"], summary.json()["status"], summary.json()["payment_method"]) == (
        False, "free", None)
    assert invoices.status_code == 200 and invoices.json()["count"] == 0
    assert {action: answer.status_code for action, answer in changes.items()} == {
        "portal": 409, "cancel": 409, "resume": 409}
    assert {action: answer.status_code for action, answer in page_changes.items()} == {
        "portal": 409, "cancel": 409, "resume": 409}
    assert not any(number in billing_page for number in their_invoices)
    assert "0005" not in billing_page and their_customer.id not in billing_page
    # A's subscription at Stripe is as it was, and nothing was asked of Stripe for B.
    at_stripe = stripe_fake.objects[theirs.id]
    assert (at_stripe["status"], at_stripe["cancel_at_period_end"]) == ("active", False)
    assert not [params for method, path, params in stripe_fake.requests if path.startswith("/v1/")]
    assert selectors.entitlement(other_listener).premium is True
