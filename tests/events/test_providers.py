"""The concert providers (events/providers/) against the recorded answers and the fakes: what each field
becomes, paging within each provider's limits, 429 and 5xx, the daily quota and the 404 error body."""

from datetime import UTC, date, datetime, timedelta

import pytest

from events.providers import EventQuery, Lookup, ProviderNotConfigured, event_lookup, events_page
from events.providers import jambase as jambase_api
from events.providers import ticketmaster as ticketmaster_api
from rewrapped.models import ApiCallLog
from rewrapped.outbound import RateLimited, ServiceUnavailable
from tests.fakes import fixture_json
from tests.fakes.jambase import PAGE_FIXTURE, jb_event
from tests.fakes.ticketmaster import LIST_FIXTURE, NOT_FOUND_FIXTURE, TEMPLATE_FIXTURE, tm_event

pytestmark = pytest.mark.django_db

DETAIL_FIXTURE = "events_api/tm_sdkjs__discovery_v2_event_find-200.body.json"
OPTIONS_FIXTURE = "events_api/tm_sdkjs__discovery_v2_event_all-200-options.body.json"


@pytest.fixture(autouse=True)
def quick_retries(settings):
    settings.OUTBOUND_BACKOFF_SECONDS = 0


# --- Ticketmaster: the recorded answers ------------------------------------------------------------------
def test_a_ticketmaster_event_becomes_a_show_in_utc_with_its_venues_zone_prices_in_cents_and_performers():
    event = ticketmaster_api.parse_page(fixture_json(TEMPLATE_FIXTURE)).events[0]

    assert event.source == "ticketmaster" and event.external_id == "G5vYZfNi53_zo"
    assert event.title == "Lady Gaga Joanne World Tour"
    assert event.starts_at == datetime(2017, 8, 14, 2, 0, tzinfo=UTC)
    assert event.venue_time_zone == "America/Los_Angeles" and event.local_date == date(2017, 8, 13)
    assert (event.venue, event.city, event.country) == ("AT & T Park", "San Francisco", "US")
    assert event.address == "24 Willie Mays Plaza"
    assert event.latitude == pytest.approx(37.77840589) and event.longitude == pytest.approx(-122.38944009)
    assert event.performer_names == ["Lady Gaga"]
    assert (event.price_min_cents, event.price_max_cents, event.currency) == (5050, 25100, "USD")
    assert event.genres == ("pop",)
    assert event.status == "scheduled"
    assert event.ticket_url == "http://ticketmaster.com/event/1C00523B0B499E11"
    assert event.image_url.endswith("TABLET_LANDSCAPE_LARGE_16_9.jpg")  # the widest 16:9 picture


def test_a_ticketmaster_picture_named_over_http_is_kept_over_https_which_pages_may_show():
    # The recorded event_all answer names its pictures over http, as many Ticketmaster listings do.
    event = ticketmaster_api.parse_page(fixture_json(OPTIONS_FIXTURE)).events[0]

    assert event.image_url == "https://s1.ticketm.net/dbimages/252338a.jpg"


def test_a_listing_with_a_date_that_is_not_a_date_is_skipped_and_the_rest_of_its_page_kept():
    tm_body = fixture_json(LIST_FIXTURE)
    placed = next(event for event in tm_body["_embedded"]["events"] if event["id"] == "Z1lMVSyiJynZ177_Cp")
    placed["dates"]["start"].update(localDate="next friday", dateTime="soon")
    jb_body = fixture_json(PAGE_FIXTURE)
    jb_body["events"][0]["startDate"] = "2026-13-45T25:00"

    tm_page, jb_page = ticketmaster_api.parse_page(tm_body, size=20), jambase_api.parse_page(jb_body)

    assert (len(tm_page.events), tm_page.skipped) == (14, 6)
    assert (len(jb_page.events), jb_page.skipped) == (39, 1)


