"""Genres as normalized tags, and performers by name, for the genre filter and recommendations.

A tag is a genre in lower case with every run of punctuation and spacing folded to one space ("Indie-Rock" and
"indie  rock" are both "indie rock"); its words are what the filter matches, so "indie" finds "indie pop" and
"Indie-Rock" but not "hindie". events.genres.genre_tag is the same fold in Python. Performer keys are the
performers' names in lower case with spacing folded, so a show finds the listeners of an artist whatever the
catalog knew of them when the show was fetched. Each is an immutable function an expression index holds, and
the selectors read the very same expressions.
"""

from django.db import migrations

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
CREATE FUNCTION events_genre_match(genres text[], wanted text)
RETURNS boolean LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT EXISTS (
        SELECT FROM unnest(events_genre_tags(genres)) AS tag, unnest(events_genre_tags(ARRAY[wanted])) AS want
        WHERE ' ' || tag || ' ' LIKE '% ' || want || ' %'
    )
$$;
CREATE FUNCTION events_performer_keys(names text[])
RETURNS text[] LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT coalesce(array_agg(btrim(regexp_replace(lower(name), '\\s+', ' ', 'g'))), '{}') FROM unnest(names) AS name
$$;
CREATE INDEX event_genre_words ON events_event USING gin (events_genre_words(genres));
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
DROP INDEX IF EXISTS event_genre_words;
DROP FUNCTION IF EXISTS events_performer_keys(text[]);
DROP FUNCTION IF EXISTS events_genre_match(text[], text);
DROP FUNCTION IF EXISTS events_genre_words(text[]);
DROP FUNCTION IF EXISTS events_genre_tags(text[]);
"""


class Migration(migrations.Migration):
    dependencies = [("events", "0010_moved_task_names")]

    operations = [migrations.RunSQL(FUNCTIONS, REVERSE)]
