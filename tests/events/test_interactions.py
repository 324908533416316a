"""Impressions, detail views, saves and ticket clicks: recorded through Redis, flushed into the database in
bulk, none lost or counted twice, with `targeted` saying whether a sponsored event reached its audience."""

import json

import pytest
from django.urls import reverse

from events import interactions
from events.interactions import impressions_record, interaction_record, interactions_flush, interactions_pending
from events.models import EventInteraction
from rewrapped.redis import redis_client
from tests.conftest import client_for
from tests.events.factories import EventFactory, PromoterEventFactory

pytestmark = pytest.mark.django_db


def kinds():
    return sorted(EventInteraction.objects.values_list("kind", flat=True))


def test_a_listener_browsing_leaves_impressions_a_view_and_a_ticket_click(client, listener):
    shown = EventFactory.create_batch(3)
    client_for(client, listener)
    client.get(reverse("events:search"))
    client.get(reverse("events:detail", args=[shown[0].public_id]))
    tickets = client.get(reverse("events:tickets", args=[shown[0].public_id]))
    assert tickets.status_code == 302 and tickets["Location"] == shown[0].ticket_url
    assert interactions_pending() == 5
    assert interactions_flush() == 5
    assert kinds() == ["impression"] * 3 + ["ticket_click", "view"]
    assert set(EventInteraction.objects.values_list("user", flat=True)) == {listener.pk}
    assert interactions_pending() == 0
    assert interactions_flush() == 0


def test_sponsored_interactions_say_whether_the_listener_was_targeted(listener, other_listener, promoter):
    listener.country = "NL"
    listener.save()
    sponsored = PromoterEventFactory(promoter=promoter, sponsored=True, target_countries=["NL"])
    plain = EventFactory()
    impressions_record(events=[sponsored, plain], user=listener)
    interaction_record(event=sponsored, user=other_listener, kind="view")
    interactions_flush()
    assert sorted(EventInteraction.objects.values_list("event", "user", "targeted")) == sorted([
        (sponsored.pk, listener.pk, True), (plain.pk, listener.pk, None), (sponsored.pk, other_listener.pk, False),
    ])


def test_the_ticket_button_only_ever_leads_to_the_events_own_https_page(client, listener):
    plain_http = EventFactory(ticket_url="http://tickets.example.com/1")
    none = EventFactory(ticket_url="")
    client_for(client, listener)
    assert client.get(reverse("events:tickets", args=[plain_http.public_id])).status_code == 404
    assert client.get(reverse("events:tickets", args=[none.public_id])).status_code == 404
    # Whatever is added to the address, it goes to the event's ticket page.
    event = EventFactory()
    answer = client.get(reverse("events:tickets", args=[event.public_id]), {"next": "https://evil.example.com"})
    assert answer["Location"] == event.ticket_url
    assert interactions_flush() == 1


def test_a_flush_that_died_after_inserting_counts_nothing_twice(listener):
    event = EventFactory()
    impressions_record(events=[event] * 10, user=listener)
    # The flush got as far as tagging the batch with ids and inserting it, then the worker died.
    client = redis_client()
    client.eval(interactions._MOVE_BATCH, 2, interactions.PENDING, interactions.PROCESSING, 1000)
    tagged = interactions._tag(client, client.lrange(interactions.PROCESSING, 0, -1))
    interactions._insert(json.loads(tagged))
    assert EventInteraction.objects.count() == 10
    interaction_record(event=event, user=listener, kind="view")

    assert interactions_flush() == 1
    assert EventInteraction.objects.count() == 11
    assert interactions_pending() == 0


def test_a_flush_that_died_before_tagging_loses_nothing(listener):
    event = EventFactory()
    impressions_record(events=[event] * 4, user=listener)
    redis_client().eval(interactions._MOVE_BATCH, 2, interactions.PENDING, interactions.PROCESSING, 3)
    assert interactions_pending() == 4
    assert interactions_flush() == 4
    assert EventInteraction.objects.count() == 4


def test_interactions_of_a_deleted_event_are_dropped_and_a_deleted_listener_becomes_anonymous(
    listener, other_listener
):
    kept, deleted = EventFactory(), EventFactory()
    interaction_record(event=kept, user=other_listener, kind="view")
    interaction_record(event=deleted, user=listener, kind="view")
    deleted.delete()
    other_listener.delete()
    assert interactions_flush() == 1
    assert list(EventInteraction.objects.values_list("event", "user")) == [(kept.pk, None)]


def test_many_interactions_flush_in_batches(listener):
    events = EventFactory.create_batch(5)
    for _ in range(1200):
        impressions_record(events=events, user=listener)
    assert interactions_flush() == 6000
    assert EventInteraction.objects.count() == 6000


def test_an_unknown_kind_is_refused(listener):
    with pytest.raises(ValueError):
        interaction_record(event=EventFactory(), user=listener, kind="like")
