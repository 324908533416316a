"""Promoter analytics: folding raw interactions into the Event Metrics Log, and the reads the console draws.

Pages read only EventMetricsDaily (a row per event, day and audience), never the raw interactions, so an
event with a million interactions costs the same few rows per day as one with ten.
"""

from collections.abc import Iterable

from django.db import connection, transaction
from django.db.models import Max, QuerySet, Sum
from django.db.models.functions import Coalesce

from events.interactions import interactions_flush
from events.models import Event, EventInteraction, EventMetricsDaily
from events.venue_time import venue_time_iso
from promoters.models import EventMetricsCursor

COUNTS = ("impressions", "views", "saves", "ticket_clicks")

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


# --- reads ----------------------------------------------------------------------------------
def _sums(prefix: str = "") -> dict:
    return {name: Coalesce(Sum(f"{prefix}{name}"), 0) for name in COUNTS}


def _with_rates(row: dict) -> dict:
    impressions = row["impressions"]
    engaged = row["views"] + row["saves"] + row["ticket_clicks"]
    return {
        **row,
        "ctr": row["ticket_clicks"] / impressions if impressions else None,
        "engagement": engaged / impressions if impressions else None,
    }


def promoter_events_totals(*, events: QuerySet[Event]) -> list[dict]:
    """Totals and rates per event, for the comparison chart and the table under it, in one query."""
    rows = events.order_by("starts_at").values(
        "pk", "public_id", "title", "starts_at", "venue_time_zone", "moderation", "rejection_reason"
    ).annotate(
        **_sums("daily_metrics__")
    )
    return [_with_rates(row) for row in rows]


def event_totals(*, events: Iterable[Event] | QuerySet[Event]) -> dict:
    """Totals and rates of one or more events together."""
    return _with_rates(EventMetricsDaily.objects.filter(event__in=events).aggregate(**_sums()))


def event_daily_series(*, event: Event) -> list[dict]:
    """One point per UTC day with any interaction, both audiences together, oldest first."""
    rows = EventMetricsDaily.objects.filter(event=event).values("day").annotate(**_sums()).order_by("day")
    return [{**row, "day": row["day"].isoformat()} for row in rows]


def targeting_effectiveness(*, events: Iterable[Event] | QuerySet[Event]) -> dict:
    """How well targeting reached its audience: the share of impressions shown to listeners who matched it,
    and the engagement (views, saves and ticket clicks per impression) of matched and unmatched listeners.
    Interactions of events that were not sponsored when they happened carry no audience and are left out."""
    audiences = {
        row["targeted"]: _with_rates(row)
        for row in EventMetricsDaily.objects.filter(event__in=events, targeted__isnull=False)
        .values("targeted").annotate(**_sums()).order_by()
    }
    empty = _with_rates(dict.fromkeys(COUNTS, 0))
    targeted, untargeted = audiences.get(True, empty), audiences.get(False, empty)
    impressions = targeted["impressions"] + untargeted["impressions"]
    return {
        "reach": targeted["impressions"] / impressions if impressions else None,
        "targeted": targeted,
        "untargeted": untargeted,
    }


# The event's start on the venue's clock (ISO 8601 with its offset then); the interactions' days are UTC days.
CSV_HEADER = ["event", "event_id", "starts_at", "venue_time_zone", "day_utc", "audience", "impressions", "views",
              "saves", "ticket_clicks", "listeners", "ctr"]
AUDIENCES = {True: "targeted", False: "not targeted", None: "not sponsored"}


def metrics_csv_rows(*, events: QuerySet[Event]) -> Iterable[list]:
    """The Event Metrics Log of `events` as CSV rows: a header, then one row per event, day and audience."""
    yield CSV_HEADER
    rows = (
        EventMetricsDaily.objects.filter(event__in=events)
        .select_related("event").only("event__title", "event__public_id", "event__starts_at", "event__venue_time_zone",
                                      "day", "targeted", *COUNTS, "listeners")
        .order_by("event__starts_at", "event_id", "day", "targeted")
    )
    for row in rows.iterator(chunk_size=2000):
        event = row.event
        ctr = f"{row.ticket_clicks / row.impressions:.4f}" if row.impressions else ""
        yield [_cell(event.title), event.public_id, venue_time_iso(event.starts_at, event.venue_time_zone),
               event.venue_time_zone, row.day.isoformat(), AUDIENCES[row.targeted], row.impressions, row.views,
               row.saves, row.ticket_clicks, row.listeners, ctr]


def _cell(text: str) -> str:
    """A title a spreadsheet would run as a formula (=, +, -, @) is kept as text."""
    return f"'{text}" if text[:1] in ("=", "+", "-", "@") else text
