"""The data migrations of issue 11 on data stored the old way: shows merged by their day are split, dates leave
the dedupe keys, a day-only show is marked so, and placeholder genres go."""

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from events.ingest import events_fetch
from events.models import Event, EventListing, SavedEvent
from events.providers import EventQuery
from tests.fakes.ticketmaster import tm_event

BEFORE = [("events", "0006_venue_time_announced")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_a_matinee_merged_into_the_evening_show_by_its_day_becomes_its_own_show_again(ticketmaster, listener):
    old = migrate(BEFORE)
    OldEvent, OldListing = old.get_model("events", "Event"), old.get_model("events", "EventListing")
    stored = dict(title="Wet Leg", performer_names=["Wet Leg"], venue="Paradiso", city="Amsterdam", country="NL",
                  venue_time_zone="Europe/Amsterdam", moderation="approved")
    evening = OldEvent.objects.create(
        source="ticketmaster", external_id="tm-evening", dedupe_key="wet leg|paradiso|2030-03-10",
        starts_at=datetime(2030, 3, 10, 19, 0, tzinfo=UTC), genres=["indie", "Other", " undefined"], **stored)
    for source, external_id in [("ticketmaster", "tm-evening"), ("ticketmaster", "tm-matinee"), ("jambase", "77")]:
        OldListing.objects.create(event=evening, source=source, external_id=external_id, fetched_at=timezone.now())
    day_only = OldEvent.objects.create(
        source="jambase", external_id="88", dedupe_key="wet leg|paradiso|2030-03-11",
        starts_at=datetime(2030, 3, 10, 23, 0, tzinfo=UTC), genres=["rock"], **stored)  # midnight in Amsterdam
    SavedEvent.objects.create(user=listener, event_id=evening.pk)

    migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())

    evening_show = Event.objects.get(pk=evening.pk)
    matinee_show = Event.objects.get(external_id="tm-matinee")
    assert sorted(evening_show.listings.values_list("external_id", flat=True)) == ["77", "tm-evening"]
    assert list(matinee_show.listings.values_list("external_id", flat=True)) == ["tm-matinee"]
    assert evening_show.dedupe_key == matinee_show.dedupe_key == "wet leg|paradiso"
    assert evening_show.genres == ["indie"] and evening_show.time_announced
    assert not Event.objects.get(pk=day_only.pk).time_announced
    assert list(SavedEvent.objects.values_list("event_id", flat=True)) == [evening.pk]

    # Its listing, looked up again, gives the split show its own start.
    ticketmaster.add(tm_event(id="tm-matinee", name="Wet Leg (matinee)", performers=["Wet Leg"],
                              local="2030-03-10T14:00", venue="Paradiso"),
                     tm_event(id="tm-evening", name="Wet Leg", performers=["Wet Leg"], local="2030-03-10T20:00",
                              venue="Paradiso"))
    events_fetch(source="ticketmaster", query=EventQuery())
    matinee_show.refresh_from_db()
    assert matinee_show.starts_at == datetime(2030, 3, 10, 13, 0, tzinfo=UTC)
    assert matinee_show.title == "Wet Leg (matinee)" and Event.objects.count() == 3
    assert EventListing.objects.filter(source="ticketmaster").count() == 2
