from rest_framework import serializers

from emotions.moods import Mood


class MoodOutput(serializers.Serializer):
    """A mood as pages, the API and the mood socket show it."""

    mood = serializers.ChoiceField(source="label", choices=Mood.choices, allow_null=True)
    confidence = serializers.FloatField()
    valence = serializers.FloatField()
    arousal = serializers.FloatField()
    probabilities = serializers.DictField(child=serializers.FloatField())


class SongRecommendationOutput(serializers.Serializer):
    """A recommended song with its one-line reason (named apart from events' recommended shows in the schema)."""

    id = serializers.UUIDField(source="track_public_id")
    spotify_id = serializers.CharField(allow_null=True)
    name = serializers.CharField()
    artist = serializers.CharField()
    cover_url = serializers.CharField(allow_blank=True)
    score = serializers.FloatField()
    reason = serializers.CharField()
    valence = serializers.FloatField()
    energy = serializers.FloatField()
