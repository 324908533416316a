from rest_framework import serializers

from events.serializers import VenueStartField


class MetricsOutput(serializers.Serializer):
    impressions = serializers.IntegerField()
    views = serializers.IntegerField()
    saves = serializers.IntegerField()
    ticket_clicks = serializers.IntegerField()
    ctr = serializers.FloatField(allow_null=True, help_text="Ticket clicks per impression; null without impressions.")


class PromoterEventOutput(MetricsOutput):
    id = serializers.UUIDField(source="public_id")
    title = serializers.CharField()
    starts_at = VenueStartField(help_text="The start on the venue's clock, with its UTC offset then.")
    venue_time_zone = serializers.CharField(help_text="The venue's IANA time zone.")
    moderation = serializers.CharField()
    rejection_reason = serializers.CharField()


class DayOutput(MetricsOutput):
    day = serializers.DateField()
    ctr = None


class AudienceOutput(MetricsOutput):
    engagement = serializers.FloatField(allow_null=True,
                                        help_text="Views, saves and ticket clicks per impression.")


class TargetingOutput(serializers.Serializer):
    reach = serializers.FloatField(allow_null=True, help_text="Share of sponsored impressions shown to the target.")
    targeted = AudienceOutput()
    untargeted = AudienceOutput()


class EventMetricsOutput(serializers.Serializer):
    totals = MetricsOutput()
    daily = DayOutput(many=True)
    targeting = TargetingOutput()
