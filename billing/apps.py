from django.apps import AppConfig
from django.core.signals import setting_changed


class BillingConfig(AppConfig):
    name = "billing"

    def ready(self):
        _stripe_configure()
        setting_changed.connect(_stripe_reconfigure)


def _stripe_configure() -> None:
    """stripe-python (and dj-stripe through it) talks to STRIPE_API_BASE: Stripe itself, or a fake in tests."""
    import stripe
    from django.conf import settings

    stripe.api_base = settings.STRIPE_API_BASE


def _stripe_reconfigure(*, setting, **kwargs) -> None:
    if setting == "STRIPE_API_BASE":
        _stripe_configure()