def test_every_event_of_the_recorded_search_is_placed_or_skipped_for_lack_of_a_venue():
    page = ticketmaster_api.parse_page(fixture_json(LIST_FIXTURE), size=20)

    # Five recorded listings (a membership, island tours) have no venue: nowhere to show them.
    assert (len(page.events), page.skipped) == (15, 5)
    assert (page.page, page.next_page, page.total) == (0, 1, 75568)
    by_id = {event.external_id: event for event in page.events}
    # Time to be announced: the venue's day is kept, at local midnight.
    cruise = by_id["1Ae7ZfdGkSp307Y"]
    assert cruise.local_date == date(2016, 5, 20) and cruise.starts_at == datetime(2016, 5, 20, 5, 0, tzinfo=UTC)
    assert not cruise.time_announced and by_id["vvG1FZf1Xg_Sex"].time_announced
    # The venue has no zone of its own; the event's dates carry it. Its dateTime is the local clock read as
    # UTC ("01:00:00" and "01:00:00Z"): the venue's clock wins, 01:00 in Chicago's winter being 07:00 UTC.
    assert by_id["Z1lMVSyiJynZ177_Cp"].venue_time_zone == "America/Chicago"
    assert by_id["Z1lMVSyiJynZ177_Cp"].starts_at == datetime(2016, 1, 25, 7, 0, tzinfo=UTC)
    # "Undefined" is Ticketmaster's word for no genre.
    assert all("undefined" not in event.genres for event in page.events)
    assert by_id["vvG1FZf1Xg_Sex"].genres == ("rock", "pop")
    assert by_id["vv17FZfdGkSrrMju"].venue == "The  Pavilion at Montage Mountain"
    assert by_id["vvG1FZf1Xg_Sex"].performer_names == ["SayWeCanFly", "7 Minutes In Heaven"]
    assert all(event.country in {"US", "MX", "CA"} for event in page.events)


def test_the_recorded_options_page_knows_it_is_page_two_of_many():
    page = ticketmaster_api.parse_page(fixture_json(OPTIONS_FIXTURE), size=5)

    assert page.page == 2 and page.next_page == 3
    assert {event.country for event in page.events} == {"MX"}
    assert {(event.price_min_cents, event.currency) for event in page.events} == {(13600, "MXN")}


def test_the_recorded_event_lookup_and_its_404_error_body(ticketmaster):
    recorded = fixture_json(DETAIL_FIXTURE)
    ticketmaster.add(recorded)

    found = event_lookup("ticketmaster", recorded["id"])
    assert found.listed and found.event.title == "Susquehanna Breakdown RV Pass" and found.event.city == "Scranton"
    assert (found.event.price_min_cents, found.event.price_max_cents) == (12500, 15000)

    assert event_lookup("ticketmaster", "unknown") == Lookup(listed=False)
    assert ticketmaster.find("unknown")[1]["errors"][0]["code"] == fixture_json(NOT_FOUND_FIXTURE)["errors"][0]["code"]
    assert ApiCallLog.objects.filter(service="ticketmaster", status=404).count() == 1


def test_a_listing_that_lost_its_venue_is_still_listed_but_cannot_be_placed(ticketmaster):
    recorded = fixture_json(DETAIL_FIXTURE)
    del recorded["_embedded"]["venues"]
    ticketmaster.add(recorded)

    assert event_lookup("ticketmaster", recorded["id"]) == Lookup(listed=True, event=None)


# --- Ticketmaster: searching the fake ----------------------------------------------------------------------
def shows(count, *, country="NL", performer="Arctic Monkeys", start_day=1):
    return [
        tm_event(id=f"tm{country}{index}", name=f"{performer} live {index}", performers=[performer],
                 local=f"{date(2030, 1, 1) + timedelta(days=index)}T20:00", country=country)
        for index in range(start_day - 1, start_day - 1 + count)
    ]


def test_a_search_sends_the_filters_and_the_key_and_pages_until_the_last_page(ticketmaster):
    ticketmaster.add(*shows(130), *shows(5, country="DE"))
    query = EventQuery(country="NL", starts_from=date(2030, 1, 1), starts_until=date(2030, 12, 31))

    first = events_page("ticketmaster", query)
    second = events_page("ticketmaster", query, first.next_page)

    assert (len(first.events), first.next_page, first.total) == (100, 1, 130)
    assert (len(second.events), second.next_page) == (30, None)
    assert {event.country for event in first.events + second.events} == {"NL"}
    sent = ticketmaster.searches()[0]
    assert sent["countryCode"] == "NL" and sent["classificationName"] == "music"
    assert sent["startDateTime"] == "2030-01-01T00:00:00Z" and sent["endDateTime"] == "2030-12-31T23:59:59Z"
    assert sent["apikey"] == ticketmaster.api_key and sent["size"] == "100"


