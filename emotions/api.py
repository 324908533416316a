"""The mood API: tell your mood and get songs for it, your mood history, and the recommended songs you played.
The same reads and writes as the mood page and its socket; every row is the caller's own."""

from django.http import Http404
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from billing import selectors as billing
from emotions import selectors, services
from emotions.models import MoodReading
from emotions.moods import Mood, MoodEstimate, Strategy, mood_picked
from emotions.serializers import (
    FREE_SONGS_REMAINING,
    MoodOutput,
    RecommendedPlayInput,
    RecommendedPlayOutput,
    RecommendedPlayRecordedOutput,
    SongRecommendationOutput,
)
from emotions.text import NOT_SURE, mood_from_text
from rewrapped.api import ApplicationError

RECOMMENDATIONS_DEFAULT = 20
RECOMMENDATIONS_MOST = 50
SUMMARY_DAYS_MOST = 2 * 366


# --- serializers (input and output of each operation) ------------------------------------------------------
class RecommendationsInput(serializers.Serializer):
    mood = serializers.ChoiceField(choices=Mood.choices, required=False,
                                   help_text="The mood to recommend for; by default your latest mood, if recent.")
    strategy = serializers.ChoiceField(choices=Strategy.choices, default=Strategy.MATCH)
    limit = serializers.IntegerField(min_value=1, max_value=RECOMMENDATIONS_MOST, default=RECOMMENDATIONS_DEFAULT)


class RecommendationsOutput(serializers.Serializer):
    mood = serializers.ChoiceField(choices=Mood.choices, allow_null=True,
                                   help_text="The mood these songs are for; null: none known lately (mood-neutral).")
    strategy = serializers.ChoiceField(choices=Strategy.choices)
    items = SongRecommendationOutput(many=True)
    free_songs_remaining = serializers.IntegerField(allow_null=True, help_text=FREE_SONGS_REMAINING)


class MoodInput(serializers.Serializer):
    text = serializers.CharField(required=False, max_length=1000,
                                 help_text="How you feel, in your own words (English).")
    mood = serializers.ChoiceField(choices=Mood.choices, required=False, help_text="Or a mood you pick.")
    strategy = serializers.ChoiceField(choices=Strategy.choices, default=Strategy.MATCH,
                                       help_text="Whether the songs answered with match the mood or lift it.")

    def validate(self, data):
        if "text" in data and "mood" in data:
            raise serializers.ValidationError({"mood": ["Send your words in `text` or a mood in `mood`, not both."]})
        if "text" not in data and "mood" not in data:
            raise serializers.ValidationError({"text": ["Say how you feel in `text`, or pick a `mood`."],
                                               "mood": ["Say how you feel in `text`, or pick a `mood`."]})
        return data


class MoodToldOutput(serializers.Serializer):
    mood = MoodOutput(allow_null=True, help_text="The mood read and kept; null when the words said no clear mood.")
    message = serializers.CharField(allow_null=True, help_text="Why no mood was read, for people; else null.")
    recommendations = RecommendationsOutput(help_text="Songs for the mood read, else for your latest mood.")


class MoodReadingOutput(serializers.ModelSerializer):
    class Meta:
        model = MoodReading
        fields = ["at", "source", "mood", "confidence", "valence", "arousal"]


class MoodSummaryInput(serializers.Serializer):
    by = serializers.ChoiceField(choices=[("day", "day"), ("week", "week")], default="day")
    start = serializers.DateField(required=False, help_text="First day, in your time zone (default: 30 days or "
                                                            "12 weeks before `end`).")
    end = serializers.DateField(required=False, help_text="Last day, in your time zone (default: today).")


