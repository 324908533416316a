from rest_framework import serializers

from listening.models import ImportJob


class ImportJobOutput(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id")

    class Meta:
        model = ImportJob
        fields = ["id", "filename", "size_bytes", "status", "summary", "error", "created_at", "started_at",
                  "finished_at", "cancel_requested"]


class ImportJobInput(serializers.Serializer):
    export = serializers.ListField(
        child=serializers.FileField(), allow_empty=False,
        error_messages={"required": "No file was submitted.", "empty": "No file was submitted."},
        help_text="my_spotify_data.zip, or Streaming_History JSON files, whatever they are called: one `export` "
                  "part per file. Each file is one import.",
    )
