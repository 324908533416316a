from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.views import TokenObtainPairView

from accounts import services
from accounts.data_export import data_export_response
from accounts.serializers import EmailTokenObtainSerializer, MeInput, MeOutput
from rewrapped.throttling import ScopedRateThrottle


class MeApi(APIView):
    """The signed-in user's profile."""

    @extend_schema(responses=MeOutput)
    def get(self, request):
        return Response(MeOutput(request.user).data)

    @extend_schema(request=MeInput, responses=MeOutput)
    def patch(self, request):
        data = MeInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        user = services.profile_update(user=request.user, **data.validated_data)
        return Response(MeOutput(user).data)


class MeExportApi(APIView):
    """Everything Re-Wrapped holds about the signed-in user, as the ZIP the profile page's "Download my data"
    gives: a README.txt, JSON files and CSV files (every play)."""

    @extend_schema(responses={(200, "application/zip"): OpenApiTypes.BINARY})
    def get(self, request):
        return data_export_response(request)


class TokenObtainApi(TokenObtainPairView):
    """Exchange email and password for a JWT access/refresh pair (mobile clients)."""

    serializer_class = EmailTokenObtainSerializer
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "auth"
