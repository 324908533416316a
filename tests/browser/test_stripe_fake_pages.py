"""The fake Stripe's hosted pages work in a real browser, as Stripe's do: Checkout's Pay button pays and
returns to the success URL, the Portal links back to where it was opened from."""

import pytest
import stripe
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_checkout_pays_and_returns_to_the_success_url_and_the_portal_links_back(page, live_server, stripe_fake):
    api = stripe.StripeClient(stripe_fake.api_key, base_addresses={"api": stripe_fake.url})
    customer = api.v1.customers.create(params={"email": "lena@example.com"})
    session = api.v1.checkout.sessions.create(params={
        "mode": "subscription", "customer": customer.id, "line_items": [{"price": stripe_fake.yearly["id"]}],
        "success_url": f"{live_server.url}/?session_id={{CHECKOUT_SESSION_ID}}", "cancel_url": live_server.url,
    })

    page.goto(session.url)
    expect(page.get_by_text("49.99 EUR / year")).to_be_visible()
    page.get_by_role("button", name="Pay").click()

    page.wait_for_url(f"{live_server.url}/?session_id={session.id}")
    assert api.v1.subscriptions.list(params={"customer": customer.id}).data[0].status == "active"

    portal = api.v1.billing_portal.sessions.create(params={"customer": customer.id,
                                                           "return_url": f"{live_server.url}/?from=portal"})
    page.goto(portal.url)
    page.get_by_role("link", name="Return to Re-Wrapped").click()
    page.wait_for_url(f"{live_server.url}/?from=portal")
