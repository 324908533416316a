from rest_framework import serializers

from emotions.models import RecommendedPlay
from emotions.moods import Mood, Strategy

FREE_SONGS_REMAINING = ("How many more recommended songs you may play on the free plan; null while you are Premium "
                        "(no limit).")


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
    spotify_id = serializers.CharField(
        allow_null=True,
        help_text="The song on Spotify (open.spotify.com/track/<spotify_id>); null when we know none for it, and "
                  "for every song while you are on the free plan with no free song left: then only its play "
                  "(POST /api/v1/emotions/plays/, which needs Premium) answers with it.")
    name = serializers.CharField()
    artist = serializers.CharField()
    cover_url = serializers.CharField(allow_blank=True)
    score = serializers.FloatField()
    reason = serializers.CharField()
    valence = serializers.FloatField()
    energy = serializers.FloatField()


class PlayedTrackOutput(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    spotify_id = serializers.CharField(allow_null=True)
    name = serializers.CharField()
    artist = serializers.CharField(source="artist.name")
    cover_url = serializers.CharField()


class RecommendedPlayInput(serializers.Serializer):
    track = serializers.UUIDField(help_text="The recommended song's id.")
    mood = serializers.ChoiceField(choices=Mood.choices, required=False, allow_blank=True, default="",
                                   help_text="The mood it was recommended for.")
    strategy = serializers.ChoiceField(choices=Strategy.choices, required=False, allow_blank=True, default="")
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=200,
                                   help_text="The reason shown with it.")


class RecommendedPlayOutput(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id")
    track = PlayedTrackOutput()

    class Meta:
        model = RecommendedPlay
        fields = ["id", "track", "played_at", "mood", "strategy", "reason"]


class RecommendedPlayRecordedOutput(RecommendedPlayOutput):
    """A play just counted, and the free songs left after it."""

    free_songs_remaining = serializers.IntegerField(allow_null=True, help_text=FREE_SONGS_REMAINING)

    class Meta(RecommendedPlayOutput.Meta):
        fields = [*RecommendedPlayOutput.Meta.fields, "free_songs_remaining"]
