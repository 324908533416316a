"""The migration that gave plays their source and import (listening/migrations/0009): the plays a database holds
keep working, and the imports whose plays can be told apart can be undone."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from listening.models import ImportJob, Play
from listening.services import import_job_undo, import_job_undo_run
from rewrapped.api import ApplicationError
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("listening", "0008_importjob_attempts")]


def migrate(targets=None):
    """Migrate the test database to `targets` (the latest migrations when None); the models as they were there."""
    executor = MigrationExecutor(connection)
    targets = targets or executor.loader.graph.leaf_nodes()
    executor.migrate(targets)
    return MigrationExecutor(connection).loader.project_state(targets).apps


@pytest.fixture
def before_sources():
    apps = migrate(BEFORE)
    yield apps
    migrate()


def test_existing_plays_get_their_source_and_import_where_it_is_certain(before_sources):
    apps = before_sources
    jobs = apps.get_model("listening", "ImportJob")
    plays = apps.get_model("listening", "Play")
    artist = apps.get_model("listening", "Artist").objects.create(name="Björk", name_key="björk")
    track = apps.get_model("listening", "Track").objects.create(artist=artist, name="Joga", name_key="joga")
    lena, otto = UserFactory(), UserFactory()  # accounts' tables are as they are today
    start = datetime(2023, 3, 1, 9, tzinfo=UTC)

    def job(user, added, finished):
        return jobs.objects.create(user_id=user.pk, upload="imports/x.zip", filename="x.zip", size_bytes=1, status="done",
                                   finished_at=start + timedelta(days=finished),
                                   summary={"rows": added + 1, "added": added, "duplicates": 1})

    def play(user, minutes, source="import", **context):
        ended = start + timedelta(minutes=minutes)
        return plays.objects.create(user_id=user.pk, kind="music", track=track, artist=artist, ended_at=ended,
                                    ended_minute=int(ended.timestamp()) // 60, ms_played=1000, source=source,
                                    **context)

    first, second = job(lena, 2, finished=1), job(lena, 1, finished=2)
    extended = play(lena, 1.5, platform="android", reason_start="trackdone")  # the first import's
    account = play(lena, 3)  # whole minute, no context: account data
    synced = play(lena, 5, source="sync")
    later = play(lena, 7.25, shuffle=True)  # the second import's
    theirs = job(otto, 2, finished=1)  # said it added 2; one was merged away since: not certain
    left = play(otto, 9.5, platform="ios")

    migrate()

    assert dict(Play.objects.values_list("pk", "source")) == {
        extended.pk: "extended", account.pk: "account", synced.pk: "sync", later.pk: "extended", left.pk: "extended",
    }
    assert dict(Play.objects.values_list("pk", "import_job")) == {
        extended.pk: first.pk, account.pk: first.pk, synced.pk: None, later.pk: second.pk, left.pk: None,
    }
    assert ImportJob.objects.get(pk=first.pk).summary == {"rows": 3, "added": 2, "already_in_history": 1}
    # The first import can be undone, exactly; the one whose plays cannot be told apart says so.
    import_job_undo_run(job_id=import_job_undo(job=ImportJob.objects.get(pk=first.pk)).pk)
    assert set(Play.objects.filter(user_id=lena.pk).values_list("pk", flat=True)) == {synced.pk, later.pk}
    with pytest.raises(ApplicationError, match="cannot be told apart"):
        import_job_undo(job=ImportJob.objects.get(pk=theirs.pk))
