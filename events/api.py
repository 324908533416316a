"""The events API: search, an event, saving, your saved events and recommendations, for mobile clients.

Only listed (approved) events are found by id, except a promoter's own and, for staff, any. Searching and
reading an event need no account; saving and recommendations do."""

from drf_spectacular.utils import extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from events import selectors, services
from events.serializers import (
    EventDetailOutput,
    EventPageOutput,
    EventSearchInput,
    RecommendationOutput,
    SavedInput,
    SavedStateOutput,
)
from events.views import listed, shown, viewed
from rewrapped.api import ApplicationError


def _next(request, data: dict, count: int) -> str | None:
    if count < data["limit"]:
        return None
    query = request.query_params.copy()
    query["offset"] = data["offset"] + data["limit"]
    return request.build_absolute_uri(f"{request.path}?{query.urlencode()}")


class EventSearchApi(APIView):
    """Events matching every filter given; follow `next` for more. Open to visitors too."""

    permission_classes = [AllowAny]

    @extend_schema(operation_id="events_search", parameters=[EventSearchInput], responses=EventPageOutput)
    def get(self, request):
        data = EventSearchInput(data=request.query_params)
        data.is_valid(raise_exception=True)
        page = data.validated_data
        events = listed(selectors.event_search(filters=data.filters(), user=request.user, offset=page["offset"],
                                               limit=page["limit"]), request.user)
        return Response(EventPageOutput({"results": events, "next": _next(request, page, len(events))}).data)


class EventDetailApi(APIView):
    """An event; open to visitors too (`saved` is then false)."""

    permission_classes = [AllowAny]

    @extend_schema(operation_id="events_detail", responses=EventDetailOutput)
    def get(self, request, public_id):
        event = viewed(selectors.event_for(user=request.user, public_id=public_id), request.user)
        event.ticket_page, event.map_url = selectors.ticket_url(event), selectors.map_url(event)
        return Response(EventDetailOutput(event).data)


class EventSaveApi(APIView):
    """PUT saves the event for you, DELETE unsaves it; doing either twice changes nothing."""

    @extend_schema(request=None, responses=SavedStateOutput)
    def put(self, request, public_id):
        event = selectors.event_for(user=request.user, public_id=public_id)
        if event.moderation != event.Moderation.APPROVED:
            raise ApplicationError("Only a listed event can be saved.", code="not_listed")
        services.saved_event_add(user=request.user, event=event)
        return Response({"saved": True})

    @extend_schema(request=None, responses={204: None})
    def delete(self, request, public_id):
        event = selectors.event_for(user=request.user, public_id=public_id, or_saved=True)
        services.saved_event_remove(user=request.user, event=event)
        return Response(status=204)


class SavedEventsApi(APIView):
    """Your saved events: `when=upcoming` (soonest first, the default) or `past` (latest first)."""

    @extend_schema(parameters=[SavedInput], responses=EventPageOutput)
    def get(self, request):
        data = SavedInput(data=request.query_params)
        data.is_valid(raise_exception=True)
        page = data.validated_data
        events = shown(selectors.saved_events(user=request.user, when=page["when"], offset=page["offset"],
                                              limit=page["limit"]), request.user)
        return Response(EventPageOutput({"results": events, "next": _next(request, page, len(events))}).data)


class RecommendedEventsApi(APIView):
    """Shows for you, from what you have played most over your whole history; matching sponsored shows are
    mixed in with `sponsored: true`."""

    @extend_schema(responses=RecommendationOutput(many=True))
    def get(self, request):
        recommendations = selectors.recommended_events(user=request.user)
        listed([rec.event for rec in recommendations], request.user)
        return Response(RecommendationOutput(recommendations, many=True).data)
