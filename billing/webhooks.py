"""Stripe's webhooks: verified by signature, recorded once per event id, applied in any order.

An event is only a nudge: each handler reads the object it names from Stripe as it is now (billing/sync.py), so an
old, repeated or out-of-order event can never put older state back, and the payload's API version does not matter.
A WebhookReceipt records every accepted event and what came of it, for staff in the admin. A failed event is
answered 500 so that Stripe sends it again; a replay of one that succeeded only counts the delivery.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import stripe
from django.conf import settings
from django.db import transaction
from django.http import JsonResponse
from django.urls import reverse
from django.utils import dateformat, timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from djstripe.models import Customer, Invoice, Session
from djstripe.utils import convert_tstamp, get_id_from_stripe_data

from accounts.models import User
from billing import selectors
from billing.models import WebhookReceipt
from billing.sync import object_sync, subscription_sync
from rewrapped.realtime import broadcast, user_group

logger = logging.getLogger(__name__)

Outcome = WebhookReceipt.Outcome


class WebhookRefused(Exception):
    """Not an event Stripe signed for us (bad, missing or too old a signature) or not an event at all: HTTP 400."""


class CustomerTaken(Exception):
    """A checkout's customer already belongs to another listener."""


@csrf_exempt
@require_POST
def webhook(request):
    """Stripe's endpoint. It needs no session: the signature is the authentication."""
    try:
        receipt = webhook_receive(payload=request.body, signature=request.headers.get("Stripe-Signature"))
    except WebhookRefused as refused:
        return JsonResponse({"error": {"code": "invalid_webhook", "message": str(refused), "fields": {}}}, status=400)
    return JsonResponse({"event": receipt.event_id, "outcome": receipt.outcome},
                        status=500 if receipt.outcome == Outcome.FAILED else 200)


def webhook_receive(*, payload: bytes, signature: str | None) -> WebhookReceipt:
    """Verify one delivery and apply it once. Raises WebhookRefused, storing nothing, for what Stripe did not sign.

    Deliveries of one event queue on its receipt's row, so two at once apply it once.
    """
    event = _event_verified(payload, signature)
    with transaction.atomic():
        receipt, created = WebhookReceipt.objects.select_for_update().get_or_create(
            event_id=event["id"], defaults=_receipt_fields(event))
        if not created:
            receipt.deliveries += 1
            if receipt.outcome != Outcome.FAILED:
                receipt.save(update_fields=["deliveries"])
                return receipt
        _apply(receipt, event)
        receipt.save()
    return receipt


def _event_verified(payload: bytes, signature: str | None) -> dict:
    try:
        event = stripe.Webhook.construct_event(payload, signature, settings.STRIPE_WEBHOOK_SECRET).to_dict()
    except stripe.SignatureVerificationError as error:
        raise WebhookRefused(f"The Stripe-Signature does not verify: {error.user_message or error}") from error
    except (ValueError, TypeError, AttributeError) as error:
        raise WebhookRefused("The body is not a Stripe event.") from error
    data = event.get("data")
    if not (isinstance(event.get("id"), str) and isinstance(event.get("type"), str)
            and isinstance(event.get("created"), int) and isinstance(data, dict)
            and isinstance(data.get("object"), dict)):
        raise WebhookRefused("The body is not a Stripe event: it needs an id, a type, created and data.object.")
    return event


def _receipt_fields(event: dict) -> dict:
    stripe_object = event["data"]["object"]
    is_customer = stripe_object.get("object") == "customer"
    # Some payloads (older test events among them) carry no api_version; nothing here depends on it.
    return {
        "type": event["type"][:100], "api_version": (event.get("api_version") or "")[:64],
        "livemode": bool(event.get("livemode")), "object_id": str(stripe_object.get("id") or "")[:255],
        "customer_id": str(get_id_from_stripe_data(stripe_object.get("id" if is_customer else "customer")) or "")[:255],
        "created": datetime.fromtimestamp(event["created"], tz=UTC), "outcome": Outcome.FAILED,
    }


def _apply(receipt: WebhookReceipt, event: dict) -> None:
    handler = HANDLERS.get(receipt.type)
    receipt.detail = ""
    if handler is None:
        receipt.outcome = Outcome.IGNORED
        return
    if receipt.object_id and WebhookReceipt.objects.filter(
            object_id=receipt.object_id, outcome=Outcome.PROCESSED, created__gt=receipt.created).exists():
        receipt.outcome = Outcome.STALE
        return
    try:
        with transaction.atomic():
            listener_ids = handler(event["data"]["object"])
    # Whatever went wrong (Stripe unreachable, a conflict), the event is not applied; Stripe retries it.
    except Exception as error:
        logger.exception("Stripe event %s (%s) failed", receipt.event_id, receipt.type)
        receipt.outcome = Outcome.FAILED
        receipt.detail = f"{type(error).__name__}: {error}"
        return
    receipt.outcome = Outcome.PROCESSED
    if listener_ids:
        transaction.on_commit(lambda: billing_updated_broadcast(user_ids=listener_ids), robust=True)


