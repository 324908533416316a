import warnings
from datetime import datetime
from decimal import ROUND_DOWN, Decimal
from pathlib import PurePath

from django import forms
from django.conf import settings
from django_countries import countries
from PIL import Image

from events import pictures
from events.providers import PLACEHOLDER_GENRES
from events.selectors import EventFilters
from events.venue_time import NonexistentTime, venue_instant, venue_local, zone_for_country
from rewrapped.admin import LabelledSplitDateTime
from rewrapped.countries import CountryChoiceField
from rewrapped.currencies import currency_choices, decimal_places, from_minor_units, to_minor_units
from rewrapped.time_zones import TimeZoneField, time_zone_canonical


class EventSearchForm(forms.Form):
    """The events page's filters; every one given must match."""

    q = forms.CharField(label="Keyword", max_length=200, required=False,
                        widget=forms.TextInput(attrs={"type": "search", "placeholder": "Artist, show or venue"}))
    country = CountryChoiceField(label="Country", blank="Any country", required=False)
    city = forms.CharField(label="City", max_length=120, required=False)
    start = forms.DateField(label="From", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label="To", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    genre = forms.CharField(label="Genre", max_length=60, required=False)
    sort = forms.ChoiceField(label="Sort by", choices=[("date", "Date"), ("relevance", "Relevance")], required=False)

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            self.add_error("end", "The end date is before the start date.")
        # Relevance is the natural order of a keyword search; without a keyword there is nothing to rank by.
        has_keyword = bool(data.get("q", "").strip())
        data["sort"] = (data.get("sort") or ("relevance" if has_keyword else "date")) if has_keyword else "date"
        return data

    def filters(self) -> EventFilters:
        data = {key: value for key, value in self.cleaned_data.items() if value not in (None, "")}
        return EventFilters(**data)


class WallClockField(forms.SplitDateTimeField):
    """A date and a time as typed, left naive: Django would read them in the zone of whoever types them, and
    only the form knows the venue's."""

    def compress(self, data_list):
        if not data_list:
            return None
        if data_list[0] in self.empty_values:
            raise forms.ValidationError(self.error_messages["invalid_date"], code="invalid_date")
        if data_list[1] in self.empty_values:
            raise forms.ValidationError(self.error_messages["invalid_time"], code="invalid_time")
        return datetime.combine(*data_list)


# What a price column holds (a PostgreSQL integer).
MAX_MINOR_UNITS = 2_147_483_647


class PictureField(forms.ImageField):
    """Django's image check, saying so when the picture has too many pixels for Pillow to even open."""

    def to_python(self, data):
        try:
            with warnings.catch_warnings():  # what Pillow only warns about, clean_image refuses
                warnings.simplefilter("ignore", Image.DecompressionBombWarning)
                return super().to_python(data)
        except forms.ValidationError as error:
            if isinstance(error.__cause__, Image.DecompressionBombError):
                raise forms.ValidationError(_too_many_pixels(), code="too_many_pixels") from error
            raise


def _too_many_pixels(size: tuple[int, int] | None = None) -> str:
    measured = f"The picture is {size[0]:,} × {size[1]:,} pixels" if size else "The picture has too many pixels"
    return f"{measured}: the most is {pictures.MAX_PIXELS // 1_000_000} megapixels, such as 6,000 × 4,000."


class EventForm(forms.ModelForm):
    """An event as a person edits it, in the promoter console or the staff admin (each gives the model and
    fields). The start is typed and shown as the venue's wall clock in the venue's zone, whoever types it and
    wherever they are; a picture is a PNG, JPEG or WebP of sensible size, stored under the extension of what
    it is; genres are genres."""

    starts_at = WallClockField(widget=LabelledSplitDateTime(name="Start"), label="Starts at",
                               help_text="The venue's local time, in the venue's time zone.")
    venue_time_zone = TimeZoneField(
        label="Venue time zone", blank="The venue's country's (when it has only one)", required=False,
        error_messages={"invalid_choice": "Give the venue's time zone, such as Europe/Amsterdam."},
        help_text="On the night the clocks go back, a time they show twice is the first one (summer time).",
    )
    image = PictureField(required=False, help_text="PNG, JPEG or WebP.")
    country = CountryChoiceField(label="Country", blank="Choose the venue's country")
    price_min = forms.DecimalField(label="Lowest price", required=False, min_value=0,
                                   help_text="In the currency's units, such as 25.50.")
    price_max = forms.DecimalField(label="Highest price", required=False, min_value=0)
    currency = forms.ChoiceField(label="Currency", choices=lambda: [("", "Choose a currency"), *currency_choices()],
                                 required=False, error_messages={"invalid_choice": "Choose a currency from the list."})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            local = venue_local(self.instance.starts_at, self.instance.venue_time_zone)
            self.initial["starts_at"] = local.replace(tzinfo=None)
            self.initial["country"] = self.instance.country.code
            # A zone a provider sent under an alias shows as the zone it names.
            self.initial["venue_time_zone"] = (time_zone_canonical(self.instance.venue_time_zone)
                                               or self.instance.venue_time_zone)
            if self.instance.currency:
                for name in ("price_min", "price_max"):
                    cents = getattr(self.instance, f"{name}_cents")
                    if cents is not None:
                        self.initial[name] = from_minor_units(cents, self.instance.currency)

    def clean_image(self):
        image = self.cleaned_data.get("image")
        # A new upload has been opened by Pillow (the `image` attribute); an image kept from before has not.
        opened = getattr(image, "image", None)
        if opened is None:
            return image
        if opened.format not in pictures.FORMATS:
            raise forms.ValidationError("Upload a PNG, JPEG or WebP image.")
        if opened.width * opened.height > pictures.MAX_PIXELS:
            raise forms.ValidationError(_too_many_pixels(opened.size))
        limit = settings.PROMOTER_EVENT_IMAGE_MAX_BYTES
        if image.size > limit:
            raise forms.ValidationError(f"The image is larger than {limit // (1024 * 1024)} MB.")
        extension, _ = pictures.FORMATS[opened.format]
        image.name = f"{PurePath(image.name).stem[:80] or 'picture'}.{extension}"
        return image

    def clean_genres(self):
        genres = self.cleaned_data["genres"]
        if placeholders := [genre for genre in genres if genre.strip().lower() in PLACEHOLDER_GENRES]:
            raise forms.ValidationError(f"“{placeholders[0]}” is not a genre: name the music, or leave it out.")
        return genres

    def clean(self):
        cleaned = super().clean()
        self._clean_prices(cleaned)
        country = cleaned.get("country") or ""
        zone = cleaned.get("venue_time_zone") or zone_for_country(country)
        if zone:
            cleaned["venue_time_zone"] = zone
        elif "venue_time_zone" not in self.errors and country:
            self.add_error("venue_time_zone",
                           f"{countries.name(country)} has several time zones: choose the venue's.")
        wall_clock = cleaned.pop("starts_at", None)
        if wall_clock is not None and zone:
            try:
                cleaned["starts_at"] = venue_instant(wall_clock, zone)
            except NonexistentTime as error:
                self.add_error("starts_at", str(error))
        return cleaned

    def _clean_prices(self, cleaned: dict) -> None:
        """Prices are typed in the currency's units and kept in its smallest one (cents for EUR)."""
        currency = cleaned.get("currency") or ""
        low, high = cleaned.get("price_min"), cleaned.get("price_max")
        if (low is not None or high is not None) and not currency:
            if "currency" not in self.errors:
                self.add_error("currency", "Choose the currency of the prices.")
            return
        minor = {}
        for name, amount in (("price_min", low), ("price_max", high)):
            minor[name] = None if amount is None else self._minor_units(name, amount, currency)
        if low is not None and high is not None and low > high:
            self.add_error("price_max", "The highest price must not be below the lowest.")
        self.instance.price_min_cents, self.instance.price_max_cents = minor["price_min"], minor["price_max"]

    def _minor_units(self, name: str, amount: Decimal, currency: str) -> int | None:
        places = decimal_places(currency)
        if amount != amount.quantize(Decimal(1).scaleb(-places)):
            example = Decimal("25.50").quantize(Decimal(1).scaleb(-places), rounding=ROUND_DOWN)
            rule = "whole numbers" if places == 0 else f"at most {places} decimal places"
            self.add_error(name, f"{currency} prices are {rule}, such as {example}.")
            return None
        minor = to_minor_units(amount, currency)
        if minor > MAX_MINOR_UNITS:
            self.add_error(name, "That price is too high.")
            return None
        return minor
