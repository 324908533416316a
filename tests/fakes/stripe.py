"""A fake Stripe on 127.0.0.1: the API a Checkout / Customer Portal / subscription product calls, its hosted
Checkout, Portal and invoice pages, and the signed webhooks Stripe sends, in Stripe's wire format.

Objects are stripe-mock's fixtures of current (dahlia) objects (../shared/fixtures/stripe/) filled in with
coherent values: periods live on subscription items, an invoice names its subscription under `parent`. Tests
point STRIPE_API_BASE at `fake.url`; stripe-python and dj-stripe run unchanged. What the API changes is sent to
`webhook_url` as Stripe would, after answering, one event after another; the Python controls (`checkout_complete`,
`payment_fail`, …) return once their events were delivered.
"""

from __future__ import annotations

import calendar
import copy
import hashlib
import hmac
import html
import json
import queue
import re
import secrets
import string
import threading
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime
from urllib.parse import parse_qsl, urlsplit

from tests.fakes import fixture_json
from tests.fakes.server import FakeServer, JsonHandler

API_VERSION = "2026-08-26.dahlia"  # what stripe-python 15.6.2 sends; webhooks are rendered in it
RETRY_DAYS = 3  # when a failed invoice is tried again

_TEMPLATES = fixture_json("stripe/stripe-mock__fixtures3.json")["resources"]
_COLLECTIONS = {  # URL segment under /v1/ -> the object kind it lists
    "customers": "customer", "checkout/sessions": "checkout.session", "subscriptions": "subscription",
    "invoices": "invoice", "payment_methods": "payment_method", "prices": "price", "products": "product",
    "events": "event",
}
_PREFIXES = {
    "customer": "cus", "checkout.session": "cs_test", "billing_portal.session": "bps", "subscription": "sub",
    "subscription_item": "si", "invoice": "in", "line_item": "il", "payment_method": "pm", "price": "price",
    "product": "prod", "event": "evt", "account": "acct",
}
# Parameters each write accepts (Stripe answers any other with 400 "Received unknown parameter").
_ACCEPTS = {
    "customer_create": {"email", "name", "metadata", "description", "phone", "address", "preferred_locales"},
    "customer_update": {"email", "name", "metadata", "description", "phone", "address", "invoice_settings"},
    "checkout_create": {"mode", "line_items", "customer", "customer_email", "client_reference_id", "success_url",
                        "cancel_url", "metadata", "allow_promotion_codes", "subscription_data", "locale",
                        "payment_method_types", "payment_method_collection", "billing_address_collection",
                        "customer_update", "automatic_tax", "ui_mode", "discounts", "saved_payment_method_options"},
    "portal_create": {"customer", "return_url", "configuration", "flow_data", "locale"},
    "subscription_update": {"cancel_at_period_end", "items", "metadata", "proration_behavior",
                            "default_payment_method", "payment_behavior"},
    "subscription_cancel": {"invoice_now", "prorate", "cancellation_details"},
}


class StripeError(Exception):
    """An API error, answered as Stripe's `{"error": {...}}` body."""

    def __init__(self, status: int, message: str, *, type: str = "invalid_request_error",
                 param: str | None = None, code: str | None = None):
        super().__init__(message)
        self.status = status
        self.body = {"error": {"type": type, "message": message,
                               **({"param": param} if param else {}), **({"code": code} if code else {})}}


