"""Billing as a listener lives it, in a real browser on the real daphne with the fake Stripe sending its signed
webhooks to it: the sixth free song leads to Checkout, the webhook makes the listener Premium while the success page
waits, and the billing page shows, cancels, resumes and warns of a failed payment. Every billing page passes axe
and fits a desktop and a phone."""

import re
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from billing import selectors
from emotions.models import RecommendedPlay
from emotions.services import recommended_play_record
from listening.models import Track
from tests.browser.conftest import serious_violations
from tests.browser.test_mood import VIEWPORTS, fits_the_width, on_the_stack, songs, with_history  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AUCKLAND = "Pacific/Auckland"


def looks_right(page, axe_source: str) -> None:
    """No serious axe violation and nothing wider than the screen, on a desktop and on a phone."""
    for name, viewport in VIEWPORTS.items():
        page.set_viewport_size(viewport)
        violations = serious_violations(page, axe_source)
        assert not violations, (page.url, name, violations)
        assert fits_the_width(page), (page.url, name)
    page.set_viewport_size(VIEWPORTS["desktop"])


def free_songs_used_up(user) -> None:
    """The listener played their five free recommended songs earlier, through the mood page's own service."""
    for track in Track.objects.order_by("pk")[:5]:
        recommended_play_record(user=user, track_public_id=track.public_id, at=timezone.now())


def played_on_spotify(page, play) -> None:
    with page.context.expect_page() as spotify:
        play.click()
    expect(spotify.value).to_have_url(re.compile(r"^https://open\.spotify\.com/track/"))
    spotify.value.close()


def events_of(stripe_fake) -> list[dict]:
    """The events Stripe made so far, oldest first."""
    return [obj for obj in list(stripe_fake.objects.values()) if obj["object"] == "event"]


def day_in(zone: str, moment) -> str:
    local = timezone.localtime(moment, ZoneInfo(zone))
    return f"{local.day} {local:%B %Y}"


@pytest.fixture
def premium_setup(stripe_fake, daphne_server, listener):
    """A free listener in Auckland with a listening history and no free song left; Premium's prices synced from
    Stripe; Stripe's webhooks going to the running daphne."""
    listener.time_zone = AUCKLAND
    listener.save(update_fields=["time_zone"])
    with_history(listener)
    free_songs_used_up(listener)
    call_command("billing_sync")
    stripe_fake.webhook_url = f"http://{daphne_server}/billing/webhook/"
    return listener


def test_the_sixth_song_leads_to_checkout_the_webhook_makes_the_listener_premium_and_the_page_plays_on(
        browser, on_the_stack, premium_setup, stripe_fake, axe_source):  # noqa: F811
    listener = premium_setup
    webhook_url = stripe_fake.webhook_url
    page = on_the_stack(browser, listener, camera=False)
    page.goto("/mood/")
    expect(page.locator("#free-songs")).to_have_text("No free songs left.")
    play = songs(page).first.get_by_role("button", name=re.compile(r"^Play "))

    play.click()
    dialog = page.get_by_role("dialog", name="Play on with Premium")
    dialog.get_by_role("link", name="Upgrade to Premium").click()

    expect(page).to_have_url(re.compile(r"/billing/upgrade/$"))
    expect(page.get_by_text("You have 0 of 5 free recommended songs left.")).to_be_visible()
    looks_right(page, axe_source)
    page.get_by_label("Monthly: 4.99 EUR a month").check()
    page.get_by_role("button", name="Continue to payment").click()

    expect(page).to_have_url(re.compile(rf"^{re.escape(stripe_fake.url)}/pay/cs_"))
    expect(page.get_by_text("4.99 EUR / month")).to_be_visible()
    delivered = {event["id"] for event in events_of(stripe_fake)}
    stripe_fake.webhook_url = None  # Stripe is slow today: its events wait until the test delivers them
    page.get_by_role("button", name="Pay").click()

    expect(page).to_have_url(re.compile(r"/billing/checkout/success/\?session_id=cs_"))
    waiting = page.get_by_text("Stripe is confirming your payment.")
    premium = page.get_by_text("You're Premium: recommended songs are unlimited.")
    expect(waiting).to_be_visible()
    expect(premium).to_be_hidden()
    looks_right(page, axe_source)
    page.reload()  # coming back to the page does not make anyone Premium either
    expect(waiting).to_be_visible()
    expect(page.get_by_text("Stripe's confirmation is taking longer than usual.")).to_be_visible(timeout=20_000)
    expect(premium).to_be_hidden()
    assert not selectors.entitlement(listener).premium

    stripe_fake.webhook_url = webhook_url
    held = [event for event in events_of(stripe_fake) if event["id"] not in delivered]
    assert "checkout.session.completed" in [event["type"] for event in held]
    assert [stripe_fake.event_send(event) for event in held] == [200] * len(held)

    expect(premium).to_be_visible()  # told over the notifications socket, the page left as it was
    expect(page.get_by_text("Stripe's confirmation is taking longer than usual.")).to_be_hidden()
    assert selectors.entitlement(listener).premium
    looks_right(page, axe_source)

    premium.get_by_role("link", name="Back to your mood").click()
    expect(page).to_have_url(re.compile(r"/mood/$"))
    play = songs(page).first.get_by_role("button", name=re.compile(r"^Play "))
    for _ in range(3):
        played_on_spotify(page, play)
    expect(page.get_by_role("dialog", name="Play on with Premium")).to_be_hidden()
    expect(page.locator("#free-songs")).to_be_hidden()
    assert RecommendedPlay.objects.filter(user=listener).count() == 8


