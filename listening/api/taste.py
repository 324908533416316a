"""The taste-match API: how your taste matches a listener who shares theirs, and listeners like you.

A listener who does not share their taste answers 404, exactly as one who does not exist."""

from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from listening import selectors, services
from listening.serializers.library import TasteMatchOutput, TasteSharingInput, TasteSharingOutput


class TasteMatchApi(APIView):
    """Your taste against one listener's: a 0–100 score and the artists and genres you share."""

    @extend_schema(responses=TasteMatchOutput)
    def get(self, request, public_id):
        other = selectors.taste_match_user(viewer=request.user, public_id=public_id)
        return Response(TasteMatchOutput(selectors.taste_match(viewer=request.user, other=other)).data)


class ListenersLikeYouApi(APIView):
    """The listeners who share their taste and are most like you, best match first (at most 10)."""

    @extend_schema(responses=TasteMatchOutput(many=True))
    def get(self, request):
        return Response(TasteMatchOutput(selectors.listeners_like_you(viewer=request.user), many=True).data)


class TasteSharingApi(APIView):
    """Whether you share your taste; PUT {"public": true} lets others see how they match you."""

    @extend_schema(responses=TasteSharingOutput)
    def get(self, request):
        return Response(TasteSharingOutput(request.user).data)

    @extend_schema(request=TasteSharingInput, responses=TasteSharingOutput)
    def put(self, request):
        data = TasteSharingInput(data=request.data)
        data.is_valid(raise_exception=True)
        user = services.taste_sharing_set(user=request.user, public=data.validated_data["public"])
        return Response(TasteSharingOutput(user).data)
