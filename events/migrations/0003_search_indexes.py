"""Indexes for the listeners' event search.

The text document and the genre keys are immutable SQL functions so that an expression index can hold
them: array_to_string and lower() over an array are only stable as PostgreSQL sees them, which an index
refuses. The search reads the very same expressions (the stored Event.search_document, migration 0005, and
events.selectors.GenreKeys), so the planner uses these indexes. The 'simple' configuration does not stem:
band names are not English words.
"""

from django.db import migrations

FUNCTIONS = """
CREATE FUNCTION events_document(title text, performers text[], venue text, city text, genres text[])
RETURNS tsvector LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT setweight(to_tsvector('simple'::regconfig, coalesce(title, '')), 'A')
        || setweight(to_tsvector('simple'::regconfig, array_to_string(performers, ' ')), 'A')
        || setweight(to_tsvector('simple'::regconfig, array_to_string(genres, ' ')), 'B')
        || setweight(to_tsvector('simple'::regconfig, coalesce(venue, '') || ' ' || coalesce(city, '')), 'C')
$$;
CREATE FUNCTION events_genre_keys(genres text[])
RETURNS text[] LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT coalesce(array_agg(lower(genre)), '{}') FROM unnest(genres) AS genre
$$;
CREATE INDEX event_search_document ON events_event
    USING gin (events_document(title, performer_names, venue, city, genres));
CREATE INDEX event_genre_keys ON events_event USING gin (events_genre_keys(genres));
CREATE INDEX event_city_starts ON events_event (upper(city::text), starts_at);
CREATE INDEX event_starts ON events_event (starts_at);
"""

REVERSE = """
DROP INDEX IF EXISTS event_starts;
DROP INDEX IF EXISTS event_city_starts;
DROP INDEX IF EXISTS event_genre_keys;
DROP INDEX IF EXISTS event_search_document;
DROP FUNCTION IF EXISTS events_genre_keys(text[]);
DROP FUNCTION IF EXISTS events_document(text, text[], text, text, text[]);
"""


class Migration(migrations.Migration):
    dependencies = [("events", "0002_listings_saves_interactions_targeting")]

    operations = [migrations.RunSQL(FUNCTIONS, REVERSE)]