class FakeStripe(FakeServer):
    def __init__(self):
        super().__init__(_handler_for(self))
        self.api_key = "sk_test_" + _random(24)
        self.webhook_secret = "whsec_" + _random(32)
        self.webhook_url: str | None = None  # where events are POSTed; None: stored only (GET /v1/events)
        self.requests: list[tuple[str, str, dict]] = []  # (method, path, params)
        self.deliveries: list[tuple[str, str, int | None]] = []  # (event id, type, status our server answered)
        self.objects: dict[str, dict] = {}  # every object by id, oldest first
        self.account: dict = {}
        self.monthly: dict = {}
        self.yearly: dict = {}
        self._account_id = _new_id("account")  # one Stripe account for the fake's life, as for a site's
        self._state = threading.RLock()
        self._checkouts: dict[str, dict] = {}  # checkout session id -> what it sells: price, quantity, trial_days
        self._idempotent: dict[str, tuple[tuple, int, dict]] = {}  # key -> (request, status, body)
        self._outbox: queue.Queue = queue.Queue()
        threading.Thread(target=self._deliver_forever, daemon=True).start()
        self.reset()

    # --- lifecycle ---------------------------------------------------------------------
    def reset(self) -> None:
        """Forget everything but the seeded product and prices, once the events still on their way arrived."""
        self.deliveries_wait()
        with self._state, self._lock:
            self.objects.clear()
            self.requests.clear()
            self.deliveries.clear()
            self.faults.clear()
            self._checkouts.clear()
            self._idempotent.clear()
            self.webhook_url = None
            self.account = self._store(_template("account") | {
                "id": self._account_id, "email": "billing@rewrapped.example", "country": "DE",
                "default_currency": "eur", "charges_enabled": True, "payouts_enabled": True, "details_submitted": True,
                "business_profile": _template("account")["business_profile"] | {"name": "Re-Wrapped"},
                "requirements": None, "future_requirements": None,
            })
            product = self._store(_template("product") | {
                "name": "Re-Wrapped Premium", "description": "Unlimited mood-fitting recommendations",
                "package_dimensions": None, "shippable": None, "type": "service", "default_price": None,
            })
            self.monthly = self._price_create(product, "premium_monthly", 499, "month")
            self.yearly = self._price_create(product, "premium_yearly", 4999, "year")
            product["default_price"] = self.monthly["id"]

    def _price_create(self, product: dict, lookup_key: str, cents: int, interval: str) -> dict:
        return self._store(_template("price") | {
            "product": product["id"], "currency": "eur", "unit_amount": cents, "unit_amount_decimal": str(cents),
            "lookup_key": lookup_key, "nickname": f"Premium {interval}ly", "transform_quantity": None,
            "recurring": {"interval": interval, "interval_count": 1, "meter": None, "usage_type": "licensed",
                          "trial_period_days": None},
        })

    # --- test controls -----------------------------------------------------------------
    def checkout_complete(self, session_id: str, *, card_brand: str = "visa", last4: str = "4242") -> dict:
        """The listener pays a subscription Checkout session: their card is saved, a subscription starts (trialing
        when the session asked for trial days) with a paid first invoice. Returns the completed session."""
        session, events = self._checkout_pay(session_id, card_brand, last4)
        self._send_and_wait(events)
        return copy.deepcopy(session)

    def payment_fail(self, subscription_id: str) -> dict:
        """The renewal charge fails: an open invoice for the next period, Stripe retrying it, the subscription
        past_due. Returns the invoice."""
        with self._state:
            subscription = self._get("subscription", subscription_id)
            start, end = self._next_period(subscription)
            invoice = self._invoice_create(subscription, start, end, reason="subscription_cycle", paid=False)
            previous = self._subscription_change(subscription, status="past_due", latest_invoice=invoice["id"],
                                                 items=_period_moved(subscription, start, end))
            events = [self._event("invoice.payment_failed", invoice),
                      self._event("customer.subscription.updated", subscription, previous)]
        self._send_and_wait(events)
        return copy.deepcopy(invoice)

    def renew(self, subscription_id: str) -> dict:
        """The subscription is paid into its next period (or, past due, its open invoice is paid at last):
        active. Returns the paid invoice."""
        with self._state:
            subscription = self._get("subscription", subscription_id)
            invoice = self.objects.get(subscription["latest_invoice"] or "")
            changes = {}
            if invoice and invoice["status"] == "open":
                self._invoice_pay(invoice)
            else:
                start, end = self._next_period(subscription)
                invoice = self._invoice_create(subscription, start, end, reason="subscription_cycle", paid=True)
                changes = {"items": _period_moved(subscription, start, end), "latest_invoice": invoice["id"]}
            previous = self._subscription_change(subscription, status="active", **changes)
            events = [self._event("customer.subscription.updated", subscription, previous),
                      self._event("invoice.paid", invoice)]
        self._send_and_wait(events)
        return copy.deepcopy(invoice)

    def card_change(self, subscription_id: str, *, card_brand: str = "visa", last4: str = "4242") -> dict:
        """The listener adds a card in the Portal: it becomes their subscription's default. Returns the card."""
        with self._state:
            subscription = self._get("subscription", subscription_id)
            method = self._payment_method_create(self.objects[subscription["customer"]], card_brand, last4)
            previous = self._subscription_change(subscription, default_payment_method=method["id"])
            events = [self._event("customer.subscription.updated", subscription, previous)]
        self._send_and_wait(events)
        return copy.deepcopy(method)

    def retries_exhausted(self, subscription_id: str) -> dict:
        """Stripe gives up retrying a past-due subscription's invoice and, as the account's settings say, marks the
        subscription unpaid (it stays, unpaid, and charges nothing more). Returns it."""
        with self._state:
            subscription = self._get("subscription", subscription_id)
            previous = self._subscription_change(subscription, status="unpaid")
            events = [self._event("customer.subscription.updated", subscription, previous)]
        self._send_and_wait(events)
        return copy.deepcopy(subscription)

    def subscription_end(self, subscription_id: str) -> dict:
        """The subscription ends now (cancelled at period end, or unpaid after the retries). Returns it."""
        with self._state:
            events = self._subscription_end(self._get("subscription", subscription_id))
        self._send_and_wait(events)
        return copy.deepcopy(events[-1]["data"]["object"])

    def trial_will_end(self, subscription_id: str) -> dict:
        """Stripe's notice three days before a trial ends (nothing changes)."""
        with self._state:
            subscription = self._get("subscription", subscription_id)
            events = [self._event("customer.subscription.trial_will_end", subscription)]
        self._send_and_wait(events)
        return copy.deepcopy(events[-1]["data"]["object"])

    def customer_delete(self, customer_id: str) -> dict:
        """The customer is deleted in Stripe's dashboard: their subscriptions end, then the customer goes."""
        with self._state:
            events = self._customer_delete(self._get("customer", customer_id))
        self._send_and_wait(events)
        return copy.deepcopy(events[-1]["data"]["object"])

    def fail(self, status: int = 429, *, retry_after: int | None = 1, times: int = 1, path: str = "/v1/") -> None:
        """The next `times` API requests under `path` get `status` (a 429 carries Retry-After)."""
        self.fault_add(path, status, retry_after=retry_after if status == 429 else None, times=times)

    # --- webhooks ------------------------------------------------------------------------
    def event_signed(self, event: dict, *, secret: str | None = None, timestamp: int | None = None
                     ) -> tuple[bytes, str]:
        """The body Stripe POSTs for `event` and its Stripe-Signature header (HMAC-SHA256 of "t.body")."""
        body = json.dumps(event, indent=2).encode()
        timestamp = int(time.time()) if timestamp is None else timestamp
        signed = f"{timestamp}.".encode() + body
        digest = hmac.new((secret or self.webhook_secret).encode(), signed, hashlib.sha256).hexdigest()
        return body, f"t={timestamp},v1={digest}"

    def event_send(self, event: dict) -> int | None:
        """POSTs `event`, signed, to `webhook_url`; the status our server answered (None: it did not answer)."""
        return self._post(self.webhook_url, event)

    def _post(self, url: str, event: dict) -> int | None:
        body, signature = self.event_signed(event)
        request = urllib.request.Request(url, data=body, method="POST", headers={
            "Content-Type": "application/json; charset=utf-8", "Stripe-Signature": signature,
            "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
        })
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code
        except OSError:
            return None

    def deliveries_wait(self) -> None:
        """Returns once every event sent so far was answered (those the API and the hosted pages send are on
        their way after the answer, as Stripe's are)."""
        self._outbox.join()

    def _send_and_wait(self, events: list[dict]) -> None:
        self._send(events)
        self.deliveries_wait()

    def _send(self, events: list[dict]) -> None:
        if self.webhook_url:
            for event in events:
                self._outbox.put((self.webhook_url, event))

    def _deliver_forever(self) -> None:
        while True:
            url, event = self._outbox.get()
            try:
                self.deliveries.append((event["id"], event["type"], self._post(url, event)))
            finally:
                self._outbox.task_done()

    # --- the API -------------------------------------------------------------------------
    def answer_once(self, method: str, path: str, params: dict, key: str | None) -> tuple[int, dict, bool]:
        """The answer to an authenticated API request, and whether it is the replay of the first answer to its
        idempotency key (Stripe's answers, errors included, are kept for a key; other parameters are refused)."""
        request = (method, path, json.dumps(params, sort_keys=True))
        with self._state:
            if key in self._idempotent:
                first, status, answer = self._idempotent[key]
                if first != request:
                    raise StripeError(400, "Keys for idempotent requests can only be used with the same parameters "
                                           "they were first used with.", type="idempotency_error")
                return status, answer, True
            try:
                status, answer = self._route(method, path, params)
            except StripeError as error:
                status, answer = error.status, error.body
            if key:
                self._idempotent[key] = (request, status, answer)
            return status, answer, False

    def _route(self, method: str, path: str, params: dict) -> tuple[int, dict]:
        """Stripe's answer to an authenticated API request."""
        with self._state:
            if method == "GET" and path == "/v1/account":
                return 200, self._expanded(self.account, params)
            if method == "GET" and path == "/v1/accounts":
                return 200, {"object": "list", "data": [], "has_more": False, "url": path}  # no Connect accounts
            if method == "GET" and re.fullmatch(r"/v1/products/[^/]+/features", path):
                self._get("product", path.split("/")[3])
                return 200, {"object": "list", "data": [], "has_more": False, "url": path}  # no entitlements
            if method == "POST" and re.fullmatch(r"/v1/checkout/sessions/[^/]+/expire", path):
                return self._write(method, path, params, "checkout.session", path.split("/")[4])
            if method == "GET" and path.startswith("/v1/customers/") and path.endswith("/payment_methods"):
                customer = self._get("customer", path.split("/")[3])
                return 200, self._list("payment_method", params | {"customer": customer["id"]}, path)
            for segment, kind in _COLLECTIONS.items():
                if path == f"/v1/{segment}" and method == "GET":
                    return 200, self._list(kind, params, path)
                if path.startswith(f"/v1/{segment}/") and path.count("/") == segment.count("/") + 3:
                    obj_id = path.rsplit("/", 1)[1]
                    if method == "GET":
                        return 200, self._expanded(self._get(kind, obj_id, deleted_ok=True), params)
                    return self._write(method, path, params, kind, obj_id)
            return self._write(method, path, params, path, None)

    def _write(self, method: str, path: str, params: dict, what: str, obj_id: str | None) -> tuple[int, dict]:
        """A create (`what` is the collection's path) or a change of one object (`what` is its kind)."""
        routes = {
            ("POST", "/v1/customers"): self._customer_post, ("POST", "customer"): self._customer_update,
            ("DELETE", "customer"): self._customer_delete_api,
            ("POST", "/v1/checkout/sessions"): self._checkout_post,
            ("POST", "checkout.session"): self._checkout_expire,
            ("POST", "/v1/billing_portal/sessions"): self._portal_post,
            ("POST", "subscription"): self._subscription_update, ("DELETE", "subscription"): self._subscription_cancel,
        }
        handler = routes.get((method, what))
        if handler is None:
            raise StripeError(404, f"Unrecognized request URL ({method}: {path}).")
        obj, events = handler(params) if obj_id is None else handler(self._get(what, obj_id), params)
        self._send(events)
        return 200, self._expanded(obj, params)

    def _customer_post(self, params: dict) -> tuple[dict, list]:
        _check_params(params, "customer_create")
        customer = self._store(_template("customer") | {
            "email": params.get("email"), "name": params.get("name"), "description": params.get("description"),
            "phone": params.get("phone"), "metadata": _metadata(params), "discount": None,
            "address": params.get("address"), "preferred_locales": params.get("preferred_locales", []),
            "shipping": None, "currency": None, "invoice_prefix": _random(8).upper(), "next_invoice_sequence": 1,
            "invoice_settings": {"custom_fields": None, "default_payment_method": None, "footer": None,
                                 "rendering_options": None},
        })
        return customer, [self._event("customer.created", customer)]

    def _customer_update(self, customer: dict, params: dict) -> tuple[dict, list]:
        _check_params(params, "customer_update")
        changes = {key: params[key] for key in ("email", "name", "description", "phone", "address") if key in params}
        if "metadata" in params:
            changes["metadata"] = customer["metadata"] | _metadata(params)
        if "invoice_settings" in params:
            default = params["invoice_settings"].get("default_payment_method")
            self._get("payment_method", default, param="invoice_settings[default_payment_method]")
            changes["invoice_settings"] = customer["invoice_settings"] | {"default_payment_method": default}
        previous = {key: customer[key] for key in changes}
        customer.update(changes)
        return customer, [self._event("customer.updated", customer, previous)]

    def _customer_delete_api(self, customer: dict, params: dict) -> tuple[dict, list]:
        events = self._customer_delete(customer)
        return self.objects[customer["id"]], events

    def _checkout_post(self, params: dict) -> tuple[dict, list]:
        _check_params(params, "checkout_create")
        if params.get("mode") != "subscription":
            raise StripeError(400, "This fake sells subscriptions only: mode must be 'subscription'.", param="mode")
        if not params.get("success_url"):
            raise StripeError(400, "Missing required param: success_url.", param="success_url",
                              code="parameter_missing")
        lines = params.get("line_items") or []
        if len(lines) != 1:
            raise StripeError(400, "Missing required param: line_items.", param="line_items",
                              code="parameter_missing")
        price = self._get("price", lines[0].get("price"), param="line_items[0][price]")
        quantity = _integer(lines[0].get("quantity", "1"), "line_items[0][quantity]")
        customer = params.get("customer") and self._get("customer", params["customer"], param="customer")["id"]
        subscription_data = params.get("subscription_data", {})
        trial_days = _integer(subscription_data.get("trial_period_days", "0"), "subscription_data[trial_period_days]")
        session_id = _new_id("checkout.session")
        amount = price["unit_amount"] * quantity
        session = self._store(_template("checkout.session") | {
            "id": session_id, "mode": "subscription", "customer": customer or None,
            "customer_email": params.get("customer_email"), "customer_creation": None if customer else "always",
            "client_reference_id": params.get("client_reference_id"), "metadata": _metadata(params),
            "success_url": params["success_url"], "cancel_url": params.get("cancel_url"),
            "url": f"{self.url}/pay/{session_id}", "allow_promotion_codes": _boolean(params, "allow_promotion_codes"),
            "status": "open", "payment_status": "unpaid", "currency": price["currency"],
            "amount_subtotal": amount, "amount_total": amount, "expires_at": int(time.time()) + 24 * 3600,
            "payment_intent": None, "invoice": None, "subscription": None, "invoice_creation": None,
            "customer_details": None, "after_expiration": None, "shipping_address_collection": None,
            "shipping_cost": None, "shipping_options": [], "consent": None, "consent_collection": None,
            "collected_information": None, "currency_conversion": None, "adaptive_pricing": None,
            "payment_method_collection": "always", "payment_method_configuration_details": None,
            "custom_text": {"after_submit": None, "shipping_address": None, "submit": None,
                            "terms_of_service_acceptance": None},
            "total_details": {"amount_discount": 0, "amount_shipping": 0, "amount_tax": 0},
            "locale": params.get("locale"),
        })
        self._checkouts[session_id] = {"price": price["id"], "quantity": quantity, "trial_days": trial_days,
                                       "metadata": _metadata(subscription_data)}
        return session, []

    def _checkout_expire(self, session: dict, params: dict) -> tuple[dict, list]:
        if session["status"] != "open":
            raise StripeError(400, 'Only Checkout Sessions with a status in ["open"] can be expired.',
                              param="session")
        session["status"] = "expired"
        return session, [self._event("checkout.session.expired", session)]

    def _portal_post(self, params: dict) -> tuple[dict, list]:
        _check_params(params, "portal_create")
        customer = self._get("customer", params.get("customer"), param="customer")
        session_id = _new_id("billing_portal.session")
        session = _template("billing_portal.session") | {
            "id": session_id, "customer": customer["id"], "return_url": params.get("return_url"),
            "url": f"{self.url}/portal/{session_id}", "flow": None,
            "configuration": "bpc_" + _random(24),
        }
        return self._store(session), []

    def _subscription_update(self, subscription: dict, params: dict) -> tuple[dict, list]:
        _check_params(params, "subscription_update")
        if subscription["status"] in ("canceled", "incomplete_expired"):
            raise StripeError(400, "A canceled subscription can only update its cancellation_details and metadata.")
        changes = {}
        if "cancel_at_period_end" in params:
            ending = _boolean(params, "cancel_at_period_end")
            period_end = subscription["items"]["data"][0]["current_period_end"]
            changes |= {"cancel_at_period_end": ending, "cancel_at": period_end if ending else None,
                        "canceled_at": int(time.time()) if ending else None}
        if "metadata" in params:
            changes["metadata"] = subscription["metadata"] | _metadata(params)
        if "default_payment_method" in params:
            changes["default_payment_method"] = self._get("payment_method", params["default_payment_method"],
                                                          param="default_payment_method")["id"]
        if params.get("items"):  # a plan change; the fake invoices no prorations
            price = self._get("price", params["items"][0].get("price"), param="items[0][price]")
            item = subscription["items"]["data"][0] | {"price": copy.deepcopy(price), "plan": _plan(price)}
            changes["items"] = _items(subscription["id"], item)
        previous = self._subscription_change(subscription, **changes)
        return subscription, [self._event("customer.subscription.updated", subscription, previous)]

    def _subscription_cancel(self, subscription: dict, params: dict) -> tuple[dict, list]:
        _check_params(params, "subscription_cancel")
        if subscription["status"] == "canceled":
            raise StripeError(400, f"No such subscription: '{subscription['id']}'", param="id",
                              code="resource_missing")
        return subscription, self._subscription_end(subscription)

    # --- what changes the state ---------------------------------------------------------
    def _checkout_pay(self, session_id: str, card_brand: str, last4: str) -> tuple[dict, list[dict]]:
        with self._state:
            session = self._get("checkout.session", session_id)
            if session["status"] != "open":
                raise StripeError(400, f"This Checkout session is {session['status']}.", param="session")
            sale = self._checkouts[session_id]
            events = []
            customer = self.objects.get(session["customer"] or "")
            if customer is None:
                customer, created = self._customer_post({"email": session["customer_email"]})
                events += created
            # As Stripe's Checkout does, the card becomes the subscription's default, not the customer's.
            method = self._payment_method_create(customer, card_brand, last4)
            subscription = self._subscription_create(customer, self.objects[sale["price"]], sale, method)
            item = subscription["items"]["data"][0]
            invoice = self._invoice_create(subscription, item["current_period_start"], item["current_period_end"],
                                           reason="subscription_create", paid=True)
            subscription["latest_invoice"] = invoice["id"]
            session.update({
                "status": "complete", "payment_status": "paid" if invoice["amount_due"] else "no_payment_required",
                "customer": customer["id"], "subscription": subscription["id"], "invoice": invoice["id"],
                "customer_details": {"address": None, "email": customer["email"], "name": customer["name"],
                                     "phone": None, "tax_exempt": "none", "tax_ids": [], "business_name": None,
                                     "individual_name": None},
            })
            events += [self._event("checkout.session.completed", session),
                       self._event("customer.subscription.created", subscription),
                       self._event("invoice.paid", invoice)]
            return session, events

    def _payment_method_create(self, customer: dict, brand: str, last4: str) -> dict:
        template = _template("payment_method")
        return self._store(template | {
            "customer": customer["id"], "metadata": {}, "allow_redisplay": "always",
            "billing_details": {"address": None, "email": customer["email"], "name": customer["name"],
                                "phone": None, "tax_id": None},
            "card": template["card"] | {
                "brand": brand, "display_brand": brand, "last4": last4, "exp_month": 12,
                "exp_year": datetime.now(UTC).year + 3, "fingerprint": _random(16), "generated_from": None,
                "wallet": None, "networks": {"available": [brand], "preferred": None},
            },
        })

    def _subscription_create(self, customer: dict, price: dict, sale: dict, method: dict) -> dict:
        now = int(time.time())
        trial_end = now + sale["trial_days"] * 86400 if sale["trial_days"] else None
        anchor = trial_end or now
        subscription_id = _new_id("subscription")
        item = _template("subscription_item") | {
            "id": _new_id("subscription_item"), "subscription": subscription_id, "created": now,
            "quantity": sale["quantity"], "price": copy.deepcopy(price), "plan": _plan(price),
            "billing_thresholds": None,
            "current_period_start": now, "current_period_end": trial_end or _add_interval(anchor, price, 1),
        }
        template = _template("subscription")
        return self._store(template | {
            "id": subscription_id, "customer": customer["id"], "currency": price["currency"],
            "status": "trialing" if trial_end else "active", "items": _items(subscription_id, item),
            "default_payment_method": method["id"], "billing_cycle_anchor": anchor,
            "billing_cycle_anchor_config": None, "start_date": now, "trial_start": trial_end and now,
            "trial_end": trial_end, "cancel_at": None, "canceled_at": None, "cancel_at_period_end": False,
            "ended_at": None, "next_pending_invoice_item_invoice": None, "pause_collection": None,
            "pending_invoice_item_interval": None, "pending_update": None, "transfer_data": None,
            "billing_thresholds": None, "payment_settings": template["payment_settings"] | {
                "payment_method_options": None, "save_default_payment_method": "on_subscription"},
            "latest_invoice": None, "metadata": sale["metadata"],
        })

    def _subscription_change(self, subscription: dict, **changes) -> dict:
        """Applies `changes`; returns the previous values, as an event's `previous_attributes`."""
        previous = {key: copy.deepcopy(subscription[key]) for key in changes if subscription[key] != changes[key]}
        subscription.update(changes)
        return previous

    def _subscription_end(self, subscription: dict) -> list[dict]:
        now = int(time.time())
        previous = self._subscription_change(subscription, status="canceled", ended_at=now,
                                             canceled_at=subscription["canceled_at"] or now)
        return [self._event("customer.subscription.deleted", subscription, previous)]

    def _customer_delete(self, customer: dict) -> list[dict]:
        events = [event for subscription in self._all("subscription")
                  if subscription["customer"] == customer["id"] and subscription["status"] != "canceled"
                  for event in self._subscription_end(subscription)]
        events.append(self._event("customer.deleted", customer))
        self.objects[customer["id"]] = {"id": customer["id"], "object": "customer", "deleted": True}
        return events

    def _invoice_create(self, subscription: dict, start: int, end: int, *, reason: str, paid: bool) -> dict:
        now = int(time.time())
        customer = self.objects[subscription["customer"]]
        item = subscription["items"]["data"][0]
        price = item["price"]
        trialing = reason == "subscription_create" and subscription["trial_end"]
        amount = 0 if trialing else price["unit_amount"] * item["quantity"]
        invoice_id = _new_id("invoice")
        number = f"{customer['invoice_prefix']}-{customer['next_invoice_sequence']:04d}"
        customer["next_invoice_sequence"] += 1
        line = _template("line_item") | {
            "id": _new_id("line_item"), "invoice": invoice_id, "amount": amount, "currency": price["currency"],
            "description": f"{item['quantity']} × Re-Wrapped Premium" + (" (trial)" if trialing else ""),
            "period": {"start": start, "end": end}, "quantity": item["quantity"], "subscription": None,
            "discountable": True, "discounts": [], "discount_amounts": [], "pretax_credit_amounts": [], "taxes": [],
            "parent": {"invoice_item_details": None, "type": "subscription_item_details",
                       "subscription_item_details": {"invoice_item": None, "proration": False,
                                                     "proration_details": {"credited_items": None},
                                                     "subscription": subscription["id"],
                                                     "subscription_item": item["id"]}},
            "pricing": {"price_details": {"price": price["id"], "product": price["product"]},
                        "type": "price_details", "unit_amount_decimal": price["unit_amount_decimal"]},
        }
        invoice = self._store(_template("invoice") | {
            "id": invoice_id, "number": number, "customer": customer["id"], "customer_email": customer["email"],
            "customer_name": customer["name"], "customer_address": None, "customer_shipping": None,
            "currency": price["currency"], "billing_reason": reason, "description": None,
            "amount_due": amount, "amount_paid": 0, "amount_remaining": amount, "amount_overpaid": 0,
            "subtotal": amount, "subtotal_excluding_tax": amount, "total": amount, "total_excluding_tax": amount,
            "period_start": start, "period_end": start, "effective_at": now, "due_date": None,
            "status": "open", "attempted": True, "attempt_count": 1, "auto_advance": True,
            "next_payment_attempt": now + RETRY_DAYS * 86400,
            "status_transitions": {"finalized_at": now, "marked_uncollectible_at": None, "paid_at": None,
                                   "voided_at": None},
            "hosted_invoice_url": f"{self.url}/invoice/{invoice_id}",
            "invoice_pdf": f"{self.url}/invoice/{invoice_id}/pdf",
            "lines": {"object": "list", "data": [line], "has_more": False, "total_count": 1,
                      "url": f"/v1/invoices/{invoice_id}/lines"},
            "parent": {"quote_details": None, "type": "subscription_details",
                       "subscription_details": {"metadata": {}, "subscription": subscription["id"]}},
            "default_payment_method": None, "from_invoice": None, "last_finalization_error": None,
            "shipping_cost": None, "shipping_details": None, "webhooks_delivered_at": now, "ending_balance": 0,
        })
        if paid:
            self._invoice_pay(invoice)
        return invoice

    def _invoice_pay(self, invoice: dict) -> None:
        invoice.update({"status": "paid", "amount_paid": invoice["amount_due"], "amount_remaining": 0,
                        "auto_advance": False, "next_payment_attempt": None,
                        "status_transitions": invoice["status_transitions"] | {"paid_at": int(time.time())}})

    def _next_period(self, subscription: dict) -> tuple[int, int]:
        item = subscription["items"]["data"][0]
        start = item["current_period_end"]
        periods = 1
        while (end := _add_interval(subscription["billing_cycle_anchor"], item["price"], periods)) <= start:
            periods += 1
        return start, end

    def _event(self, type: str, obj: dict, previous: dict | None = None) -> dict:
        return self._store({
            "id": _new_id("event"), "object": "event", "api_version": API_VERSION, "created": int(time.time()),
            "data": {"object": copy.deepcopy(obj), **({"previous_attributes": previous} if previous else {})},
            "livemode": False, "pending_webhooks": 1 if self.webhook_url else 0,
            "request": {"id": None, "idempotency_key": None}, "type": type,
        })

    # --- storage and reading -------------------------------------------------------------
    def _store(self, obj: dict) -> dict:
        obj.setdefault("id", _new_id(obj["object"]))
        obj.update({"created": int(time.time()), "livemode": False})
        self.objects[obj["id"]] = obj
        return obj

    def _all(self, kind: str) -> list[dict]:
        return [obj for obj in self.objects.values() if obj["object"] == kind and not obj.get("deleted")]

    def _get(self, kind: str, obj_id: str | None, *, param: str = "id", deleted_ok: bool = False) -> dict:
        obj = self.objects.get(obj_id or "")
        if obj is None or obj["object"] != kind or (obj.get("deleted") and not deleted_ok):
            raise StripeError(404, f"No such {kind.split('.')[-1]}: '{obj_id}'", param=param,
                              code="resource_missing")
        return obj

    def _list(self, kind: str, params: dict, path: str) -> dict:
        limit = _integer(params.get("limit", "10"), "limit")
        if not 1 <= limit <= 100:
            raise StripeError(400, "Invalid limit: must be between 1 and 100", param="limit")
        found = [obj for obj in reversed(self._all(kind)) if _matches(obj, params)]
        if "starting_after" in params:
            ids = [obj["id"] for obj in found]
            if params["starting_after"] not in ids:
                raise StripeError(400, f"No such {kind}: '{params['starting_after']}'", param="starting_after",
                                  code="resource_missing")
            found = found[ids.index(params["starting_after"]) + 1:]
        page = {"object": "list", "data": found[:limit], "has_more": len(found) > limit, "url": path}
        return self._expanded(page, params)

    def _expanded(self, obj: dict, params: dict) -> dict:
        """A copy of `obj` with the ids `expand[]` names replaced by their objects."""
        obj = copy.deepcopy(obj)
        for path in params.get("expand", []):
            self._expand(obj, path.split("."))
        return obj

    def _expand(self, node, parts: list[str]) -> None:
        if isinstance(node, list):
            for each in node:
                self._expand(each, parts)
            return
        if not isinstance(node, dict) or parts[0] not in node:
            return
        value = node[parts[0]]
        if isinstance(value, str) and value in self.objects:
            value = node[parts[0]] = copy.deepcopy(self.objects[value])
        if parts[1:]:
            self._expand(value, parts[1:])

    # --- hosted pages ------------------------------------------------------------------
    def page(self, method: str, path: str, form: dict) -> tuple[int, str | bytes, dict]:
        """A hosted page (status, body, headers): Checkout, whose Pay button pays and 303s to the session's
        success_url, the Portal, and an invoice's page and PDF."""
        kind, _, rest = path.strip("/").partition("/")
        obj_id, _, pdf = rest.partition("/")
        if kind == "pay" and method == "POST":
            try:
                session, events = self._checkout_pay(obj_id, form.get("brand", "visa"), form.get("last4", "4242"))
            except StripeError as error:
                return 400, _html("Checkout", f"<p>{html.escape(error.body['error']['message'])}</p>"), {}
            self._send(events)  # delivered after the listener is back on our success page, as Stripe does
            return 303, "", {"Location": session["success_url"].replace("{CHECKOUT_SESSION_ID}", session["id"])}
        with self._state:
            obj = self.objects.get(obj_id, {})
            kinds = {"pay": "checkout.session", "portal": "billing_portal.session", "invoice": "invoice"}
            if kinds.get(kind) != obj.get("object"):
                return 404, _html("Not found", "<p>Not found.</p>"), {}
            if kind == "pay":
                return 200, self._checkout_page(obj), {}
            if kind == "portal":
                return 200, _html("Billing portal", f"""
                    <h1>Manage your subscription</h1>
                    <p><a href="{html.escape(obj["return_url"] or "/")}">Return to Re-Wrapped</a></p>"""), {}
            if pdf:
                return 200, _pdf(f"Invoice {obj['number']}"), {"Content-Type": "application/pdf"}
            return 200, _html(f"Invoice {obj['number']}", f"""
                <h1>Invoice {html.escape(obj["number"])}</h1>
                <p>{_money(obj, "amount_due")} · {obj["status"]}</p>"""), {}

    def _checkout_page(self, session: dict) -> str:
        if session["status"] != "open":
            return _html("Checkout", f"<p>This Checkout session is {session['status']}.</p>")
        price = self.objects[self._checkouts[session["id"]]["price"]]
        back = f'<p><a href="{html.escape(session["cancel_url"])}">Back</a></p>' if session["cancel_url"] else ""
        return _html("Checkout", f"""
            <h1>Re-Wrapped Premium</h1>
            <p>{_money(price)} / {price["recurring"]["interval"]}</p>
            <form method="post">
              <label>Card <select name="brand"><option>visa</option><option>mastercard</option></select></label>
              <label>Last 4 <input name="last4" value="4242" pattern="[0-9]{{4}}" required></label>
              <button type="submit">Pay</button>
            </form>{back}""")


