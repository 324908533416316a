"""The metrics roll-up's cursor moves from promoters to events with its table, and so with the row saying how far
the roll-up has come: the table promoters made is renamed, not copied; a new database gets a new one. promoters'
0003 then forgets the model (and, run backwards, takes a copy back).
"""

from django.db import migrations, models
from django.db.migrations.recorder import MigrationRecorder

OLD_TABLE, NEW_TABLE = "promoters_eventmetricscursor", "events_eventmetricscursor"


def take_over(apps, schema_editor):
    cursor_model = apps.get_model("events", "EventMetricsCursor")
    if OLD_TABLE in schema_editor.connection.introspection.table_names():
        schema_editor.alter_db_table(cursor_model, OLD_TABLE, NEW_TABLE)
    else:
        schema_editor.create_model(cursor_model)


def give_back(apps, schema_editor):
    cursor_model = apps.get_model("events", "EventMetricsCursor")
    connection = schema_editor.connection
    if OLD_TABLE not in connection.introspection.table_names() and _promoters_at_0002(connection):
        # Only events moved on after an earlier step back (`migrate events`): promoters still counts on the table.
        schema_editor.alter_db_table(cursor_model, NEW_TABLE, OLD_TABLE)
    else:
        # Unapplying promoters' 0003 (it depends on this one) copied the cursor back into a table of its own.
        schema_editor.delete_model(cursor_model)


def _promoters_at_0002(connection) -> bool:
    applied = MigrationRecorder(connection).applied_migrations()
    return (("promoters", "0002_metrics_cursor") in applied
            and ("promoters", "0003_event_metrics_cursor_to_events") not in applied)


class Migration(migrations.Migration):

    dependencies = [
        ("events", "0008_genre_placeholders_removed"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="EventMetricsCursor",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False,
                                                   verbose_name="ID")),
                        ("last_interaction_id", models.BigIntegerField(default=0)),
                        ("updated_at", models.DateTimeField(auto_now=True)),
                    ],
                ),
            ],
        ),
        # After the state change, so that these see the model.
        migrations.RunPython(take_over, give_back),
    ]
