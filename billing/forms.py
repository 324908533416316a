from django import forms

from billing.selectors import PremiumPrice

CHOICES = {"monthly": "Monthly", "yearly": "Yearly"}


class UpgradeForm(forms.Form):
    price = forms.ChoiceField(choices=CHOICES.items(), widget=forms.RadioSelect, label="Pay",
                              error_messages={"required": "Pick monthly or yearly.",
                                              "invalid_choice": "Pick monthly or yearly."})

    def __init__(self, *args, prices: list[PremiumPrice], **kwargs):
        super().__init__(*args, **kwargs)
        shown = {price.choice: f"{CHOICES[price.choice]}: {price.amount} {price.currency} a {price.interval}"
                 for price in prices}
        self.fields["price"].choices = [(choice, shown.get(choice, label)) for choice, label in CHOICES.items()]


class CancelForm(forms.Form):
    confirm = forms.BooleanField(label="Yes, end Premium when this period ends",
                                 error_messages={"required": "Tick the box to confirm you want to cancel."})
