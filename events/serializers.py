from collections.abc import Mapping

from django_countries import countries
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from events.selectors import EventFilters
from events.venue_time import venue_time_iso


@extend_schema_field(OpenApiTypes.DATETIME)
class VenueStartField(serializers.Field):
    """An event's start as ISO 8601 with the venue's UTC offset (2026-11-06T20:00:00-05:00), read from its
    `starts_at` and `venue_time_zone` (on an Event or a row of values)."""

    def __init__(self, **kwargs):
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, event):
        if isinstance(event, Mapping):
            return venue_time_iso(event["starts_at"], event["venue_time_zone"])
        return venue_time_iso(event.starts_at, event.venue_time_zone)


class EventSearchInput(serializers.Serializer):
    """Every filter given must match; without dates, the events still to come."""

    q = serializers.CharField(required=False, allow_blank=True, max_length=200,
                              help_text="Keywords (web search syntax).")
    country = serializers.ChoiceField(choices=list(countries), required=False, help_text="ISO 3166 alpha-2, e.g. NL.")
    city = serializers.CharField(required=False, allow_blank=True, max_length=120)
    start = serializers.DateField(required=False, help_text="First day (YYYY-MM-DD), in your time zone.")
    end = serializers.DateField(required=False, help_text="Last day (YYYY-MM-DD), in your time zone.")
    genre = serializers.CharField(required=False, allow_blank=True, max_length=60)
    sort = serializers.ChoiceField(choices=["date", "relevance"], required=False,
                                   help_text="Default: relevance with a keyword, date without.")
    offset = serializers.IntegerField(min_value=0, max_value=10_000, default=0)
    limit = serializers.IntegerField(min_value=1, max_value=100, default=20)

    def validate(self, data):
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            raise serializers.ValidationError({"end": ["The end date is before the start date."]})
        if data.get("sort") == "relevance" and not data.get("q", "").strip():
            raise serializers.ValidationError({"sort": ["Sorting by relevance needs a keyword (q)."]})
        return data

    def filters(self) -> EventFilters:
        data = {key: value for key, value in self.validated_data.items() if key not in ("offset", "limit") and value}
        data.setdefault("sort", "relevance" if data.get("q", "").strip() else "date")
        return EventFilters(**data)


class PageInput(serializers.Serializer):
    offset = serializers.IntegerField(min_value=0, max_value=10_000, default=0)
    limit = serializers.IntegerField(min_value=1, max_value=100, default=20)


class SavedInput(PageInput):
    when = serializers.ChoiceField(choices=["upcoming", "past"], default="upcoming")


class ArtistRef(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    name = serializers.CharField()


class PriceOutput(serializers.Serializer):
    min_cents = serializers.IntegerField(source="price_min_cents", allow_null=True)
    max_cents = serializers.IntegerField(source="price_max_cents", allow_null=True)
    currency = serializers.CharField()


class EventOutput(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    title = serializers.CharField()
    performer_names = serializers.ListField(child=serializers.CharField())
    performers = ArtistRef(many=True, help_text="The performers who are artists in our catalog.")
    venue = serializers.CharField()
    address = serializers.CharField()
    city = serializers.CharField()
    country = serializers.CharField()
    latitude = serializers.FloatField(allow_null=True)
    longitude = serializers.FloatField(allow_null=True)
    starts_at = VenueStartField(help_text="The start on the venue's clock, with its UTC offset then.")
    venue_time_zone = serializers.CharField(help_text="The venue's IANA time zone, such as America/New_York.")
    time_announced = serializers.BooleanField(
        help_text="False while only the day is known: starts_at is then the venue's midnight of that day.")
    price = PriceOutput(source="*")
    genres = serializers.ListField(child=serializers.CharField())
    status = serializers.CharField()
    sponsored = serializers.BooleanField()
    saved = serializers.BooleanField(source="is_saved", help_text="Whether you saved it.")


class EventDetailOutput(EventOutput):
    ticket_url = serializers.CharField(source="ticket_page", allow_null=True,
                                       help_text="The event's own https ticket page, if any.")
    map_url = serializers.CharField()


class EventPageOutput(serializers.Serializer):
    results = EventOutput(many=True)
    next = serializers.CharField(allow_null=True)


class RecommendationOutput(serializers.Serializer):
    event = EventOutput()
    sponsored = serializers.BooleanField(help_text="A sponsored event shown because its targeting matches you.")
    because = serializers.ListField(
        child=serializers.CharField(),
        help_text="Why, in plain words (\"You played Ruth B. 30 times\", \"You like indie\"); empty for a sponsored "
                  "show recommended for its targeting alone.")


class SavedStateOutput(serializers.Serializer):
    saved = serializers.BooleanField()
