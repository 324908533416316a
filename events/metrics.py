"""The Event Metrics Log: raw interactions folded, every few minutes, into a row per event, UTC day and audience.

Pages read only EventMetricsDaily (through events.selectors), never the raw interactions, so an event with a
million interactions costs the same few rows per day as one with ten.
"""

from django.db import connection, transaction
from django.db.models import Max

from events.interactions import interactions_flush
from events.models import EventInteraction, EventMetricsCursor

# Every (event, UTC day) touched by the new interactions is recomputed whole from the raw rows and upserted:
# running twice, or over a day that already had rows, gives the same numbers.
_RECOMPUTE_DAYS = """
WITH touched AS (
    SELECT DISTINCT event_id, (at AT TIME ZONE 'UTC')::date AS day
    FROM events_eventinteraction
    WHERE id > %(after)s AND id <= %(upto)s
)
INSERT INTO events_eventmetricsdaily (event_id, day, targeted, impressions, views, saves, ticket_clicks, listeners)
SELECT touched.event_id, touched.day, i.targeted,
       count(*) FILTER (WHERE i.kind = 'impression'),
       count(*) FILTER (WHERE i.kind = 'view'),
       count(*) FILTER (WHERE i.kind = 'save'),
       count(*) FILTER (WHERE i.kind = 'ticket_click'),
       count(DISTINCT i.user_id)
FROM touched
JOIN events_eventinteraction i
  ON i.event_id = touched.event_id
 AND i.at >= touched.day::timestamp AT TIME ZONE 'UTC'
 AND i.at < (touched.day + 1)::timestamp AT TIME ZONE 'UTC'
GROUP BY touched.event_id, touched.day, i.targeted
ON CONFLICT ON CONSTRAINT event_metrics_once_per_day DO UPDATE SET
    impressions = EXCLUDED.impressions, views = EXCLUDED.views, saves = EXCLUDED.saves,
    ticket_clicks = EXCLUDED.ticket_clicks, listeners = EXCLUDED.listeners
"""


def event_metrics_aggregate() -> dict:
    """Fold interactions recorded since the last run into the daily metrics; returns what it did.

    Buffered interactions are flushed into the database first, so a run counts everything recorded so far.
    The cursor is the highest interaction id seen: every interaction reaches the table through
    `interactions_flush`, one batch at a time under its lock, so a lower id is never committed after a higher.
    """
    flushed = interactions_flush()
    with transaction.atomic():
        # The row lock makes overlapping runs take turns instead of both recomputing the same days.
        cursor_row, _ = EventMetricsCursor.objects.select_for_update().get_or_create(pk=1)
        after = cursor_row.last_interaction_id
        upto = EventInteraction.objects.filter(id__gt=after).aggregate(upto=Max("id"))["upto"]
        if upto is None:
            return {"flushed": flushed, "interactions": 0, "rows": 0}
        with connection.cursor() as cursor:
            cursor.execute(_RECOMPUTE_DAYS, {"after": after, "upto": upto})
            rows = cursor.rowcount
        interactions = EventInteraction.objects.filter(id__gt=after, id__lte=upto).count()
        cursor_row.last_interaction_id = upto
        cursor_row.save(update_fields=["last_interaction_id", "updated_at"])
    return {"flushed": flushed, "interactions": interactions, "rows": rows}
