from django import forms
from django.conf import settings
from django.contrib.admin.widgets import AdminSplitDateTime
from django.utils import timezone

from accounts.models import TIME_ZONES
from events.models import Event
from promoters.models import PromoterApplication

IMAGE_FORMATS = {"PNG": "PNG", "JPEG": "JPEG", "WEBP": "WebP"}


def event_image_max_bytes() -> int:
    return settings.PROMOTER_EVENT_IMAGE_MAX_BYTES


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


class LabelledSplitDateTime(AdminSplitDateTime):
    """The admin's date and time boxes, each with a name of its own: the admin gives only the pair a label."""

    def __init__(self, attrs=None):
        super().__init__(attrs)
        self.widgets[0].attrs["aria-label"] = "Start date"
        self.widgets[1].attrs["aria-label"] = "Start time"


class ConsoleEventForm(forms.ModelForm):
    """A promoter's event as the console edits it: only what the promoter decides, checked before staff see it."""

    ticket_url = forms.URLField(max_length=1000, required=False, assume_scheme="https")
    starts_at = forms.SplitDateTimeField(widget=LabelledSplitDateTime, label="Starts at",
                                         help_text="In your time zone.")

    class Meta:
        model = Event
        fields = [
            "title", "performer_names", "venue", "address", "city", "country", "starts_at", "venue_time_zone",
            "ticket_url", "image", "price_min_cents", "price_max_cents", "currency", "genres", "status",
            "sponsored", "target_genres", "target_countries", "target_age_min", "target_age_max", "target_artists",
        ]
        labels = {"price_min_cents": "Lowest price (cents)",
                  "price_max_cents": "Highest price (cents)"}
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

    def clean_starts_at(self):
        starts_at = self.cleaned_data["starts_at"]
        # Only a new or moved start: an event under way may still be marked cancelled or postponed.
        moved = self.instance.pk is None or "starts_at" in self.changed_data
        if moved and starts_at and starts_at <= timezone.now():
            raise forms.ValidationError("The event must start in the future.")
        return starts_at

    def clean_venue_time_zone(self):
        zone = self.cleaned_data["venue_time_zone"]
        if zone not in TIME_ZONES:
            raise forms.ValidationError("Give the venue's time zone, such as Europe/Amsterdam.")
        return zone

    def clean_ticket_url(self):
        url = self.cleaned_data["ticket_url"]
        if url and not url.lower().startswith("https://"):
            raise forms.ValidationError("The ticket link must start with https://.")
        return url

    def clean_image(self):
        image = self.cleaned_data.get("image")
        # A new upload has been opened by Pillow (the `image` attribute); an image kept from before has not.
        uploaded = getattr(image, "image", None)
        if uploaded is None:
            return image
        if uploaded.format not in IMAGE_FORMATS:
            raise forms.ValidationError("Upload a PNG, JPEG or WebP image.")
        limit = event_image_max_bytes()
        if image.size > limit:
            raise forms.ValidationError(f"The image is larger than {limit // (1024 * 1024)} MB.")
        return image

    def clean_target_countries(self):
        codes = [code.strip().upper() for code in self.cleaned_data["target_countries"]]
        bad = [code for code in codes if len(code) != 2 or not code.isalpha()]
        if bad:
            raise forms.ValidationError(f"Use two-letter country codes, not {', '.join(bad)}.")
        return codes

    def clean(self):
        cleaned = super().clean()
        low, high = cleaned.get("target_age_min"), cleaned.get("target_age_max")
        if low is not None and high is not None and low > high:
            self.add_error("target_age_max", "The oldest age must not be below the youngest.")
        price_low, price_high = cleaned.get("price_min_cents"), cleaned.get("price_max_cents")
        if price_low is not None and price_high is not None and price_low > price_high:
            self.add_error("price_max_cents", "The highest price must not be below the lowest.")
        if (price_low is not None or price_high is not None) and not cleaned.get("currency"):
            self.add_error("currency", "Give the currency of the prices, such as EUR.")
        return cleaned


class RejectionReasonForm(forms.Form):
    """The reason staff give when they reject, shown to the person rejected."""

    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), max_length=2000, label="Reason")

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError("Give a reason; the person reads it.")
        return reason