def test_paging_stops_before_ticketmasters_deep_paging_limit(ticketmaster):
    ticketmaster.add(*shows(1200))

    page = events_page("ticketmaster", EventQuery(country="NL"), 9)
    beyond = events_page("ticketmaster", EventQuery(country="NL"), 10)

    assert len(page.events) == 100 and page.next_page is None  # 10 × 100 would be refused
    assert beyond.events == [] and len(ticketmaster.searches()) == 1  # never asked


def test_a_keyword_finds_an_artists_shows_only(ticketmaster):
    ticketmaster.add(*shows(3), *shows(2, performer="Fontaines D.C.", start_day=10))

    page = events_page("ticketmaster", EventQuery(keyword="fontaines d.c."))

    assert [event.performer_names for event in page.events] == [["Fontaines D.C."]] * 2


def test_a_cancelled_or_postponed_listing_says_so(ticketmaster):
    ticketmaster.add(*shows(3))
    ticketmaster.change("tmNL0", status="cancelled")
    ticketmaster.change("tmNL1", status="postponed")

    statuses = [event.status for event in events_page("ticketmaster", EventQuery()).events]

    assert statuses == ["cancelled", "postponed", "scheduled"]


def test_a_spotify_link_on_an_attraction_is_kept_for_matching(ticketmaster):
    ticketmaster.add(tm_event(id="x", name="Show", performers=["Boygenius"], local="2030-05-01T20:00",
                              spotify_ids={"Boygenius": "1hLiboQ98IQWhpKeP9vRFw"}))

    [event] = events_page("ticketmaster", EventQuery()).events

    assert event.performers[0].spotify_id == "1hLiboQ98IQWhpKeP9vRFw"


def test_a_short_429_is_waited_out_and_the_search_succeeds(ticketmaster):
    ticketmaster.add(*shows(2))
    ticketmaster.fail(429, retry_after=0)

    page = events_page("ticketmaster", EventQuery())

    assert len(page.events) == 2
    assert list(ApiCallLog.objects.filter(service="ticketmaster").values_list("status", flat=True)
                .order_by("pk")) == [429, 200]


def test_a_long_429_raises_rate_limited_with_the_wait(ticketmaster):
    ticketmaster.fail(429, retry_after=600)

    with pytest.raises(RateLimited) as limited:
        events_page("ticketmaster", EventQuery())

    assert limited.value.retry_after_seconds == 600


def test_5xx_is_retried_then_reported_as_unavailable(ticketmaster, settings):
    ticketmaster.add(*shows(1))
    ticketmaster.fail(503, times=2)
    assert len(events_page("ticketmaster", EventQuery()).events) == 1

    ticketmaster.fail(500, times=settings.OUTBOUND_RETRIES + 1)
    with pytest.raises(ServiceUnavailable):
        events_page("ticketmaster", EventQuery())


def test_the_daily_quota_is_counted_across_calls_and_stops_us_until_tomorrow(ticketmaster, settings):
    settings.TICKETMASTER_DAILY_LIMIT = 2
    ticketmaster.add(*shows(1))

    events_page("ticketmaster", EventQuery())
    assert ticketmaster_api.calls_left_today() == 1
    events_page("ticketmaster", EventQuery())
    with pytest.raises(RateLimited) as limited:
        events_page("ticketmaster", EventQuery())

    assert not limited.value.by_service and 0 < limited.value.retry_after_seconds <= 24 * 3600
    assert len(ticketmaster.searches()) == 2


def test_without_a_key_the_provider_is_skipped(settings):
    settings.TICKETMASTER_API_KEY = ""
    with pytest.raises(ProviderNotConfigured):
        events_page("ticketmaster", EventQuery())


