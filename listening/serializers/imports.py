from rest_framework import serializers

from listening.models import ImportJob


class ImportJobOutput(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id")

    class Meta:
        model = ImportJob
        fields = ["id", "filename", "size_bytes", "status", "summary", "error", "created_at", "started_at",
                  "finished_at", "cancel_requested"]


class ImportJobInput(serializers.Serializer):
    export = serializers.FileField(help_text="my_spotify_data.zip, or one Streaming_History JSON file.")