# --- the HTTP side -----------------------------------------------------------------------
def _handler_for(fake: FakeStripe):
    class Handler(JsonHandler):
        def do_GET(self):
            self._handle("GET")

        def do_POST(self):
            self._handle("POST")

        def do_DELETE(self):
            self._handle("DELETE")

        def _handle(self, method: str) -> None:
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode() if length else ""
            params = _form(parse_qsl(parts.query, keep_blank_values=True) + parse_qsl(body, keep_blank_values=True))
            fake.requests.append((method, parts.path, params))
            if not parts.path.startswith("/v1/"):
                status, text, headers = fake.page(method, parts.path, params)
                return self._send_text(status, text, headers)
            headers = {"Stripe-Version": self.headers.get("Stripe-Version") or API_VERSION,
                       "Request-Id": "req_" + _random(14)}
            try:
                status, answer = self._answer(method, parts.path, params, headers)
            except StripeError as error:
                status, answer = error.status, error.body
            self._send(status, answer, headers)

        def _answer(self, method: str, path: str, params: dict, headers: dict) -> tuple[int, dict]:
            authorization = self.headers.get("Authorization", "")
            if not authorization.startswith("Bearer "):
                raise StripeError(401, "You did not provide an API key. Provide it as 'Authorization: Bearer "
                                       "<key>'.")
            if authorization.removeprefix("Bearer ") != fake.api_key:
                raise StripeError(401, f"Invalid API Key provided: {authorization[7:15]}***")
            fault = fake.take_fault(path)
            if fault and fault.status == 429:
                if fault.retry_after is not None:
                    headers["Retry-After"] = str(fault.retry_after)
                raise StripeError(429, "Request rate limit exceeded. Retry after a short while.", code="rate_limit")
            if fault:
                headers["Stripe-Should-Retry"] = "false"
                raise StripeError(fault.status, "An error occurred with our connection to Stripe.", type="api_error")
            key = self.headers.get("Idempotency-Key") if method == "POST" else None
            status, answer, replayed = fake.answer_once(method, path, params, key)
            if replayed:
                headers["Idempotent-Replayed"] = "true"
            return status, answer

        def _send_text(self, status: int, text: str | bytes, headers: dict) -> None:
            payload = text if isinstance(text, bytes) else text.encode()
            self.send_response(status)
            headers = {"Content-Type": "text/html; charset=utf-8"} | headers
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

    return Handler