def billing_updated_broadcast(*, user_ids: set[int]) -> None:
    """Tell the listeners' open pages their plan as it is now (the checkout success page waits for this)."""
    for user in User.objects.filter(pk__in=user_ids):
        now = selectors.entitlement(user)
        broadcast(user_group(user.pk), "billing.updated", {"premium": now.premium, "status": now.status})


# --- handlers: each takes the event's object and returns the listeners whose billing it touched ----------------
def _checkout_completed(session: dict) -> set[int]:
    """Checkout made the customer (or used the listener's): it is the listener's now, the one they pay with."""
    data = Session(id=session["id"]).api_retrieve()
    # The billing pages make each session with the listener's id as its client reference and in its metadata.
    user_pk = str(data.get("client_reference_id") or (data.get("metadata") or {}).get("user_id") or "")
    user = User.objects.filter(pk=int(user_pk)).first() if user_pk.isdigit() else None
    customer_id = get_id_from_stripe_data(data.get("customer"))
    # Checked before dj-stripe stores the session, which would move the customer to whoever its metadata names.
    known = Customer.objects.select_for_update().filter(id=customer_id).first() if customer_id else None
    if user is not None and known is not None and known.subscriber_id not in (None, user.pk):
        raise CustomerTaken(f"Customer {customer_id} belongs to listener {known.subscriber_id}, "
                            f"not to {user.pk} who completed checkout {data['id']}.")
    Session.sync_from_stripe_data(data)
    customer = Customer.objects.filter(id=customer_id).first() if customer_id else None
    if user is None or customer is None or customer.date_purged is not None:
        return set()
    if customer.subscriber_id is None:
        customer.subscriber = user
        customer.save(update_fields=["subscriber", "djstripe_updated"])
    return {user.pk}


def _subscription_changed(subscription: dict) -> set[int]:
    synced = subscription_sync(subscription["id"])
    return _listeners_of(synced.customer if synced else None)


def _trial_will_end(subscription: dict) -> set[int]:
    synced = subscription_sync(subscription["id"])
    listener_ids = _listeners_of(synced.customer if synced else None)
    trial_end = convert_tstamp(synced.stripe_data.get("trial_end")) if synced else None
    if synced and synced.stripe_data.get("status") == "trialing" and trial_end:
        for user_id in listener_ids:
            transaction.on_commit(lambda user_id=user_id: _trial_end_notify(user_id=user_id, at=trial_end),
                                  robust=True)
    return listener_ids


def _invoice_changed(invoice: dict) -> set[int]:
    """A payment went through or failed: the invoice, and its subscription (past_due while Stripe retries)."""
    synced = object_sync(Invoice, invoice["id"])
    if synced is None:
        return set()
    data = synced.stripe_data
    # From API version 2025-03-31 an invoice names its subscription under parent.subscription_details.
    subscription_id = get_id_from_stripe_data(
        ((data.get("parent") or {}).get("subscription_details") or {}).get("subscription") or data.get("subscription"))
    if subscription_id:
        subscription_sync(subscription_id)
    return _listeners_of(synced.customer)


def _invoice_upcoming(invoice: dict) -> set[int]:
    """A preview of the next invoice: it has no id and nothing to store."""
    return set()


def _customer_deleted(customer: dict) -> set[int]:
    """The customer is gone from Stripe, with its subscriptions, for good: the listener is Free again. Marked
    purged here only (dj-stripe's purge() would ask Stripe to delete it once more)."""
    ours = Customer.objects.select_for_update().filter(id=customer["id"], date_purged__isnull=True).first()
    if ours is None or not Customer(id=ours.id).api_retrieve().get("deleted"):
        return set()
    listener_ids = _listeners_of(ours)
    ours.subscriber = None
    ours.date_purged = timezone.now()
    ours.save(update_fields=["subscriber", "date_purged", "djstripe_updated"])
    return listener_ids


def _listeners_of(customer: Customer | None) -> set[int]:
    if customer is None or customer.subscriber_id is None or customer.date_purged is not None:
        return set()
    return {customer.subscriber_id}


def _trial_end_notify(*, user_id: int, at: datetime) -> None:
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        return
    day = dateformat.format(at.astimezone(ZoneInfo(user.time_zone)), "j F Y")
    broadcast(user_group(user.pk), "notify", {
        "message": f"Your Premium trial ends on {day}. Premium carries on unless you cancel before then.",
        "level": "info", "kind": "billing.trial_will_end",
        "url": settings.SITE_URL.rstrip("/") + reverse("billing:page"),
    })


HANDLERS: dict[str, Callable[[dict], set[int]]] = {
    "checkout.session.completed": _checkout_completed,
    "customer.subscription.created": _subscription_changed,
    "customer.subscription.updated": _subscription_changed,
    "customer.subscription.deleted": _subscription_changed,
    "customer.subscription.trial_will_end": _trial_will_end,
    "invoice.paid": _invoice_changed,
    "invoice.payment_failed": _invoice_changed,
    "invoice.upcoming": _invoice_upcoming,
    "customer.deleted": _customer_deleted,
}