# --- JamBase -------------------------------------------------------------------------------------------------
def test_every_concert_of_the_recorded_jambase_page_is_parsed_with_its_venues_zone():
    page = jambase_api.parse_page(fixture_json(PAGE_FIXTURE))

    assert (len(page.events), page.skipped, page.page, page.next_page, page.total) == (40, 0, 1, 2, 1596)
    cepeda = page.events[0]
    assert cepeda.external_id == "11138525" and cepeda.title == "Andrés Cepeda at Shubert Theatre"
    # 20:00 in Boston in May is 00:00 UTC the next day.
    assert cepeda.starts_at == datetime(2024, 5, 4, 0, 0, tzinfo=UTC) and cepeda.local_date == date(2024, 5, 3)
    assert (cepeda.venue, cepeda.city, cepeda.country, cepeda.venue_time_zone) == (
        "Shubert Theatre", "Boston", "US", "America/New_York")
    assert (cepeda.price_min_cents, cepeda.price_max_cents, cepeda.currency) == (6500, 9500, "USD")
    assert cepeda.genres == ("latin", "pop") and cepeda.latitude == pytest.approx(42.3504)
    assert cepeda.ticket_url.startswith("https://ticketmaster.evyy.net/")
    by_id = {event.external_id: event for event in page.events}
    assert by_id["11622648"].performer_names[:2] == ["The Ghost Inside", "Paleface Swiss"]
    # Only one price, no range: a range of one.
    assert (by_id["11409561"].price_min_cents, by_id["11409561"].price_max_cents) == (4759, 4759)
    assert by_id["11875145"].price_min_cents is None and by_id["11875145"].currency == ""
    # A day without a time: the venue's midnight, the time still to be announced.
    assert by_id["12003178"].starts_at == datetime(2024, 5, 3, 4, 0, tzinfo=UTC)
    assert not by_id["12003178"].time_announced and cepeda.time_announced


def test_a_jambase_start_with_an_offset_is_that_instant_and_placeholder_genres_are_dropped():
    raw = fixture_json(PAGE_FIXTURE)["events"][0]
    raw["startDate"] = "2024-11-03T01:30:00-05:00"  # the second 01:30 of the night New York's clocks go back
    raw["performer"][0]["genre"] = ["Other", "latin", "undefined", "Latin"]

    event = jambase_api.parse_event(raw)

    assert event.starts_at == datetime(2024, 11, 3, 6, 30, tzinfo=UTC) and event.time_announced
    assert event.venue_time_zone == "America/New_York" and event.genres == ("latin",)


def test_a_venue_without_a_zone_takes_its_countrys_only_zone():
    raw = fixture_json(PAGE_FIXTURE)["events"][0]
    del raw["location"]["address"]["x-timezone"]
    raw["location"]["address"]["addressCountry"]["identifier"] = "IN"
    raw["startDate"] = "2030-01-12T19:30:00"

    event = jambase_api.parse_event(raw)

    assert event.venue_time_zone == "Asia/Kolkata"
    assert event.starts_at == datetime(2030, 1, 12, 14, 0, tzinfo=UTC)  # UTC+05:30


def test_a_jambase_search_sends_a_bearer_key_and_its_filters_and_pages_through(jambase):
    jambase.add(*[jb_event(id=str(n), name=f"Show {n}", performers=["Wet Leg"], local=f"2030-03-{1 + n % 28:02d}T20:00")
                  for n in range(150)])
    jambase.add(jb_event(id="de", name="Elsewhere", performers=["Wet Leg"], local="2030-03-05T20:00", country="DE"))
    query = EventQuery(keyword="Wet Leg", country="NL", starts_from=date(2030, 1, 1), starts_until=date(2030, 6, 30))

    first = events_page("jambase", query)
    second = events_page("jambase", query, first.next_page)

    assert (len(first.events), first.next_page, first.total) == (100, 2, 150)
    assert (len(second.events), second.next_page) == (50, None)
    assert {event.country for event in first.events + second.events} == {"NL"}
    sent = jambase.searches()[0]
    assert sent == {"page": "1", "perPage": "100", "artistName": "Wet Leg", "geoCountryIso2": "NL",
                    "eventDateFrom": "2030-01-01", "eventDateTo": "2030-06-30"}