# --- helpers -----------------------------------------------------------------------------
def _template(kind: str) -> dict:
    """stripe-mock's object of `kind`, without its id."""
    obj = copy.deepcopy(_TEMPLATES[kind])
    del obj["id"]
    return obj


def _random(length: int) -> str:
    return "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(length))


def _new_id(kind: str) -> str:
    """An id as long as Stripe's of this kind."""
    length = {"checkout.session": 58, "customer": 14, "product": 14, "subscription_item": 14, "account": 16}
    return f"{_PREFIXES[kind]}_{_random(length.get(kind, 24))}"


def _form(pairs: list[tuple[str, str]]) -> dict:
    """Stripe's form encoding (`line_items[0][price]=…`, `expand[]=…`, `expand[0]=…`) as nested dicts and
    lists."""
    root: dict = {}
    for key, value in pairs:
        name, tail = re.match(r"([^\[]*)(.*)", key).groups()
        path = [name, *re.findall(r"\[([^\]]*)\]", tail)]
        node = root
        for part, following in zip(path, path[1:]):
            node = node.setdefault(part, [] if following == "" else {})
        if path[-1] == "":
            node.append(value)
        else:
            node[path[-1]] = value
    return _listed(root)


def _listed(node):
    """Dicts keyed 0, 1, … as lists."""
    if isinstance(node, dict):
        node = {key: _listed(value) for key, value in node.items()}
        if node and all(key.isdigit() for key in node):
            return [node[key] for key in sorted(node, key=int)]
    return node


