"""Writes for listening (see STYLE.md: services for writes)."""

from listening.services.import_jobs import import_job_cancel, import_job_create, import_job_run
from listening.services.plays import ImportSummary, plays_add
from listening.services.rollups import rollups_rebuild

__all__ = ["ImportSummary", "import_job_cancel", "import_job_create", "import_job_run", "plays_add", "rollups_rebuild"]
