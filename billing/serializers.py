from rest_framework import serializers

from billing.forms import CHOICES


class PremiumPriceOutput(serializers.Serializer):
    choice = serializers.ChoiceField(choices=list(CHOICES), help_text="What to send as `price` to check out at it.")
    amount = serializers.CharField(help_text="A decimal in units of the currency, with its decimal places: "
                                             "\"4.99\" EUR, \"500\" JPY.")
    currency = serializers.CharField(help_text="ISO 4217, upper case.")
    interval = serializers.ChoiceField(choices=["month", "year"])


class PaymentMethodOutput(serializers.Serializer):
    brand = serializers.CharField(help_text="The card's brand (visa, mastercard, …), or the method's type.")
    last4 = serializers.CharField(allow_null=True)
    exp_month = serializers.IntegerField(allow_null=True)
    exp_year = serializers.IntegerField(allow_null=True)


class BillingOutput(serializers.Serializer):
    premium = serializers.BooleanField()
    status = serializers.ChoiceField(choices=["free", "trialing", "active", "past_due", "cancelling", "ended"])
    since = serializers.DateTimeField(allow_null=True, help_text="When the current (or last) subscription started.")
    until = serializers.DateTimeField(allow_null=True,
                                      help_text="When Premium renews, or ends when cancelling; when it ended.")
    cancel_at_period_end = serializers.BooleanField()
    payment_failed = serializers.BooleanField(help_text="The last payment failed and Stripe is retrying it: "
                                                        "update the payment method in the portal.")
    free_songs_total = serializers.IntegerField()
    free_songs_remaining = serializers.IntegerField(allow_null=True, help_text="null while Premium: unlimited.")
    price = PremiumPriceOutput(allow_null=True, help_text="The subscription's price; null for a free listener.")
    payment_method = PaymentMethodOutput(allow_null=True)
    prices = PremiumPriceOutput(many=True, help_text="Premium's prices on sale.")


class InvoiceOutput(serializers.Serializer):
    number = serializers.CharField(allow_null=True)
    created = serializers.DateTimeField()
    amount = serializers.CharField(help_text="The invoice's total: a decimal in units of the currency.")
    currency = serializers.CharField()
    status = serializers.CharField(help_text="Stripe's: draft, open, paid, uncollectible or void.")
    hosted_invoice_url = serializers.URLField(allow_null=True)
    invoice_pdf = serializers.URLField(allow_null=True)


class CheckoutInput(serializers.Serializer):
    price = serializers.ChoiceField(choices=list(CHOICES), help_text="Premium monthly or yearly.")


class RedirectOutput(serializers.Serializer):
    url = serializers.URLField(help_text="Stripe's page to send the listener to.")