def _check_params(params: dict, action: str) -> None:
    for name in params:
        if name not in _ACCEPTS[action] | {"expand"}:
            raise StripeError(400, f"Received unknown parameter: {name}", param=name, code="parameter_unknown")


def _boolean(params: dict, name: str) -> bool | None:
    if name not in params:
        return None
    if params[name] not in ("true", "false"):
        raise StripeError(400, f"Invalid boolean: {params[name]}", param=name, code="parameter_invalid_boolean")
    return params[name] == "true"


def _integer(value: str, param: str) -> int:
    if not str(value).isdigit():
        raise StripeError(400, f"Invalid integer: {value}", param=param, code="parameter_invalid_integer")
    return int(value)


def _metadata(params: dict) -> dict:
    metadata = params.get("metadata") or {}
    if not isinstance(metadata, dict):
        raise StripeError(400, "Invalid object", param="metadata", code="parameter_invalid_empty")
    return metadata


def _matches(obj: dict, params: dict) -> bool:
    """Whether a listed object passes the list's filters (subscriptions leave out canceled ones by default)."""
    kind = obj["object"]
    if kind == "subscription" and params.get("status", "all") != "all" and obj["status"] != params["status"]:
        return False
    if kind == "subscription" and "status" not in params and obj["status"] == "canceled":
        return False
    if kind == "invoice" and "subscription" in params:
        if (obj["parent"] or {}).get("subscription_details", {}).get("subscription") != params["subscription"]:
            return False
    if kind == "checkout.session" and params.get("status") not in (None, obj["status"]):
        return False
    if kind == "price" and "lookup_keys" in params and obj["lookup_key"] not in params["lookup_keys"]:
        return False
    for name in ("customer", "email", "type", "product", "active"):
        if name in params and name in obj and json.dumps(obj[name]).strip('"') != params[name]:
            return False
    return kind != "invoice" or params.get("status") in (None, obj["status"])


