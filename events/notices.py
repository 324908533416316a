"""Telling listeners about shows: a saved event's new date, cancellation or postponement, and a show
announced in their country by an artist they play a lot.

A notice is an EventNotice row first, written in the transaction that stored the change, and unique per
listener, event, kind and detail: fetching the same change again (or from a second provider) sends nothing
new. Delivery (the notifications socket and an email) happens only after that transaction has committed.
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import connection, transaction
from django.urls import reverse

from accounts import selectors as account_selectors
from events.models import Event, EventNotice, SavedEvent
from events.venue_time import venue_time_label
from listening import selectors as listening_selectors
from rewrapped.realtime import broadcast, user_group

logger = logging.getLogger(__name__)

# "An artist you play a lot": among the listener's all-time top artists.
ANNOUNCE_TOP_ARTISTS = 20


def changes_record(*, changes) -> list[int]:
    """A notice for every listener who saved each changed event; the ids of the notices that are new."""
    by_event: dict[int, list] = {}
    for change in changes:
        by_event.setdefault(change.event_id, []).append(change)
    if not by_event:
        return []
    rows = [
        (user_id, change.event_id, change.kind, change.detail[:100])
        for event_id, user_id in SavedEvent.objects.filter(event_id__in=by_event).values_list("event_id", "user_id")
        for change in by_event[event_id]
    ]
    return _insert(rows)


def announcements_record(*, event_ids: list[int], now: datetime) -> list[int]:
    """For new upcoming shows: an `announced` notice for each listener in the show's country who has one of
    its performers among their all-time top artists."""
    events = list(Event.objects.filter(pk__in=event_ids, starts_at__gt=now).only("pk", "country"))
    if not events:
        return []
    performers: dict[int, set[int]] = {}
    for event_id, artist_id in Event.performers.through.objects.filter(event_id__in=[e.pk for e in events]) \
            .values_list("event_id", "artist_id"):
        performers.setdefault(event_id, set()).add(artist_id)
    tops: dict[int, set[int]] = {}  # listener -> their top artists, read once per listener
    rows = []
    for event in events:
        artist_ids = performers.get(event.pk)
        if not artist_ids:
            continue
        # Only listeners who ever played a performer can have them in their tops.
        fans = listening_selectors.listener_ids_of(artist_ids=artist_ids)
        for user in account_selectors.users_active_in(country=event.country, among=fans):
            if user.pk not in tops:
                tops[user.pk] = {
                    entry.item.pk for entry in listening_selectors.top_all_time(
                        user=user, kind="artists", limit=ANNOUNCE_TOP_ARTISTS)
                }
            if tops[user.pk] & artist_ids:
                rows.append((user.pk, event.pk, EventNotice.Kind.ANNOUNCED, ""))
    return _insert(rows)


def _insert(rows: list[tuple]) -> list[int]:
    """INSERT … ON CONFLICT DO NOTHING, so only notices never sent before come back (and are sent)."""
    if not rows:
        return []
    table = EventNotice._meta.db_table
    placeholders = ", ".join(["(%s, %s, %s, %s, now())"] * len(rows))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (user_id, event_id, kind, detail, created_at) VALUES {placeholders} "
            "ON CONFLICT ON CONSTRAINT event_notice_once DO NOTHING RETURNING id",
            [value for row in rows for value in row],
        )
        return [row[0] for row in cursor.fetchall()]


def notices_deliver_on_commit(notice_ids: list[int]) -> None:
    """Deliver the notices once the transaction that recorded them has committed. Robust: a push or mail
    server that is down must not undo what was stored; the notices stay recorded."""
    if notice_ids:
        transaction.on_commit(lambda: notices_deliver(notice_ids=notice_ids), robust=True)


def notices_deliver(*, notice_ids: list[int]) -> int:
    """Push each notice to the listener's open pages and email it. Call after commit."""
    notices = list(EventNotice.objects.filter(pk__in=notice_ids).select_related("user", "event").order_by("pk"))
    emails = []
    for notice in notices:
        subject, message = notice_text(notice)
        url = settings.SITE_URL.rstrip("/") + reverse("events:detail", kwargs={"public_id": notice.event.public_id})
        broadcast(user_group(notice.user_id), "notify", {
            "message": message, "level": "info" if notice.kind == EventNotice.Kind.ANNOUNCED else "warning",
            "kind": f"event.{notice.kind}", "event": str(notice.event.public_id), "url": url,
        })
        if notice.user.email:
            emails.append(EmailMessage(subject, f"{message}\n\n{url}\n", None, [notice.user.email]))
    if emails:
        get_connection().send_messages(emails)
    return len(notices)


def notice_text(notice: EventNotice) -> tuple[str, str]:
    """The subject and sentence a listener reads, with the start in the venue's own time."""
    event = notice.event
    when = venue_time_label(event)
    where = f"{event.venue}, {event.city}"
    if notice.kind == EventNotice.Kind.CANCELLED:
        return f"Cancelled: {event.title}", f"{event.title} at {where} has been cancelled."
    if notice.kind == EventNotice.Kind.POSTPONED:
        return f"Postponed: {event.title}", f"{event.title} at {where} has been postponed."
    if notice.kind == EventNotice.Kind.UNLISTED:
        return (f"No longer listed: {event.title}",
                f"{event.title} at {where} ({when}) is no longer listed by its ticket seller. It may have been "
                "cancelled or moved: check with the venue before you go.")
    if notice.kind == EventNotice.Kind.RESCHEDULED:
        return f"New date: {event.title}", f"{event.title} at {where} has a new date: {when}."
    names = event.performer_names[:2]
    performers = " and ".join(names) or event.title
    verb = "play" if len(names) > 1 else "plays"
    return f"{performers} announced a show near you", f"{performers} {verb} {where} on {when}."
