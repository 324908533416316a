"""Storing provider listings (events/ingest.py), fetched from the fake Ticketmaster and JamBase: one Event per
show however many providers list it, performers linked to our artists, changes of date and status kept."""

from dataclasses import replace
from datetime import UTC, datetime

import pytest
from django.db import DataError

from events.ingest import events_fetch, events_ingest
from events.models import Event, EventListing
from events.providers import EventQuery
from events.providers import jambase as jambase_api
from listening.models import Artist
from listening.names import name_key
from tests.fakes import fixture_json
from tests.fakes.jambase import PAGE_FIXTURE, jb_event
from tests.fakes.ticketmaster import tm_event

pytestmark = pytest.mark.django_db


def fetch(source):
    return events_fetch(source=source, query=EventQuery())


def artist(name, spotify_id=None):
    return Artist.objects.create(name=name, name_key=name_key(name), spotify_id=spotify_id)


def test_a_fetched_show_is_stored_as_an_event_with_its_listing(ticketmaster):
    ticketmaster.add(tm_event(id="tm1", name="Arctic Monkeys – The Car Tour", performers=["Arctic Monkeys"],
                              local="2030-06-14T20:30", price=(59.5, 119.0)))

    outcome = fetch("ticketmaster")

    assert (outcome.pages, outcome.stored) == (1, 1)
    event = Event.objects.get()
    assert (event.source, event.external_id, event.title) == ("ticketmaster", "tm1", "Arctic Monkeys – The Car Tour")
    assert event.starts_at == datetime(2030, 6, 14, 18, 30, tzinfo=UTC)  # 20:30 in Amsterdam, summer time
    assert (event.venue, event.city, event.country.code, event.venue_time_zone) == (
        "Ziggo Dome", "Amsterdam", "NL", "Europe/Amsterdam")
    assert (event.price_min_cents, event.price_max_cents, event.currency) == (5950, 11900, "EUR")
    assert event.performer_names == ["Arctic Monkeys"] and event.genres == ["rock"]
    assert event.status == "scheduled" and event.moderation == "approved"
    assert event.dedupe_key == "arctic monkeys|ziggo dome|2030-06-14"
    listing = EventListing.objects.get()
    assert (listing.event, listing.source, listing.external_id) == (event, "ticketmaster", "tm1")


def test_fetching_the_same_listings_again_adds_nothing(ticketmaster):
    ticketmaster.add(*[tm_event(id=f"tm{n}", name=f"Show {n}", performers=[f"Band {n}"],
                                local=f"2030-06-{n + 1:02d}T20:00") for n in range(5)])

    fetch("ticketmaster")
    again = fetch("ticketmaster")

    assert again.stored == 5
    assert Event.objects.count() == 5 and EventListing.objects.count() == 5


def test_the_same_show_from_ticketmaster_and_jambase_is_one_event_with_two_listings(ticketmaster, jambase):
    ticketmaster.add(tm_event(id="tm1", name="Fontaines D.C.", performers=["Fontaines D.C."],
                              local="2030-03-10T20:00", venue="Paradiso", price=None))
    # JamBase writes the names its own way and lists the doors a little later.
    jambase.add(jb_event(id="77", name="Fontaines D.C. at Paradiso", performers=["FONTAINES  D.C."],
                         local="2030-03-10T20:30:00", venue="paradiso", price=("35.00", "35.00")))

    fetch("ticketmaster")
    fetch("jambase")

    event = Event.objects.get()
    assert sorted(event.listings.values_list("source", "external_id")) == [("jambase", "77"), ("ticketmaster", "tm1")]
    # Ticketmaster told us first: its start stands; JamBase fills in the price Ticketmaster did not give.
    assert event.source == "ticketmaster" and event.starts_at == datetime(2030, 3, 10, 19, 0, tzinfo=UTC)
    assert (event.price_min_cents, event.price_max_cents, event.currency) == (3500, 3500, "EUR")


