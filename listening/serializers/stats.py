from rest_framework import serializers

from listening.periods import period_parse


class PeriodInput(serializers.Serializer):
    """?period=4w|6m|1y|all|custom (custom needs start and end as YYYY-MM-DD) and ?by=plays|minutes."""

    period = serializers.ChoiceField(choices=["4w", "6m", "1y", "all", "custom"], default="4w")
    start = serializers.DateField(required=False)
    end = serializers.DateField(required=False)
    by = serializers.ChoiceField(choices=["plays", "minutes"], default="plays")

    def validate(self, data):
        data["period"] = period_parse(
            user=self.context["request"].user, key=data["period"], start=data.get("start"), end=data.get("end")
        )
        return data


class PageInput(PeriodInput):
    offset = serializers.IntegerField(min_value=0, default=0)
    limit = serializers.IntegerField(min_value=1, max_value=100, default=20)


class PeriodOutput(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    start = serializers.DateField(allow_null=True)
    end = serializers.DateField(allow_null=True)


class TotalsOutput(serializers.Serializer):
    plays = serializers.IntegerField()
    minutes = serializers.IntegerField()
    artists = serializers.IntegerField()
    tracks = serializers.IntegerField()
    days = serializers.IntegerField(help_text="Days with any music in the period.")
    podcast_plays = serializers.IntegerField()
    podcast_minutes = serializers.IntegerField()
    audiobook_plays = serializers.IntegerField()
    audiobook_minutes = serializers.IntegerField()


class CatalogRef(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    name = serializers.CharField()


class TopEntryOutput(serializers.Serializer):
    rank = serializers.IntegerField()
    id = serializers.SerializerMethodField(help_text="Public id of the track, artist or album; the name for genres.")
    name = serializers.CharField(source="item.name")
    artist = serializers.SerializerMethodField()
    plays = serializers.IntegerField()
    minutes = serializers.IntegerField()

    def get_id(self, entry) -> str:
        return str(getattr(entry.item, "public_id", entry.item.name))

    def get_artist(self, entry) -> dict | None:
        # CatalogRef's shape, without a serializer made for every entry.
        artist = getattr(entry.item, "artist", None)
        return {"id": str(artist.public_id), "name": artist.name} if artist else None


class TopOutput(serializers.Serializer):
    period = PeriodOutput()
    by = serializers.CharField()
    results = TopEntryOutput(many=True)
    next = serializers.CharField(allow_null=True)


class PlayOutput(serializers.Serializer):
    ended_at = serializers.DateTimeField()
    kind = serializers.CharField()
    ms_played = serializers.IntegerField()
    track = CatalogRef(allow_null=True)
    artist = CatalogRef(source="track.artist", allow_null=True, default=None)
    episode = serializers.CharField(source="episode.name", allow_null=True, default=None)
    show = serializers.CharField(source="episode.show_name", allow_null=True, default=None)


class HistoryOutput(serializers.Serializer):
    results = PlayOutput(many=True)
    next = serializers.CharField(allow_null=True)


class ClockOutput(serializers.Serializer):
    minutes = serializers.ListField(
        child=serializers.ListField(child=serializers.IntegerField()),
        help_text="7 rows (Monday first) of 24 hours, minutes of music in your time zone.",
    )
    max = serializers.IntegerField()


class RunOutput(serializers.Serializer):
    days = serializers.IntegerField()
    start = serializers.DateField(allow_null=True)
    end = serializers.DateField(allow_null=True)


class StreaksOutput(serializers.Serializer):
    current = RunOutput()
    longest = RunOutput()


class SessionOutput(serializers.Serializer):
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    plays = serializers.IntegerField()
    minutes = serializers.IntegerField()


class SessionsOutput(serializers.Serializer):
    count = serializers.IntegerField()
    average_minutes = serializers.IntegerField()
    longest = SessionOutput(allow_null=True)


class GenreSeriesOutput(serializers.Serializer):
    genre = serializers.CharField()
    minutes = serializers.ListField(child=serializers.IntegerField())


class GenreEvolutionOutput(serializers.Serializer):
    months = serializers.ListField(child=serializers.DateField())
    series = GenreSeriesOutput(many=True)


class MonthOutput(serializers.Serializer):
    month = serializers.DateField()
    plays = serializers.IntegerField()
    minutes = serializers.IntegerField()


class ItemStatsOutput(serializers.Serializer):
    rank = serializers.IntegerField(allow_null=True)
    plays = serializers.IntegerField()
    minutes = serializers.IntegerField()
    first_played = serializers.DateTimeField(allow_null=True)
    last_played = serializers.DateTimeField(allow_null=True)
    months = MonthOutput(many=True)
