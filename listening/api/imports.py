from django.shortcuts import get_object_or_404
from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema
from rest_framework.generics import ListAPIView
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from listening import services
from listening.models import ImportJob
from listening.serializers.imports import ImportJobInput, ImportJobOutput


class ImportListCreateApi(ListAPIView):
    """Your imports, newest first; POST a Spotify export to start one (202, then watch its status). Several
    `export` files make one import each: the answer is then their list, all of them started or, if one is refused
    (400), none."""

    serializer_class = ImportJobOutput
    parser_classes = [MultiPartParser]

    def get_queryset(self):
        return ImportJob.objects.filter(user=self.request.user)

    @extend_schema(request={"multipart/form-data": ImportJobInput}, responses={202: PolymorphicProxySerializer(
        component_name="ImportJobStarted", serializers=[ImportJobOutput, ImportJobOutput(many=True)],
        resource_type_field_name=None, many=False,
    )})
    def post(self, request):
        data = ImportJobInput(data=request.data)
        data.is_valid(raise_exception=True)
        uploads = data.validated_data["export"]
        jobs = services.import_jobs_create(user=request.user, uploads=uploads)
        # One file answers with its import, as before several could be sent.
        return Response(ImportJobOutput(jobs[0] if len(uploads) == 1 else jobs, many=len(uploads) > 1).data,
                        status=202)


class ImportDetailApi(APIView):
    @extend_schema(responses=ImportJobOutput)
    def get(self, request, public_id):
        return Response(ImportJobOutput(get_object_or_404(ImportJob, public_id=public_id, user=request.user)).data)


class ImportUndoApi(APIView):
    """Take a finished import's plays out of your history (202: a worker does it; watch the status become
    "undone"). Only a finished import can be undone (409)."""

    @extend_schema(request=None, responses={202: ImportJobOutput})
    def post(self, request, public_id):
        job = get_object_or_404(ImportJob, public_id=public_id, user=request.user)
        return Response(ImportJobOutput(services.import_job_undo(job=job)).data, status=202)


class ImportCancelApi(APIView):
    @extend_schema(request=None, responses={202: ImportJobOutput})
    def post(self, request, public_id):
        job = get_object_or_404(ImportJob, public_id=public_id, user=request.user)
        return Response(ImportJobOutput(services.import_job_cancel(job=job)).data, status=202)
