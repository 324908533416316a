"""The metrics roll-up's cursor is events' now: events' 0009 renamed this app's table to its own (or, on a new
database, made its own, and the one 0002 made here goes). Staff permissions and admin history on it follow it
through its content type. Run backwards, the table comes back here with the cursor's row copied.
"""

from django.db import migrations

TABLE = "promoters_eventmetricscursor"


def hand_over(apps, schema_editor):
    if TABLE in schema_editor.connection.introspection.table_names():
        schema_editor.delete_model(apps.get_model("promoters", "EventMetricsCursor"))
    _content_type_move(apps, schema_editor, "promoters", "events")


def take_back(apps, schema_editor):
    cursor_model = apps.get_model("promoters", "EventMetricsCursor")
    schema_editor.create_model(cursor_model)
    events_cursor = apps.get_model("events", "EventMetricsCursor").objects.using(schema_editor.connection.alias)
    cursor_model.objects.using(schema_editor.connection.alias).bulk_create(
        cursor_model(pk=row.pk, last_interaction_id=row.last_interaction_id) for row in events_cursor.all()
    )
    _content_type_move(apps, schema_editor, "events", "promoters")


def _content_type_move(apps, schema_editor, old_app: str, new_app: str) -> None:
    content_types = apps.get_model("contenttypes", "ContentType").objects.using(schema_editor.connection.alias)
    if not content_types.filter(app_label=new_app, model="eventmetricscursor").exists():
        content_types.filter(app_label=old_app, model="eventmetricscursor").update(app_label=new_app)


class Migration(migrations.Migration):

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("events", "0009_event_metrics_cursor"),
        ("promoters", "0002_metrics_cursor"),
    ]

    operations = [
        migrations.RunPython(hand_over, take_back),
        migrations.SeparateDatabaseAndState(state_operations=[migrations.DeleteModel(name="EventMetricsCursor")]),
    ]