def test_a_premium_listener_sees_plan_card_and_invoice_cancels_resumes_and_is_warned_of_a_failed_payment(
        browser, on_the_stack, premium_setup, stripe_fake, axe_source):  # noqa: F811
    listener = premium_setup
    page = on_the_stack(browser, listener, camera=False)
    page.goto("/billing/upgrade/")
    page.get_by_label("Monthly: 4.99 EUR a month").check()
    page.get_by_role("button", name="Continue to payment").click()
    page.get_by_role("button", name="Pay").click()
    expect(page.get_by_text("You're Premium: recommended songs are unlimited.")).to_be_visible()
    subscription = selectors.subscription_current(listener)
    renews = day_in(AUCKLAND, selectors.subscription_period_end(subscription))
    invoice = next(obj for obj in stripe_fake.objects.values()
                   if obj["object"] == "invoice" and obj["customer"] == subscription.customer_id)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Billing").click()

    plan = page.locator("#plan-status")
    expect(plan).to_contain_text("Plan Premium")
    expect(plan).to_contain_text(f"Active: renews on {renews}.")
    expect(plan).to_contain_text("Price 4.99 EUR a month")
    expect(page.locator("#payment-method")).to_contain_text("Visa ending in 4242")
    row = page.locator("#invoices tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text(invoice["number"])
    expect(row).to_contain_text("4.99 EUR")
    expect(row).to_contain_text("Paid")
    looks_right(page, axe_source)

    with page.context.expect_page() as hosted:
        row.get_by_role("link", name=re.compile(r"^View")).click()
    expect(hosted.value.get_by_role("heading", name=f"Invoice {invoice['number']}")).to_be_visible()
    hosted.value.close()
    pdf = page.request.get(row.get_by_role("link", name=re.compile(r"^PDF")).get_attribute("href"))
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf" and pdf.body().startswith(b"%PDF")

    page.get_by_text("Cancel at period end").click()
    page.get_by_label("Yes, end Premium when this period ends").check()
    page.get_by_role("button", name="Cancel Premium").click()

    expect(plan).to_contain_text(f"Cancelling on {renews}: Premium stays until then.")
    expect(plan).to_contain_text("Plan Premium")
    page.get_by_role("button", name="Resume Premium").click()

    expect(plan).to_contain_text(f"Active: renews on {renews}.")
    expect(plan).not_to_contain_text("Cancelling")
    expect(page.get_by_role("button", name="Resume Premium")).to_have_count(0)

    stripe_fake.payment_fail(subscription.id)
    page.goto("/listening/")

    banner = page.get_by_role("alert").filter(has_text="Your last Premium payment failed.")
    expect(banner).to_be_visible()
    looks_right(page, axe_source)
    banner.get_by_role("button", name="Update your payment method").click()

    expect(page).to_have_url(re.compile(rf"^{re.escape(stripe_fake.url)}/portal/bps_"))
    page.get_by_role("link", name="Return to Re-Wrapped").click()
    expect(page).to_have_url(re.compile(r"/billing/$"))
    expect(plan).to_contain_text("Plan Premium")
    expect(plan).to_contain_text("Payment failed: Stripe is retrying it.")
    assert selectors.entitlement(listener).premium


@pytest.mark.parametrize("persona", ["listener", "promoter", "staff"])
def test_the_signed_in_menu_with_billing_fits_one_line_on_a_desktop(page, sign_in, request, persona):
    page.set_viewport_size(VIEWPORTS["desktop"])
    sign_in(request.getfixturevalue(persona))
    page.goto("/billing/")
    menu = page.get_by_role("navigation", name="Main")

    billing = menu.get_by_role("link", name="Billing", exact=True)
    expect(billing).to_be_visible()
    expect(billing).to_have_attribute("aria-current", "page")
    expect(menu.get_by_role("button", name="Log out")).to_be_visible()
    box = menu.bounding_box()
    assert box["height"] < 100, f"the menu wrapped onto a second line for {persona}"
