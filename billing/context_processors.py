from billing import selectors


def payment_failed(request) -> dict:
    """`billing_payment_failed` for the banner every page shows while Stripe retries a listener's failed payment."""
    user = getattr(request, "user", None)
    return {"billing_payment_failed": bool(user) and selectors.payment_failing(user)}
