"""Premium's two prices and their product, from Stripe into our database: run after deploying, and after changing
the prices on Stripe. Running it again only refreshes them."""

import stripe
from django.core.management.base import BaseCommand, CommandError

from billing.sync import PriceMissing, prices_sync


class Command(BaseCommand):
    help = "Fetch Premium's prices (STRIPE_PRICE_MONTHLY and STRIPE_PRICE_YEARLY, by lookup key) and product."

    def handle(self, *args, **options):
        try:
            prices = prices_sync()
        except PriceMissing as error:
            raise CommandError(str(error)) from error
        except stripe.StripeError as error:
            raise CommandError(f"Stripe answered: {error.user_message or error}") from error
        for price in prices:
            self.stdout.write(f"{price.lookup_key}: {price.id}, {price}")
