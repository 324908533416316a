"""The promoters API: a promoter's own events and their metrics, read from the Event Metrics Log."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from events import selectors as event_selectors
from promoters.serializers import EventMetricsOutput, PromoterEventOutput


class IsPromoter(BasePermission):
    message = "Only promoters have events here."

    def has_permission(self, request, view):
        return request.user.is_promoter


class PromoterEventsApi(APIView):
    """Your events, each with its totals."""

    permission_classes = [IsAuthenticated, IsPromoter]

    @extend_schema(responses=PromoterEventOutput(many=True))
    def get(self, request):
        rows = event_selectors.promoter_events_totals(events=event_selectors.promoter_events(promoter=request.user))
        return Response(PromoterEventOutput(rows, many=True).data)


class PromoterEventMetricsApi(APIView):
    """One of your events: totals, one point per day, and how well its targeting reached its audience."""

    permission_classes = [IsAuthenticated, IsPromoter]

    @extend_schema(responses=EventMetricsOutput)
    def get(self, request, public_id):
        event = get_object_or_404(event_selectors.promoter_events(promoter=request.user), public_id=public_id)
        data = {
            "totals": event_selectors.event_totals(events=[event]),
            "daily": event_selectors.event_daily_series(event=event),
            "targeting": event_selectors.targeting_effectiveness(events=[event]),
        }
        return Response(EventMetricsOutput(data).data)
