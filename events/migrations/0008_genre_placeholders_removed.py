"""Providers' placeholders ("Other", "Undefined") stored as genres are dropped: not shown, searched or
recommended by. The list is the one events.providers.PLACEHOLDER_GENRES had when this was written."""

from django.db import migrations

PLACEHOLDERS = ["other", "others", "undefined", "unknown", "miscellaneous", "misc", "n/a", "none", "null", "-"]

REMOVE = """
UPDATE events_event
SET genres = ARRAY(SELECT genre FROM unnest(genres) AS genre WHERE lower(btrim(genre)) <> ALL(%(placeholders)s))
WHERE EXISTS (SELECT FROM unnest(genres) AS genre WHERE lower(btrim(genre)) = ANY(%(placeholders)s))
"""


class Migration(migrations.Migration):

    dependencies = [
        ("events", "0007_show_identity_by_start"),
    ]

    operations = [
        migrations.RunSQL([(REMOVE, {"placeholders": PLACEHOLDERS})], migrations.RunSQL.noop),
    ]
