"""The promoters API: a promoter's own events and their metrics, read from the Event Metrics Log."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from events.models import Event
from promoters import metrics
from promoters.serializers import EventMetricsOutput, PromoterEventOutput


class IsPromoter(BasePermission):
    message = "Only promoters have events here."

    def has_permission(self, request, view):
        return request.user.is_promoter


def _own_events(user):
    return Event.objects.filter(promoter=user, source=Event.Source.INTERNAL)


class PromoterEventsApi(APIView):
    """Your events, each with its totals."""

    permission_classes = [IsAuthenticated, IsPromoter]

    @extend_schema(responses=PromoterEventOutput(many=True))
    def get(self, request):
        rows = metrics.promoter_events_totals(events=_own_events(request.user))
        return Response(PromoterEventOutput(rows, many=True).data)


class PromoterEventMetricsApi(APIView):
    """One of your events: totals, one point per day, and how well its targeting reached its audience."""

    permission_classes = [IsAuthenticated, IsPromoter]

    @extend_schema(responses=EventMetricsOutput)
    def get(self, request, public_id):
        event = get_object_or_404(_own_events(request.user), public_id=public_id)
        data = {
            "totals": metrics.event_totals(events=[event]),
            "daily": metrics.event_daily_series(event=event),
            "targeting": metrics.targeting_effectiveness(events=[event]),
        }
        return Response(EventMetricsOutput(data).data)
