from django.apps import AppConfig
from django.core.signals import setting_changed


class BillingConfig(AppConfig):
    name = "billing"

    def ready(self):
        from accounts import hooks
        from billing.services import subscriptions_end_for_deletion

        _stripe_configure()
        setting_changed.connect(_stripe_reconfigure)
        hooks.on_account_delete(subscriptions_end_for_deletion)


def _stripe_configure() -> None:
    """stripe-python (and dj-stripe through it) talks to STRIPE_API_BASE: Stripe itself, or a fake in tests."""
    import stripe
    from django.conf import settings

    stripe.api_base = settings.STRIPE_API_BASE
    # stripe-python's own defaults (80 s, two retries) would hold a listener's request for minutes when Stripe is
    # slow; a listener waits no longer for Stripe than for any other outside service.
    stripe.default_http_client = stripe.RequestsClient(timeout=settings.OUTBOUND_TIMEOUT_SECONDS)
    stripe.max_network_retries = 1


def _stripe_reconfigure(*, setting, **kwargs) -> None:
    if setting in ("STRIPE_API_BASE", "OUTBOUND_TIMEOUT_SECONDS"):
        _stripe_configure()
