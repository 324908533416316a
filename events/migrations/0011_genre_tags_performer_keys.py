"""Genres as normalized tags, and performers by name, for the genre filter and recommendations.

A tag is a genre in lower case with every run of punctuation and spacing folded to one space ("Indie-Rock" and
"indie  rock" are both "indie rock"); events.genres.genre_tag is the same fold in Python. The filter finds the
events whose stored words (indexed) hold the words asked for, then keeps those with them together in one tag of
the stored text (" indie pop | rock "), so "indie" finds "indie pop" and "Indie-Rock" but not "hindie". Both
are stored columns: read, they cost nothing per row, where the functions behind them cost every row tested.
Performer keys are the performers' names in lower case with spacing folded, so a show finds the listeners of
an artist whatever the catalog knew of them when the show was fetched. Tags and performer keys are immutable
functions that expression indexes hold, and the selectors read the very same expressions.
"""

import django.contrib.postgres.fields
import django.contrib.postgres.indexes
from django.db import migrations, models

FUNCTIONS = """
CREATE FUNCTION events_genre_tags(genres text[])
RETURNS text[] LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT coalesce(array_agg(DISTINCT tag), '{}') FROM (
        SELECT btrim(regexp_replace(lower(genre), '[^[:alnum:]]+', ' ', 'g')) AS tag FROM unnest(genres) AS genre
    ) AS tags WHERE tag <> ''
$$;
CREATE FUNCTION events_genre_words(genres text[])
RETURNS text[] LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT coalesce(array_agg(DISTINCT word), '{}')
    FROM unnest(events_genre_tags(genres)) AS tag, regexp_split_to_table(tag, ' ') AS word
$$;
CREATE FUNCTION events_genre_text(genres text[])
RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT ' ' || array_to_string(events_genre_tags(genres), ' | ') || ' '
$$;
CREATE FUNCTION events_performer_keys(names text[])
RETURNS text[] LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT coalesce(array_agg(btrim(regexp_replace(lower(name), '\\s+', ' ', 'g'))), '{}') FROM unnest(names) AS name
$$;
CREATE INDEX event_genre_tags ON events_event USING gin (events_genre_tags(genres));
CREATE INDEX event_performer_keys ON events_event USING gin (events_performer_keys(performer_names));
DROP INDEX IF EXISTS event_genre_keys;
DROP FUNCTION IF EXISTS events_genre_keys(text[]);
"""

REVERSE = """
CREATE FUNCTION events_genre_keys(genres text[])
RETURNS text[] LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT coalesce(array_agg(lower(genre)), '{}') FROM unnest(genres) AS genre
$$;
CREATE INDEX event_genre_keys ON events_event USING gin (events_genre_keys(genres));
DROP INDEX IF EXISTS event_performer_keys;
DROP INDEX IF EXISTS event_genre_tags;
DROP FUNCTION IF EXISTS events_performer_keys(text[]);
DROP FUNCTION IF EXISTS events_genre_text(text[]);
DROP FUNCTION IF EXISTS events_genre_words(text[]);
DROP FUNCTION IF EXISTS events_genre_tags(text[]);
"""


class Migration(migrations.Migration):
    dependencies = [("events", "0010_moved_task_names")]

    operations = [
        migrations.RunSQL(FUNCTIONS, REVERSE),
        migrations.AddField(
            model_name="event",
            name="genre_words",
            field=models.GeneratedField(
                db_persist=True,
                expression=models.Func(models.F("genres"), function="events_genre_words",
                                       output_field=django.contrib.postgres.fields.ArrayField(models.TextField())),
                output_field=django.contrib.postgres.fields.ArrayField(models.TextField()),
            ),
        ),
        migrations.AddField(
            model_name="event",
            name="genre_text",
            field=models.GeneratedField(
                db_persist=True,
                expression=models.Func(models.F("genres"), function="events_genre_text",
                                       output_field=models.TextField()),
                output_field=models.TextField(),
            ),
        ),
        migrations.AddIndex(
            model_name="event",
            index=django.contrib.postgres.indexes.GinIndex(fields=["genre_words"], name="event_genre_words"),
        ),
    ]
