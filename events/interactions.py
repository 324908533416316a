"""Listeners' impressions, detail views, saves and ticket clicks, recorded without slowing the page.

A page pushes each interaction onto a Redis list (one round trip, however many events it showed);
`interactions_flush` moves them into EventInteraction in bulk, and the metrics task calls it before it
aggregates. No interaction is lost or counted twice, even if a flush dies half way:

1. a batch moves atomically from the pending list to the processing list;
2. the batch gets EventInteraction ids from the table's sequence and replaces the processing list in one
   MULTI (crash before: the untagged batch is tagged on the next flush; nothing was inserted yet);
3. the rows are inserted with those ids, ON CONFLICT DO NOTHING (a crash after the commit re-inserts the
   same ids next time, which changes nothing);
4. the tagged batch is deleted.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from datetime import UTC, datetime

from django.db import connection, transaction

from accounts import selectors as account_selectors
from accounts.models import User
from events.models import Event, EventInteraction
from events.targeting import listener_matches
from rewrapped.redis import redis_client

PENDING = "events:interactions"
PROCESSING = "events:interactions:processing"
TAGGED = "events:interactions:tagged"
LOCK = "lock:events:interactions-flush"
BATCH = 5000

# Up to ARGV[1] entries from the head of the pending list to the tail of the processing list, atomically
# (LMOVE moves one at a time: 5,000 round trips for one batch).
_MOVE_BATCH = """
local entries = redis.call('LRANGE', KEYS[1], 0, tonumber(ARGV[1]) - 1)
if #entries > 0 then
    redis.call('RPUSH', KEYS[2], unpack(entries))
    redis.call('LTRIM', KEYS[1], #entries, -1)
end
return #entries
"""


def _entry(event: Event, user: User | None, kind: str) -> bytes:
    authenticated = user is not None and getattr(user, "is_authenticated", False)
    targeted = listener_matches(event, user) if event.sponsored else None
    return json.dumps([event.pk, user.pk if authenticated else None, kind, targeted, time.time()]).encode()


def interaction_record(*, event: Event, user: User | None, kind: str) -> None:
    """Record one detail view, save or ticket click (or impression) of an event by a listener."""
    if kind not in EventInteraction.Kind.values:
        raise ValueError(f"Unknown interaction {kind!r}")
    redis_client().rpush(PENDING, _entry(event, user, kind))


def impressions_record(*, events: Iterable[Event], user: User | None) -> None:
    """Record that these events were shown to the listener in a list: one push for the whole page."""
    entries = [_entry(event, user, EventInteraction.Kind.IMPRESSION) for event in events]
    if entries:
        redis_client().rpush(PENDING, *entries)


def interactions_pending() -> int:
    """Interactions recorded but not yet flushed into the database."""
    client = redis_client()
    tagged = client.get(TAGGED)
    return client.llen(PENDING) + client.llen(PROCESSING) + (len(json.loads(tagged)) if tagged else 0)


def interactions_flush() -> int:
    """Move every recorded interaction into EventInteraction; returns how many rows were inserted."""
    client = redis_client()
    inserted = 0
    with client.lock(LOCK, timeout=300, blocking_timeout=60):
        while True:
            tagged = client.get(TAGGED)
            if tagged is None:
                if not client.llen(PROCESSING):
                    client.eval(_MOVE_BATCH, 2, PENDING, PROCESSING, BATCH)
                raw = client.lrange(PROCESSING, 0, -1)
                if not raw:
                    return inserted
                tagged = _tag(client, raw)
            inserted += _insert(json.loads(tagged))
            client.delete(TAGGED)


def _tag(client, raw: list[bytes]) -> bytes:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence('events_eventinteraction', 'id')) FROM generate_series(1, %s)",
            [len(raw)],
        )
        ids = [row[0] for row in cursor.fetchall()]
    tagged = json.dumps([[row_id, *json.loads(entry)] for row_id, entry in zip(ids, raw, strict=True)]).encode()
    with client.pipeline(transaction=True) as pipe:
        pipe.set(TAGGED, tagged)
        pipe.delete(PROCESSING)
        pipe.execute()
    return tagged


def _insert(rows: list[list]) -> int:
    # An event deleted since goes with its interactions (as the cascade would have taken them); a listener
    # who deleted their account leaves an anonymous interaction (as SET_NULL would have left it).
    events = set(Event.objects.filter(pk__in={row[1] for row in rows}).values_list("pk", flat=True))
    users = account_selectors.users_existing(ids={row[2] for row in rows if row[2]})
    interactions = [
        EventInteraction(
            id=row_id, event_id=event_id, user_id=user_id if user_id in users else None, kind=kind,
            targeted=targeted, at=datetime.fromtimestamp(at, tz=UTC),
        )
        for row_id, event_id, user_id, kind, targeted, at in rows if event_id in events
    ]
    with transaction.atomic():
        before = EventInteraction.objects.filter(id__in=[row.id for row in interactions]).count()
        EventInteraction.objects.bulk_create(interactions, batch_size=1000, ignore_conflicts=True)
    return len(interactions) - before