def test_one_provider_listing_a_show_twice_on_one_page_gives_one_event(jambase):
    jambase.add(jb_event(id="1", name="Wet Leg", performers=["Wet Leg"], local="2030-03-10T20:00", price=None),
                jb_event(id="2", name="Wet Leg (late show)", performers=["Wet Leg"], local="2030-03-10T23:00"))

    fetch("jambase")

    event = Event.objects.get()
    assert event.title == "Wet Leg" and event.listings.count() == 2


def test_the_same_performer_at_two_venues_or_on_two_days_is_two_shows(jambase):
    jambase.add(
        jb_event(id="1", name="A", performers=["Wet Leg"], local="2030-03-10T20:00", venue="Paradiso"),
        jb_event(id="2", name="B", performers=["Wet Leg"], local="2030-03-11T20:00", venue="Paradiso"),
        jb_event(id="3", name="C", performers=["Wet Leg"], local="2030-03-10T20:00", venue="Melkweg"),
    )

    fetch("jambase")

    assert Event.objects.count() == 3


def test_performers_are_linked_to_our_artists_by_spotify_id_or_by_name(ticketmaster):
    renamed = artist("boygenius", spotify_id="1hLiboQ98IQWhpKeP9vRFw")
    by_name = artist("Phoebe Bridgers")
    artist("Someone Else")
    ticketmaster.add(tm_event(id="tm1", name="Festival", performers=["Boygenius (band)", "phoebe  bridgers", "Unknown"],
                              local="2030-07-01T18:00", spotify_ids={"Boygenius (band)": "1hLiboQ98IQWhpKeP9vRFw"}))

    fetch("ticketmaster")

    event = Event.objects.get()
    assert set(event.performers.all()) == {renamed, by_name}
    assert event.performer_names == ["Boygenius (band)", "phoebe  bridgers", "Unknown"]


def test_a_cancelled_or_postponed_show_is_updated_in_place(ticketmaster):
    ticketmaster.add(tm_event(id="a", name="A", performers=["A"], local="2030-06-01T20:00"),
                     tm_event(id="b", name="B", performers=["B"], local="2030-06-02T20:00"))
    fetch("ticketmaster")

    ticketmaster.change("a", status="cancelled")
    ticketmaster.change("b", status="postponed")
    fetch("ticketmaster")

    assert dict(Event.objects.values_list("external_id", "status")) == {"a": "cancelled", "b": "postponed"}
    assert dict(EventListing.objects.values_list("external_id", "status")) == {"a": "cancelled", "b": "postponed"}


def test_a_new_date_moves_the_show_and_a_second_provider_still_finds_it(ticketmaster, jambase):
    ticketmaster.add(tm_event(id="a", name="A", performers=["Big Thief"], local="2030-06-01T20:00", venue="Tivoli"))
    fetch("ticketmaster")

    ticketmaster.change("a", local="2030-09-12T21:00", status="rescheduled")
    fetch("ticketmaster")
    jambase.add(jb_event(id="9", name="Big Thief at Tivoli", performers=["Big Thief"], local="2030-09-12T21:00:00",
                         venue="Tivoli"))
    fetch("jambase")

    event = Event.objects.get()
    assert event.starts_at == datetime(2030, 9, 12, 19, 0, tzinfo=UTC) and event.status == "scheduled"
    assert event.dedupe_key.endswith("2030-09-12") and event.listings.count() == 2


def test_the_recorded_jambase_page_is_stored_show_by_show():
    listings = jambase_api.parse_page(fixture_json(PAGE_FIXTURE)).events

    result = events_ingest(events=listings)

    assert len(result.created) == 40 and Event.objects.filter(country="US").count() == 40
    assert Event.objects.filter(performer_names__0="Sarah Jarosz").count() == 2  # Cambridge and Turners Falls


def test_a_page_is_stored_whole_or_not_at_all(jambase):
    good, second = jambase_api.parse_page(fixture_json(PAGE_FIXTURE)).events[:2]
    # Its listing row, written after the events, cannot be stored.
    broken = replace(second, url="https://www.jambase.com/show/" + "x" * 1000)

    with pytest.raises(DataError):
        events_ingest(events=[good, broken])

    assert not Event.objects.exists() and not EventListing.objects.exists()
