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
    assert event.dedupe_key == "arctic monkeys|ziggo dome" and event.time_announced
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


def test_a_matinee_and_the_evening_show_are_two_events_each_listed_by_both_providers(ticketmaster, jambase):
    ticketmaster.add(tm_event(id="tm-matinee", name="Wet Leg (matinee)", performers=["Wet Leg"],
                              local="2030-03-10T14:00", venue="Paradiso"),
                     tm_event(id="tm-evening", name="Wet Leg", performers=["Wet Leg"], local="2030-03-10T20:00",
                              venue="Paradiso"))
    # JamBase lists the evening show by its doors, half an hour before, and the matinee on the hour.
    jambase.add(jb_event(id="1", name="Wet Leg at Paradiso", performers=["Wet Leg"], local="2030-03-10T19:30:00",
                         venue="Paradiso"),
                jb_event(id="2", name="Wet Leg at Paradiso", performers=["Wet Leg"], local="2030-03-10T14:00:00",
                         venue="Paradiso"))

    fetch("ticketmaster")
    fetch("jambase")

    shows = {event.external_id: event for event in Event.objects.all()}
    assert set(shows) == {"tm-matinee", "tm-evening"}
    assert shows["tm-matinee"].starts_at == datetime(2030, 3, 10, 13, 0, tzinfo=UTC)
    assert shows["tm-evening"].starts_at == datetime(2030, 3, 10, 19, 0, tzinfo=UTC)
    assert sorted(shows["tm-matinee"].listings.values_list("external_id", flat=True)) == ["2", "tm-matinee"]
    assert sorted(shows["tm-evening"].listings.values_list("external_id", flat=True)) == ["1", "tm-evening"]


def test_one_providers_two_listings_are_two_shows_however_close_their_starts(jambase):
    jambase.add(jb_event(id="1", name="Wet Leg", performers=["Wet Leg"], local="2030-03-10T20:00:00", price=None),
                jb_event(id="2", name="Wet Leg (late show)", performers=["Wet Leg"], local="2030-03-10T20:45:00"))

    fetch("jambase")
    fetch("jambase")

    assert sorted(Event.objects.values_list("title", "external_id")) == [("Wet Leg", "1"),
                                                                         ("Wet Leg (late show)", "2")]
    assert EventListing.objects.count() == 2


def test_another_providers_listing_over_an_hour_from_the_show_is_another_show(ticketmaster, jambase):
    ticketmaster.add(tm_event(id="tm1", name="Sets at Bimhuis", performers=["Kamasi Washington"],
                              local="2030-03-10T19:00", venue="Bimhuis"))
    jambase.add(jb_event(id="late", name="Kamasi Washington (second set)", performers=["Kamasi Washington"],
                         local="2030-03-10T21:00:00", venue="Bimhuis"),
                jb_event(id="early", name="Kamasi Washington (first set)", performers=["Kamasi Washington"],
                         local="2030-03-10T19:59:00", venue="Bimhuis"))

    fetch("ticketmaster")
    fetch("jambase")

    assert Event.objects.count() == 2
    assert sorted(Event.objects.get(external_id="tm1").listings.values_list("external_id", flat=True)) == [
        "early", "tm1"]
    assert Event.objects.get(external_id="late").listings.count() == 1


def test_a_listing_giving_only_the_day_joins_that_days_one_show_but_not_one_of_two(ticketmaster, jambase):
    ticketmaster.add(tm_event(id="tm-only", name="Big Thief", performers=["Big Thief"], local="2030-06-01T20:00",
                              venue="Tivoli"),
                     tm_event(id="tm-matinee", name="Big Thief matinee", performers=["Big Thief"],
                              local="2030-06-02T15:00", venue="Tivoli"),
                     tm_event(id="tm-evening", name="Big Thief evening", performers=["Big Thief"],
                              local="2030-06-02T20:30", venue="Tivoli"))
    jambase.add(jb_event(id="day1", name="Big Thief", performers=["Big Thief"], local="2030-06-01", venue="Tivoli"),
                jb_event(id="day2", name="Big Thief", performers=["Big Thief"], local="2030-06-02", venue="Tivoli"))

    fetch("ticketmaster")
    fetch("jambase")

    assert sorted(Event.objects.get(external_id="tm-only").listings.values_list("external_id", flat=True)) == [
        "day1", "tm-only"]
    # Which of the two shows on the 2nd JamBase means, its day cannot say: a show of its own, time to come.
    day2 = Event.objects.get(external_id="day2")
    assert not day2.time_announced and day2.listings.count() == 1
    assert Event.objects.count() == 4


def test_the_same_show_on_the_night_the_clocks_go_back_far_from_utc_is_one_event(ticketmaster, jambase):
    # New Zealand leaves summer time at 03:00 on Sunday 7 April 2030; a show at 02:30 is on the clock twice.
    ticketmaster.add(tm_event(id="tm1", name="Late set", performers=["Lorde"], local="2030-04-06T21:00",
                              time_zone="Pacific/Auckland", venue="Powerstation", city="Auckland", country="NZ"),
                     tm_event(id="tm2", name="After hours", performers=["Lorde"], local="2030-04-07T20:00",
                              time_zone="Pacific/Auckland", venue="Powerstation", city="Auckland", country="NZ"))
    jambase.add(jb_event(id="1", name="Lorde", performers=["Lorde"], local="2030-04-06T21:15:00",
                         time_zone="Pacific/Auckland", venue="Powerstation", city="Auckland", country="NZ"),
                jb_event(id="2", name="Lorde", performers=["Lorde"], local="2030-04-07T20:00:00+12:00",
                         time_zone="Pacific/Auckland", venue="Powerstation", city="Auckland", country="NZ"))

    fetch("ticketmaster")
    fetch("jambase")

    shows = {event.external_id: event for event in Event.objects.all()}
    assert set(shows) == {"tm1", "tm2"}
    assert shows["tm1"].starts_at == datetime(2030, 4, 6, 8, 0, tzinfo=UTC)  # 21:00 NZDT, UTC+13
    assert shows["tm2"].starts_at == datetime(2030, 4, 7, 8, 0, tzinfo=UTC)  # 20:00 NZST, UTC+12
    assert {listing.external_id for listing in shows["tm1"].listings.all()} == {"tm1", "1"}
    assert {listing.external_id for listing in shows["tm2"].listings.all()} == {"tm2", "2"}


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
    assert event.listings.count() == 2


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
