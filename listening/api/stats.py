"""Your listening stats as JSON: the same reads as the dashboard, for mobile clients."""

import json
from urllib.parse import urlencode

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from listening import selectors
from listening.serializers import stats as out
from rewrapped.redis import versioned_get, versioned_set

# A mobile app asks for the same top lists again and again: they are served from Redis until the listener's
# history changes. Not genres: learning an artist's genres changes those of everyone who played them at once.
TOP_CACHED_KINDS = frozenset({"tracks", "artists", "albums"})
TOP_CACHE_SECONDS = 3600  # and a renamed song shows its new name within the hour


def _input(request, serializer_class=out.PeriodInput) -> dict:
    data = serializer_class(data=request.query_params, context={"request": request})
    data.is_valid(raise_exception=True)
    return data.validated_data


class TotalsApi(APIView):
    @extend_schema(parameters=[out.PeriodInput], responses=out.TotalsOutput)
    def get(self, request):
        data = _input(request)
        return Response(out.TotalsOutput(selectors.totals(user=request.user, period=data["period"])).data)


class TopApi(APIView):
    """Top tracks, artists, albums or genres; follow `next` for more (infinite scroll)."""

    @extend_schema(parameters=[out.PageInput], responses=out.TopOutput)
    def get(self, request, kind):
        data = _input(request, out.PageInput)
        results = _top_results(request.user, kind, data)
        next_url = None
        if len(results) == data["limit"]:
            query = request.query_params.copy()
            query["offset"] = data["offset"] + data["limit"]
            next_url = request.build_absolute_uri(f"{request.path}?{query.urlencode()}")
        period = out.PeriodOutput(data["period"]).data
        return Response({"period": period, "by": data["by"], "results": results, "next": next_url})


def _top_results(user, kind: str, data: dict) -> list[dict]:
    period, by, offset, limit = data["period"], data["by"], data["offset"], data["limit"]

    def read() -> list[dict]:
        entries = selectors.top(user=user, period=period, kind=kind, by=by, offset=offset, limit=limit)
        return out.TopEntryOutput(entries, many=True).data

    if kind not in TOP_CACHED_KINDS:
        return read()
    key = f"listening:top:{user.pk}:{kind}:{by}:{period.start}:{period.end}:{offset}:{limit}"
    version, cached = versioned_get(selectors.stats_version_key(user.pk), key)
    if cached is not None:
        return json.loads(cached)
    results = read()
    versioned_set(key, version, json.dumps(results).encode(), seconds=TOP_CACHE_SECONDS)
    return results


class HistoryInput(serializers.Serializer):
    before = serializers.CharField(required=False, help_text="The `next` cursor of the previous page.")
    limit = serializers.IntegerField(min_value=1, max_value=200, default=50)

    def validate_before(self, value):
        cursor = selectors.history_cursor_parse(value)
        if cursor is None:
            raise serializers.ValidationError("Not a cursor from this API: pass the previous page's `before` value.")
        return cursor


class HistoryApi(APIView):
    """Every play, newest first, 50 at a time."""

    @extend_schema(parameters=[HistoryInput], responses=out.HistoryOutput)
    def get(self, request):
        data = _input(request, HistoryInput)
        plays = selectors.recent_plays(user=request.user, before=data.get("before"), limit=data["limit"])
        next_url = None
        if len(plays) == data["limit"]:
            query = urlencode({"before": selectors.history_cursor(plays[-1]), "limit": data["limit"]})
            next_url = request.build_absolute_uri(f"{request.path}?{query}")
        return Response(out.HistoryOutput({"results": plays, "next": next_url}).data)


class ClockApi(APIView):
    @extend_schema(parameters=[out.PeriodInput], responses=out.ClockOutput)
    def get(self, request):
        clock = selectors.listening_clock(user=request.user, period=_input(request)["period"])
        return Response(out.ClockOutput(clock).data)


class StreaksApi(APIView):
    @extend_schema(responses=out.StreaksOutput)
    def get(self, request):
        return Response(out.StreaksOutput(selectors.streaks(user=request.user)).data)


class SessionsApi(APIView):
    @extend_schema(parameters=[out.PeriodInput], responses=out.SessionsOutput)
    def get(self, request):
        sessions = selectors.sessions(user=request.user, period=_input(request)["period"])
        return Response(out.SessionsOutput(sessions).data)


class GenreEvolutionApi(APIView):
    """Minutes per month of your top genres over the period (the dashboard's streamgraph)."""

    @extend_schema(parameters=[out.PeriodInput], responses=out.GenreEvolutionOutput)
    def get(self, request):
        evolution = selectors.genre_evolution(user=request.user, period=_input(request)["period"])
        return Response(out.GenreEvolutionOutput(evolution).data)


class ItemStatsApi(APIView):
    """Your rank, plays, minutes, first and last listen of one track, artist or album."""

    @extend_schema(parameters=[OpenApiParameter("kind", str, "path", enum=["tracks", "artists", "albums"])],
                   responses=out.ItemStatsOutput)
    def get(self, request, kind, public_id):
        item = selectors.catalog_item(kind=kind, public_id=public_id)
        return Response(out.ItemStatsOutput(selectors.item_stats(user=request.user, item=item)).data)