def test_a_jambase_search_narrows_by_city_and_by_jambases_genre_slug(jambase):
    jambase.add(jb_event(id="1", name="Rock in Utrecht", performers=["A"], local="2030-03-01T20:00", city="Utrecht"),
                jb_event(id="2", name="Rap in Utrecht", performers=["B"], local="2030-03-02T20:00", city="Utrecht",
                         genres=("hip-hop-rap",)),
                jb_event(id="3", name="Rap in Amsterdam", performers=["C"], local="2030-03-03T20:00",
                         genres=("hip-hop-rap",)))

    page = events_page("jambase", EventQuery(city="Utrecht", genre="Hip-Hop/Rap"))
    unknown_genre = events_page("jambase", EventQuery(city="utrecht", genre="vaporwave"))

    assert [event.title for event in page.events] == ["Rap in Utrecht"]
    assert jambase.searches()[0]["geoCityName"] == "Utrecht" and jambase.searches()[0]["genreSlug"] == "hip-hop-rap"
    # A genre JamBase has no slug for does not narrow its search.
    assert [event.title for event in unknown_genre.events] == ["Rock in Utrecht", "Rap in Utrecht"]
    assert "genreSlug" not in jambase.searches()[1]


@pytest.mark.parametrize(("ours", "slug"), [
    ("rock", "rock"), ("Country", "country-music"), ("hip-hop/rap", "hip-hop-rap"), ("R&B", "rhythm-and-blues-soul"),
    ("jam band", "jamband"), ("dance/electronic", "edm"), ("vaporwave", None), ("", None),
])
def test_our_genre_names_as_jambase_slugs(ours, slug):
    assert jambase_api.genre_slug(ours) == slug


def test_a_recorded_jambase_concert_is_looked_up_by_id_and_an_unknown_one_is_not_listed(jambase):
    recorded = fixture_json(PAGE_FIXTURE)["events"][0]
    jambase.add(recorded)
    listing_id = recorded["identifier"].removeprefix("jambase:")

    found = event_lookup("jambase", listing_id)

    assert found.listed and found.event == jambase_api.parse_event(recorded)
    assert event_lookup("jambase", "999999999") == Lookup(listed=False)
    assert jambase.lookups() == [listing_id, "999999999"]
    status, body = jambase.find("jambase", "999999999")
    assert status == 404 and body["errors"][0]["errorCode"] == "no_lookup_results"


def test_a_jambase_429_and_5xx_are_handled_like_ticketmasters(jambase):
    jambase.add(jb_event(id="1", name="Show", performers=["Wet Leg"], local="2030-03-01T20:00", status="postponed"))
    jambase.fail(503)
    [event] = events_page("jambase", EventQuery()).events
    assert event.status == "postponed"

    jambase.fail(429, retry_after=900)
    with pytest.raises(RateLimited):
        events_page("jambase", EventQuery())
    assert list(ApiCallLog.objects.filter(service="jambase").values_list("status", flat=True).order_by("pk")) == [
        503, 200, 429]


def test_a_wrong_jambase_key_is_an_error_page_not_a_crash(jambase, settings):
    settings.JAMBASE_API_KEY = "wrong"

    page = events_page("jambase", EventQuery())

    assert page.events == [] and page.next_page is None and page.errors == ["Invalid API key"]


def test_ticketmasters_error_bodies_become_readable_errors(ticketmaster, settings):
    settings.TICKETMASTER_API_KEY = "wrong"
    refused = events_page("ticketmaster", EventQuery())
    assert refused.events == [] and refused.errors == ["Invalid ApiKey"]

    settings.TICKETMASTER_API_KEY = ticketmaster.api_key
    too_deep = ticketmaster_api.events_page(EventQuery(), 5, size=200)  # 5 × 200 = 1000: refused, so not sent
    assert too_deep.events == [] and ticketmaster.searches()[-1]["apikey"] == "wrong"
    status, body = ticketmaster.search({"size": "200", "page": "5"})
    assert status == 400 and ticketmaster_api.error_messages(body)[0].startswith("DIS1035: API Limits Exceeded")
