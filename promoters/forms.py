from django import forms
from django.utils import timezone

from events.forms import EventForm
from events.models import Event
from promoters.models import PromoterApplication


class PromoterApplicationForm(forms.ModelForm):
    website = forms.URLField(max_length=500, assume_scheme="https")

    class Meta:
        model = PromoterApplication
        fields = ["organisation", "website", "reason"]
        labels = {"organisation": "Organisation name", "reason": "Why do you want to promote events here?"}
        widgets = {"reason": forms.Textarea(attrs={"rows": 5})}

    def clean_organisation(self):
        organisation = self.cleaned_data["organisation"].strip()
        if len(organisation) < 2:
            raise forms.ValidationError("Give your organisation's name.")
        return organisation

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if len(reason) < 20:
            raise forms.ValidationError("Tell us a little more (at least 20 characters) about the events you run.")
        return reason


class ConsoleEventForm(EventForm):
    """A promoter's event as the console edits it: only what the promoter decides, checked before staff see it."""

    ticket_url = forms.URLField(max_length=1000, required=False, assume_scheme="https")

    class Meta:
        model = Event
        fields = [
            "title", "performer_names", "venue", "address", "city", "country", "starts_at", "venue_time_zone",
            "ticket_url", "image", "price_min", "price_max", "currency", "genres", "status",
            "sponsored", "target_genres", "target_countries", "target_age_min", "target_age_max", "target_artists",
        ]
        help_texts = {
            "performer_names": "Comma-separated.",
            "genres": "Comma-separated.",
            "target_genres": "Sponsored events only; comma-separated. Empty matches every listener.",
            "target_countries": "Sponsored events only; comma-separated two-letter codes such as NL,BE.",
            "target_artists": "Sponsored events only: listeners of these artists.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("venue", "city", "country"):
            self.fields[name].required = True

    def clean_ticket_url(self):
        url = self.cleaned_data["ticket_url"]
        if url and not url.lower().startswith("https://"):
            raise forms.ValidationError("The ticket link must start with https://.")
        return url

    def clean_target_countries(self):
        codes = [code.strip().upper() for code in self.cleaned_data["target_countries"]]
        bad = [code for code in codes if len(code) != 2 or not code.isalpha()]
        if bad:
            raise forms.ValidationError(f"Use two-letter country codes, not {', '.join(bad)}.")
        return codes

    def clean(self):
        cleaned = super().clean()
        starts_at = cleaned.get("starts_at")
        # Only a new or moved start: an event under way may still be marked cancelled or postponed.
        moved = self.instance.pk is None or starts_at != self.instance.starts_at
        if starts_at and moved and starts_at <= timezone.now():
            self.add_error("starts_at", "The event must start in the future.")
        low, high = cleaned.get("target_age_min"), cleaned.get("target_age_max")
        if low is not None and high is not None and low > high:
            self.add_error("target_age_max", "The oldest age must not be below the youngest.")
        return cleaned