def _plan(price: dict) -> dict:
    """The legacy plan view of a recurring price that subscription items still carry."""
    return _template("plan") | {
        "id": price["id"], "active": price["active"], "amount": price["unit_amount"],
        "amount_decimal": price["unit_amount_decimal"], "billing_scheme": "per_unit", "created": price["created"],
        "currency": price["currency"], "interval": price["recurring"]["interval"], "interval_count": 1,
        "livemode": False, "metadata": {}, "nickname": price["nickname"], "product": price["product"],
        "tiers_mode": None, "transform_usage": None, "trial_period_days": None, "usage_type": "licensed",
    }


def _items(subscription_id: str, item: dict) -> dict:
    return {"object": "list", "data": [item], "has_more": False, "total_count": 1,
            "url": f"/v1/subscription_items?subscription={subscription_id}"}


def _period_moved(subscription: dict, start: int, end: int) -> dict:
    """The subscription's items, in the period from `start` to `end`."""
    item = subscription["items"]["data"][0] | {"current_period_start": start, "current_period_end": end}
    return _items(subscription["id"], item)


def _add_interval(anchor: int, price: dict, periods: int) -> int:
    """`periods` billing intervals after `anchor`, on the anchor's day of the month (or the month's last)."""
    start = datetime.fromtimestamp(anchor, UTC)
    months = periods * (12 if price["recurring"]["interval"] == "year" else 1)
    year, month = divmod(start.month - 1 + months, 12)
    year, month = start.year + year, month + 1
    day = min(start.day, calendar.monthrange(year, month)[1])
    return int(start.replace(year=year, month=month, day=day).timestamp())


def _money(obj: dict, field: str = "unit_amount") -> str:
    return f"{obj[field] / 100:.2f} {obj['currency'].upper()}"


def _html(title: str, body: str) -> str:
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
            f"</head><body>{body}</body></html>")


def _pdf(text: str) -> bytes:
    """A one-page PDF saying `text`."""
    stream = f"BT /F1 18 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
               b"/Resources << /Font << /F1 5 0 R >> >> >>",
               b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    out, offsets = b"%PDF-1.4\n", []
    for number, obj in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, obj)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    return out + b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
