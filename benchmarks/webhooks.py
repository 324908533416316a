"""What one Stripe webhook costs at /billing/webhook/: a first delivery (verify, record, read the object back from
Stripe, store it), a replay (verify, count the delivery) and a refused one (bad signature), against the fake Stripe.

    DEBUG=1 RW_VAR_DIR=var/bench_webhooks LOG_LEVEL=ERROR .venv/bin/python benchmarks/webhooks.py [N]

N listeners (50) each pay a Checkout on the fake Stripe; their checkout.session.completed,
customer.subscription.created and invoice.paid events are then delivered through Django's test client, in process.
Prints p50/p95 ms and SQL queries per delivery of each kind; the Stripe round trips are on 127.0.0.1, so a real
Stripe's latency (~100-300 ms a read) comes on top of a first delivery and of nothing else.
"""

import os
import statistics
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rewrapped.settings")

import django  # noqa: E402

django.setup()

import stripe  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from accounts.models import User  # noqa: E402
from tests.fakes.stripe import FakeStripe  # noqa: E402

URL = "/billing/webhook/"


def paid_checkouts(fake: FakeStripe, count: int) -> list[dict]:
    events = []
    for _ in range(count):
        name = f"bench-{uuid.uuid4().hex[:12]}"
        user = User.objects.create(username=name, email=f"{name}@example.com")
        customer = stripe.Customer.create(email=user.email, api_key=fake.api_key)
        session = stripe.checkout.Session.create(
            mode="subscription", customer=customer.id, client_reference_id=str(user.pk),
            line_items=[{"price": fake.monthly["id"], "quantity": 1}], success_url="http://bench/done",
            api_key=fake.api_key)
        fake.checkout_complete(session.id)
        events += [stripe.Event.list(type=kind, limit=1, api_key=fake.api_key).last_response.data["data"][0]
                   for kind in ("checkout.session.completed", "customer.subscription.created", "invoice.paid")]
    return events


def deliveries(fake: FakeStripe, events: list[dict], *, secret: str | None = None) -> tuple[list[float], list[int]]:
    client, took, queries = Client(HTTP_HOST="localhost"), [], []
    for event in events:
        body, signature = fake.event_signed(event, secret=secret)
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            status = client.post(URL, body, content_type="application/json",
                                 headers={"Stripe-Signature": signature}).status_code
            took.append((time.perf_counter() - started) * 1000)
        assert status == (400 if secret else 200), status
        queries.append(len(captured))
    return took, queries


def report(name: str, took: list[float], queries: list[int]) -> None:
    p95 = statistics.quantiles(took, n=20)[18]
    print(f"{name:34} p50 {statistics.median(took):6.1f} ms  p95 {p95:6.1f} ms  "
          f"{statistics.median(queries):4.0f} queries (max {max(queries)})")


def main(count: int) -> None:
    call_command("migrate", verbosity=0)
    fake = FakeStripe().start()
    try:
        with override_settings(STRIPE_API_BASE=fake.url, STRIPE_TEST_SECRET_KEY=fake.api_key,
                               STRIPE_WEBHOOK_SECRET=fake.webhook_secret):
            events = paid_checkouts(fake, count)
            report(f"first delivery ({len(events)} events)", *deliveries(fake, events))
            report("replay", *deliveries(fake, events))
            report("refused (bad signature)", *deliveries(fake, events, secret="whsec_not_ours"))
    finally:
        fake.stop()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 50)
