import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from listening.models import ImportJob
from listening.services import import_job_create, import_job_run


@pytest.fixture
def run_import(django_capture_on_commit_callbacks):
    """Upload, then run the import here (the worker's part is tested in test_import_worker.py)."""

    def run(user, data: bytes, filename: str = "my_spotify_data.zip") -> ImportJob:
        job = import_job_create(user=user, upload=SimpleUploadedFile(filename, data))
        with django_capture_on_commit_callbacks(execute=True):
            return import_job_run(job_id=job.pk)

    return run


@pytest.fixture
def amsterdam_listener(listener):
    listener.time_zone = "Europe/Amsterdam"
    listener.save(update_fields=["time_zone"])
    return listener
