"""Beat's stored schedules name the roll-up task (and any moved task) by the path it had in promoters. Beat
rewrites the entries settings define when it starts, but not one staff added in the admin, and not before it
restarts: rename them here. The old names stay registered too (events/tasks.py) for messages already queued.
"""

from django.db import migrations
from django.utils import timezone

MOVED = {
    "promoters.tasks.event_metrics_aggregate": "events.tasks.event_metrics_aggregate",
    "promoters.tasks.event_moderation_notify": "events.tasks.event_moderation_notify",
}


def rename(apps, schema_editor, names: dict[str, str]) -> None:
    alias = schema_editor.connection.alias
    periodic_tasks = apps.get_model("django_celery_beat", "PeriodicTask").objects.using(alias)
    renamed = sum(periodic_tasks.filter(task=old).update(task=new) for old, new in names.items())
    if renamed:
        # What a running beat polls to know that the schedule changed.
        apps.get_model("django_celery_beat", "PeriodicTasks").objects.using(alias).update_or_create(
            ident=1, defaults={"last_update": timezone.now()})


def forwards(apps, schema_editor):
    rename(apps, schema_editor, MOVED)


def backwards(apps, schema_editor):
    rename(apps, schema_editor, {new: old for old, new in MOVED.items()})


class Migration(migrations.Migration):

    dependencies = [
        ("django_celery_beat", "0019_alter_periodictasks_options"),
        ("events", "0009_event_metrics_cursor"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
