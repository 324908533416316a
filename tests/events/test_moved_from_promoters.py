"""Event moderation and the metrics roll-up moved from promoters to events: where the roll-up had got to, staff's
permission to look at it, beat's stored schedules and task messages queued under the old names all carry over."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from events.models import Event, EventInteraction, EventMetricsCursor, EventMetricsDaily
from rewrapped.celery import app as celery_app
from tests.conftest import client_for, wait_until
from tests.factories import UserFactory
from tests.promoters.conftest import event_for

BEFORE = [("events", "0008_genre_placeholders_removed"), ("promoters", "0002_metrics_cursor")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.fixture
def latest_schema():
    """Whatever a test migrates back to, the next test finds the schema as it is now."""
    yield
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_the_roll_up_carries_on_from_its_cursor_and_staff_keep_their_view_of_it(client, latest_schema):
    old = migrate(BEFORE)
    old.get_model("promoters", "EventMetricsCursor").objects.create(pk=1, last_interaction_id=41)
    viewer = UserFactory(email="ops@example.com", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_eventmetricscursor"))
    every_five_minutes = IntervalSchedule.objects.create(every=5, period=IntervalSchedule.MINUTES)
    for name, task in [("aggregate-event-metrics", "promoters.tasks.event_metrics_aggregate"),
                       ("metrics-for-the-board", "promoters.tasks.event_metrics_aggregate"),
                       ("prune-api-call-log", "rewrapped.tasks.api_call_log_prune")]:
        PeriodicTask.objects.create(name=name, task=task, interval=every_five_minutes)

    migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())

    assert list(EventMetricsCursor.objects.values_list("pk", "last_interaction_id")) == [(1, 41)]
    assert "promoters_eventmetricscursor" not in connection.introspection.table_names()
    page = client_for(client, viewer).get("/admin/events/eventmetricscursor/1/change/")
    assert page.status_code == 200 and "Interactions up to #41" in page.content.decode()
    assert dict(PeriodicTask.objects.values_list("name", "task")) == {
        "aggregate-event-metrics": "events.tasks.event_metrics_aggregate",
        "metrics-for-the-board": "events.tasks.event_metrics_aggregate",
        "prune-api-call-log": "rewrapped.tasks.api_call_log_prune",
    }

    # And back: promoters gets its table and the cursor again, beat the old names.
    old = migrate(BEFORE)
    assert list(old.get_model("promoters", "EventMetricsCursor").objects.values_list("last_interaction_id",
                                                                                     flat=True)) == [41]
    assert set(PeriodicTask.objects.values_list("task", flat=True)) == {
        "promoters.tasks.event_metrics_aggregate", "rewrapped.tasks.api_call_log_prune"}


@pytest.mark.django_db(transaction=True)
def test_a_moderation_email_queued_under_the_old_task_name_is_still_sent(promoter, celery_worker, worker_mail):
    event = event_for(promoter, title="Queued Before The Move", moderation=Event.Moderation.APPROVED)

    celery_app.send_task("promoters.tasks.event_moderation_notify", kwargs={"event_id": event.pk})

    wait_until(lambda: worker_mail("promoter@example.com"), "the worker's email")
    assert worker_mail("promoter@example.com")[0]["Subject"] == "“Queued Before The Move” is approved"


@pytest.mark.django_db(transaction=True)
def test_a_roll_up_queued_under_the_old_task_name_still_folds_the_interactions(promoter, listener, celery_worker):
    event = event_for(promoter, title="Counted Anyway", moderation=Event.Moderation.APPROVED)
    EventInteraction.objects.create(event=event, user=listener, kind="view", at=timezone.now() - timedelta(hours=1))

    celery_app.send_task("promoters.tasks.event_metrics_aggregate")

    wait_until(lambda: EventMetricsDaily.objects.filter(event=event, views=1).exists(), "the worker's roll-up")
