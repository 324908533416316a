"""When Premium holds and ends (billing/selectors.py entitlement), read at moments around the period Stripe last
told us of: a renewal whose webhook is late, Stripe retrying a failed payment, a cancellation date."""

from datetime import UTC, datetime, timedelta

from billing import selectors
from tests.billing.test_checkout import premium_through_checkout, subscription_synced
from tests.billing.test_page import period_end_set

PERIOD_END = datetime(2027, 4, 4, 12, 30, tzinfo=UTC)


def test_a_renewal_whose_webhook_is_late_keeps_premium_for_three_days(client, listener, stripe_fake):
    subscription = premium_through_checkout(client, listener, stripe_fake)
    period_end_set(stripe_fake, subscription.id, PERIOD_END)
    subscription_synced(stripe_fake, subscription.id)

    late = selectors.entitlement(listener, now=PERIOD_END + timedelta(days=2))
    unheard = selectors.entitlement(listener, now=PERIOD_END + timedelta(days=3, seconds=1))

    assert (late.premium, late.status, late.free_songs_remaining) == (True, "active", None)
    assert (unheard.premium, unheard.status, unheard.free_songs_remaining) == (False, "ended", 5)


def test_premium_ends_while_past_due_once_stripes_retries_are_over(client, listener, stripe_fake):
    subscription = premium_through_checkout(client, listener, stripe_fake)
    stripe_fake.payment_fail(subscription.id)
    period_end_set(stripe_fake, subscription.id, PERIOD_END)
    subscription_synced(stripe_fake, subscription.id)

    retrying = selectors.entitlement(listener, now=PERIOD_END - timedelta(days=20))
    given_up = selectors.entitlement(listener, now=PERIOD_END + timedelta(days=4))

    assert (retrying.premium, retrying.status, retrying.payment_failed) == (True, "past_due", True)
    assert (given_up.premium, given_up.status, given_up.payment_failed) == (False, "ended", False)
    assert given_up.until == PERIOD_END


def test_a_cancellation_date_before_the_period_end_ends_premium_then(client, listener, stripe_fake):
    subscription = premium_through_checkout(client, listener, stripe_fake)
    period_end_set(stripe_fake, subscription.id, PERIOD_END)
    cancel_at = PERIOD_END - timedelta(days=10)
    stripe_fake.objects[subscription.id]["cancel_at"] = int(cancel_at.timestamp())  # set in the portal
    subscription_synced(stripe_fake, subscription.id)

    before = selectors.entitlement(listener, now=cancel_at - timedelta(hours=1))
    after = selectors.entitlement(listener, now=cancel_at + timedelta(hours=1))

    assert (before.premium, before.status, before.until) == (True, "cancelling", cancel_at)
    # No renewal grace for a subscription that is ending.
    assert (after.premium, after.status, after.until) == (False, "ended", cancel_at)


def test_a_cancelled_subscription_ended_at_its_period_end_not_when_cancel_was_clicked(client, listener, stripe_fake):
    subscription = premium_through_checkout(client, listener, stripe_fake)
    period_end_set(stripe_fake, subscription.id, PERIOD_END)
    subscription_synced(stripe_fake, subscription.id)
    client.post("/billing/cancel/", {"confirm": "on"})

    # Stripe's customer.subscription.deleted has not come yet: it says nothing of when it ended.
    ended = selectors.entitlement(listener, now=PERIOD_END + timedelta(hours=1))

    assert (ended.premium, ended.status, ended.until) == (False, "ended", PERIOD_END)