class MoodPeriodOutput(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()
    seconds = serializers.FloatField(help_text="How long any mood was known in this day or week.")
    shares = serializers.DictField(child=serializers.FloatField(),
                                   help_text="Each mood's share of that time, 0–1, largest first.")
    valence = serializers.FloatField(allow_null=True, help_text="Mean valence over that time; null: no mood read.")
    arousal = serializers.FloatField(allow_null=True)


class MoodSummaryOutput(serializers.Serializer):
    by = serializers.ChoiceField(choices=[("day", "day"), ("week", "week")])
    time_zone = serializers.CharField()
    periods = MoodPeriodOutput(many=True)


def _valid(serializer_class, data) -> dict:
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _recommendations(user, estimate: MoodEstimate | None, strategy: str, limit: int) -> dict:
    items, remaining = selectors.recommendations_for(user=user, mood=estimate, strategy=strategy, limit=limit)
    return {"mood": estimate.label if estimate else None, "strategy": strategy, "items": items,
            "free_songs_remaining": remaining}


# --- operations --------------------------------------------------------------------------------------------
class RecommendationsApi(APIView):
    """Songs for a mood, best first, each with its one-line reason: for `mood` if given, else for your latest
    mood if it was read in the last two hours, else mood-neutral."""

    @extend_schema(parameters=[RecommendationsInput], responses=RecommendationsOutput)
    def get(self, request):
        data = _valid(RecommendationsInput, request.query_params)
        estimate = mood_picked(data["mood"]) if "mood" in data else selectors.mood_latest(user=request.user)
        return Response(RecommendationsOutput(
            _recommendations(request.user, estimate, data["strategy"], data["limit"])).data)


class MoodListCreateApi(ListAPIView):
    """Your mood readings (from the camera, your words or your pick), newest first. POST how you feel in words
    (`text`) or a mood you pick (`mood`): 201 with the mood read, kept in your history, and songs for it. Words
    that say no clear mood ("I went to the shops", mixed feelings, another language) are not an error: 200 with
    `mood` null, a `message` saying so, nothing kept, and the songs for your latest mood."""

    serializer_class = MoodReadingOutput

    def get_queryset(self):
        return selectors.mood_readings_of(user=self.request.user)

    @extend_schema(request=MoodInput, responses={201: MoodToldOutput, 200: MoodToldOutput})
    def post(self, request):
        data = _valid(MoodInput, request.data)
        user = request.user
        if "mood" in data:
            estimate, source = mood_picked(data["mood"]), MoodReading.Source.MANUAL
        else:
            estimate, source = mood_from_text(data["text"]), MoodReading.Source.TEXT
        if estimate.label is None:
            recommendations = _recommendations(user, selectors.mood_latest(user=user), data["strategy"],
                                               RECOMMENDATIONS_DEFAULT)
            return Response(MoodToldOutput({"mood": None, "message": NOT_SURE, "recommendations": recommendations})
                            .data, status=200)
        services.mood_record(user=user, estimate=estimate, source=source, at=timezone.now())
        recommendations = _recommendations(user, estimate, data["strategy"], RECOMMENDATIONS_DEFAULT)
        return Response(MoodToldOutput({"mood": estimate, "message": None, "recommendations": recommendations})
                        .data, status=201)


class MoodSummaryApi(APIView):
    """Your mood per day or week (Monday to Sunday) in your time zone: each mood's share of the time it was known,
    and the mean valence and arousal. Days and weeks without a reading are listed with empty shares."""

    @extend_schema(parameters=[MoodSummaryInput], responses=MoodSummaryOutput)
    def get(self, request):
        data = _valid(MoodSummaryInput, request.query_params)
        user, by = request.user, data["by"]
        start, end = selectors.mood_range(user=user, by=by, today=data.get("end"))
        start, end = data.get("start", start), data.get("end", end)
        if start > end:
            raise ApplicationError("The first day comes after the last.", fields={"start": ["On or before `end`."]})
        if (end - start).days > SUMMARY_DAYS_MOST:
            raise ApplicationError("Ask for two years at most.", fields={"start": ["Two years before `end` at most."]})
        periods = selectors.mood_summary(user=user, by=by, start=start, end=end)
        return Response(MoodSummaryOutput({"by": by, "time_zone": user.time_zone, "periods": periods}).data)


class RecommendedPlayListCreateApi(ListAPIView):
    """The recommended songs you played, newest first; POST one you play now (201): each play is counted, and a
    free listener's count of free songs goes down by one. With none left the play is refused (402, code
    `premium_required`, and the `upgrade_url` where Premium is bought) and nothing is counted."""

    serializer_class = RecommendedPlayOutput

    def get_queryset(self):
        return selectors.recommended_plays_of(user=self.request.user)

    @extend_schema(request=RecommendedPlayInput, responses={201: RecommendedPlayRecordedOutput})
    def post(self, request):
        data = _valid(RecommendedPlayInput, request.data)
        try:
            play = services.recommended_play_record(
                user=request.user, track_public_id=data["track"], at=timezone.now(), mood=data["mood"],
                strategy=data["strategy"], reason=data["reason"],
            )
        except Http404:
            raise ApplicationError("That song is not in the catalog.", code="unknown_track",
                                   fields={"track": [f"No song has the id {data['track']}."]}) from None
        remaining = billing.entitlement(request.user).free_songs_remaining
        return Response({**RecommendedPlayOutput(play).data, "free_songs_remaining": remaining}, status=201)
