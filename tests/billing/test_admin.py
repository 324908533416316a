"""Billing in the staff console: the webhook receipts and any listener's billing, read-only; dj-stripe's own admin
made read-only too."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone
from djstripe.models import Customer, Invoice, Subscription

from billing.models import SongUse, WebhookReceipt
from tests.conftest import client_for
from tests.fakes import fixture_json


def stripe_object(kind: str, **changes) -> dict:
    """A current Stripe object, in the shape stripe-mock's fixtures give it."""
    return fixture_json("stripe/stripe-mock__fixtures3.json")["resources"][kind] | changes


@pytest.fixture
def receipts(db):
    at = datetime(2026, 3, 29, 0, 30, tzinfo=UTC)
    return [
        WebhookReceipt.objects.create(event_id="evt_paid_1", type="invoice.paid", outcome="processed",
                                      object_id="in_1", customer_id="cus_lena", created=at),
        WebhookReceipt.objects.create(event_id="evt_failed_1", type="invoice.payment_failed", outcome="failed",
                                      object_id="in_2", customer_id="cus_otto", created=at, deliveries=4,
                                      detail="APIConnectionError: Stripe could not be reached"),
        WebhookReceipt.objects.create(event_id="evt_other_1", type="payment_intent.succeeded", outcome="ignored",
                                      object_id="pi_1", customer_id="cus_otto", created=at),
    ]


@pytest.fixture
def premium_listener(listener):
    """Lena, Premium since a month, with one paid invoice, after three free songs."""
    now = int(timezone.now().timestamp())
    customer = Customer.objects.create(id="cus_lena", subscriber=listener, livemode=False,
                                       stripe_data=stripe_object("customer", id="cus_lena"))
    item = stripe_object("subscription", id="sub_lena")["items"]["data"][0] | {
        "current_period_start": now - 86400 * 30, "current_period_end": now + 86400}
    Subscription.objects.create(
        id="sub_lena", customer=customer, livemode=False, created=timezone.now() - timedelta(days=30),
        stripe_data=stripe_object("subscription", id="sub_lena", customer="cus_lena", status="active",
                                  cancel_at=None, canceled_at=None, ended_at=None, cancel_at_period_end=False,
                                  start_date=now - 86400 * 30, items={"object": "list", "data": [item]}),
    )
    Invoice.objects.create(
        id="in_lena_1", customer=customer, livemode=False, created=timezone.now() - timedelta(days=30),
        stripe_data=stripe_object("invoice", id="in_lena_1", customer="cus_lena", number="RW-0001", total=499,
                                  currency="eur", status="paid",
                                  hosted_invoice_url="https://invoice.stripe.com/i/lena-1"),
    )
    for n in range(3):
        SongUse.objects.create(user=listener, play_key=f"recommended-play:{n}", premium=False, at=timezone.now())
    return listener


def test_staff_read_every_webhook_with_its_outcome_and_filter_the_failed_ones(client, staff, receipts):
    client_for(client, staff)

    everything = client.get("/admin/billing/webhookreceipt/").content.decode()
    failed = client.get("/admin/billing/webhookreceipt/?outcome=failed").content.decode()
    found = client.get("/admin/billing/webhookreceipt/?q=cus_lena").content.decode()

    assert all(event in everything for event in ("evt_paid_1", "evt_failed_1", "evt_other_1"))
    assert "evt_failed_1" in failed and "evt_paid_1" not in failed and "evt_other_1" not in failed
    assert "evt_paid_1" in found and "evt_failed_1" not in found
    detail = client.get(f"/admin/billing/webhookreceipt/{receipts[1].pk}/change/").content.decode()
    assert "APIConnectionError: Stripe could not be reached" in detail
    assert 'name="_save"' not in detail


def test_a_receipt_cannot_be_added_changed_or_deleted_even_by_staff(client, staff, receipts):
    client_for(client, staff)
    receipt = receipts[1]

    added = client.post("/admin/billing/webhookreceipt/add/", {"event_id": "evt_forged", "outcome": "processed"})
    changed = client.post(f"/admin/billing/webhookreceipt/{receipt.pk}/change/", {"outcome": "processed"})
    deleted = client.post(f"/admin/billing/webhookreceipt/{receipt.pk}/delete/", {"post": "yes"})

    assert (added.status_code, changed.status_code, deleted.status_code) == (403, 403, 403)
    receipt.refresh_from_db()
    assert receipt.outcome == "failed"
    assert WebhookReceipt.objects.count() == 3


def test_staff_read_a_listeners_billing(client, staff, premium_listener, other_listener):
    client_for(client, staff)

    listing = client.get("/admin/billing/listenerbilling/?q=cus_lena").content.decode()
    page = client.get(f"/admin/billing/listenerbilling/{premium_listener.pk}/change/").content.decode()

    assert "listener@example.com" in listing and "other@example.com" not in listing
    assert "Premium, active" in page
    assert "cus_lena" in page
    assert "sub_lena" in page
    assert "RW-0001" in page and "4.99 EUR" in page and "https://invoice.stripe.com/i/lena-1" in page
    assert "3" in page.split("Free songs used")[1][:200]
    assert 'name="_save"' not in page


def test_a_free_listeners_billing_says_free_with_the_songs_left(client, staff, other_listener):
    client_for(client, staff)

    page = client.get(f"/admin/billing/listenerbilling/{other_listener.pk}/change/").content.decode()

    assert "Free, free" in page and "5 of 5 free songs left" in page


def test_nobody_changes_a_listeners_billing_in_the_admin(client, staff, premium_listener):
    client_for(client, staff)

    changed = client.post(f"/admin/billing/listenerbilling/{premium_listener.pk}/change/",
                          {"email": "taken@example.com", "role": "promoter"})
    deleted = client.post(f"/admin/billing/listenerbilling/{premium_listener.pk}/delete/", {"post": "yes"})

    assert (changed.status_code, deleted.status_code) == (403, 403)
    premium_listener.refresh_from_db()
    assert (premium_listener.email, premium_listener.role) == ("listener@example.com", "regular")


def test_dj_stripes_admin_is_read_only(client, staff, premium_listener, other_listener):
    client_for(client, staff)
    customer = Customer.objects.get(id="cus_lena")
    subscription = Subscription.objects.get(id="sub_lena")

    listing = client.get("/admin/djstripe/subscription/")
    added = client.post("/admin/djstripe/customer/add/", {"id": "cus_forged"})
    moved = client.post(f"/admin/djstripe/customer/{customer.pk}/change/", {"subscriber": other_listener.pk})
    cancelled = client.post("/admin/djstripe/subscription/action/_cancel/subscription/",
                            {"_selected_action": [subscription.pk]})
    by_action = client.post("/admin/djstripe/subscription/", {"action": "_cancel",
                                                               "_selected_action": [subscription.pk]})

    assert listing.status_code == 200 and 'name="action"' not in listing.content.decode()
    assert (added.status_code, moved.status_code) == (403, 403)
    # dj-stripe's confirm-action page is gone: the path reads as an object id the admin does not know.
    assert cancelled.status_code == 302 and cancelled["Location"].endswith("/action/_cancel/subscription/change/")
    assert by_action.status_code in (200, 302)
    customer.refresh_from_db()
    subscription.refresh_from_db()
    assert customer.subscriber == premium_listener
    assert subscription.stripe_data["status"] == "active"
    assert client.get(f"/admin/djstripe/customer/{customer.pk}/change/").status_code == 200
