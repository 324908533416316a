"""Fetching concerts (events/tasks.py, events/ingest.py): what beat asks for, paging through a query, and
what a 429, the daily quota and an outage do to a fetch — it waits and resumes, it is never dropped."""

from datetime import UTC, date, datetime, timedelta

import pytest

from events.ingest import FETCH_MAX_ATTEMPTS, FETCH_RETRY_BASE_SECONDS, events_fetch, events_fetch_plan
from events.models import Event
from events.providers import EventQuery
from listening.services import period_totals_rebuild
from rewrapped import outbound
from rewrapped.models import ApiCallLog
from tests.conftest import wait_until
from tests.factories import UserFactory, plays_add_for
from tests.fakes.jambase import jb_event
from tests.fakes.ticketmaster import tm_event

QUERY = EventQuery(country="NL")


@pytest.fixture(autouse=True)
def quick_retries(settings):
    settings.OUTBOUND_BACKOFF_SECONDS = 0


def shows(count, country="NL"):
    return [tm_event(id=f"tm{country}{n}", name=f"Show {n}", performers=[f"Band {n}"], country=country,
                     local=f"{date(2030, 1, 1) + timedelta(days=n)}T20:00") for n in range(count)]


@pytest.mark.django_db
def test_a_fetch_pages_through_every_result_and_stores_each_page(ticketmaster):
    ticketmaster.add(*shows(250), *shows(3, country="BE"))

    outcome = events_fetch(source="ticketmaster", query=QUERY)

    assert (outcome.pages, outcome.stored, outcome.retry_in_seconds) == (3, 250, None)
    assert Event.objects.filter(country="NL").count() == 250 and not Event.objects.filter(country="BE").exists()
    assert [query["page"] for query in ticketmaster.searches()] == ["0", "1", "2"]


@pytest.mark.django_db
def test_a_fetch_stops_at_its_page_budget(ticketmaster, settings):
    settings.EVENT_FETCH_MAX_PAGES = 2
    ticketmaster.add(*shows(250))

    outcome = events_fetch(source="ticketmaster", query=QUERY)

    assert (outcome.pages, outcome.stored) == (2, 200)


@pytest.mark.django_db
def test_a_long_429_keeps_the_pages_stored_and_resumes_from_the_page_reached(ticketmaster, monkeypatch):
    ticketmaster.add(*shows(250))
    ticketmaster.fail(429, retry_after=600, after=1)

    deferred = events_fetch(source="ticketmaster", query=QUERY)

    assert (deferred.pages, deferred.stored, deferred.resume_page, deferred.retry_in_seconds) == (1, 100, 1, 600)
    assert Event.objects.count() == 100
    # Every worker respects the pause: asking again early sends nothing.
    early = events_fetch(source="ticketmaster", query=QUERY, page=deferred.resume_page)
    assert early.pages == 0 and 0 < early.retry_in_seconds <= 600 and len(ticketmaster.searches()) == 2

    later = datetime.now(UTC) + timedelta(seconds=601)
    monkeypatch.setattr(outbound, "clock", lambda: later.timestamp())
    resumed = events_fetch(source="ticketmaster", query=QUERY, page=deferred.resume_page)

    assert (resumed.pages, resumed.stored, resumed.retry_in_seconds) == (2, 150, None)
    assert Event.objects.count() == 250
    assert ApiCallLog.objects.filter(service="ticketmaster", status=429).count() == 1


@pytest.mark.django_db
def test_an_outage_backs_off_longer_each_time_then_leaves_the_query_for_the_next_beat(ticketmaster, settings):
    settings.OUTBOUND_RETRIES = 0
    ticketmaster.add(*shows(3))
    ticketmaster.fail(503, times=FETCH_MAX_ATTEMPTS)

    waits, attempt = [], 0
    while (outcome := events_fetch(source="ticketmaster", query=QUERY, attempt=attempt)).retry_in_seconds:
        waits.append(outcome.retry_in_seconds)
        attempt = outcome.attempt

    assert waits == [FETCH_RETRY_BASE_SECONDS * 2 ** n for n in range(FETCH_MAX_ATTEMPTS - 1)]
    assert outcome.reason.startswith("gave up") and not Event.objects.exists()
    assert events_fetch(source="ticketmaster", query=QUERY).stored == 3  # the provider is back


@pytest.mark.django_db
def test_the_daily_quota_defers_the_rest_of_a_query_until_tomorrow(ticketmaster, settings):
    settings.TICKETMASTER_DAILY_LIMIT = 1
    ticketmaster.add(*shows(250))

    outcome = events_fetch(source="ticketmaster", query=QUERY)

    assert (outcome.stored, outcome.resume_page) == (100, 1)
    assert 0 < outcome.retry_in_seconds <= 24 * 3600 and len(ticketmaster.searches()) == 1


@pytest.mark.django_db
def test_a_jambase_429_defers_from_the_page_reached(jambase):
    jambase.add(*[jb_event(id=str(n), name=f"Show {n}", performers=["Wet Leg"], local="2030-03-01T20:00")
                  for n in range(150)])
    jambase.fail(429, retry_after=120, after=1)

    limited = events_fetch(source="jambase", query=QUERY)

    assert (limited.stored, limited.resume_page, limited.retry_in_seconds) == (100, 2, 120)


@pytest.mark.django_db
def test_a_jambase_outage_backs_off(jambase, settings):
    settings.OUTBOUND_RETRIES = 0
    jambase.fail(502)

    failing = events_fetch(source="jambase", query=QUERY)

    assert (failing.resume_page, failing.retry_in_seconds, failing.attempt) == (None, FETCH_RETRY_BASE_SECONDS, 1)


# --- what beat asks for --------------------------------------------------------------------------------------
def listener_playing(country, *artists):
    user = UserFactory(country=country)
    start = datetime.now(UTC) - timedelta(days=30)
    plays_add_for(user, *[(artist, f"Song {n}", start + timedelta(hours=10 * index + n), 4)
                          for index, artist in enumerate(artists) for n in range(5 - index)])
    period_totals_rebuild(user=user)
    return user


@pytest.mark.django_db
def test_beat_asks_each_provider_for_our_listeners_countries_then_their_most_played_artists(settings):
    listener_playing("NL", "Arctic Monkeys", "Wet Leg")
    listener_playing("NL", "Arctic Monkeys")
    listener_playing("DE", "Kraftwerk")
    UserFactory(country="")

    plan = events_fetch_plan(today=date(2030, 1, 1))

    asked = [(fetch.source, fetch.query.country or fetch.query.keyword) for fetch in plan]
    expected = ["NL", "DE", "Arctic Monkeys", "Kraftwerk", "Wet Leg"]
    assert asked == [("ticketmaster", what) for what in expected] + [("jambase", what) for what in expected]
    assert {(fetch.query.starts_from, fetch.query.starts_until) for fetch in plan} == {
        (date(2030, 1, 1), date(2030, 1, 1) + timedelta(days=settings.EVENT_FETCH_DAYS_AHEAD))}


@pytest.mark.django_db
def test_beat_asks_ticketmaster_only_what_its_daily_quota_still_allows(settings):
    # Twelve calls a run: two kept for lookups by id, ten for searches of up to five pages: two queries.
    settings.TICKETMASTER_DAILY_LIMIT = 48
    for country in ("NL", "DE", "BE", "FR"):
        UserFactory(country=country)

    plan = events_fetch_plan()

    assert [fetch.query.country for fetch in plan if fetch.source == "ticketmaster"] == ["BE", "DE"]
    assert len([fetch for fetch in plan if fetch.source == "jambase"]) == 4


def test_beat_fetches_events_every_six_hours(settings):
    from rewrapped.celery import app

    entry = settings.CELERY_BEAT_SCHEDULE["fetch-events"]
    assert entry["task"] == "events.tasks.events_fetch_dispatch" and entry["schedule"] == timedelta(hours=6)
    assert {"events.tasks.events_fetch_dispatch", "events.tasks.events_fetch"} <= set(app.tasks)


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_fetches_what_beat_dispatches_from_both_providers(ticketmaster, jambase, celery_worker):
    from events.tasks import events_fetch_dispatch

    UserFactory(country="NL")
    ticketmaster.add(tm_event(id="tm1", name="Fontaines D.C.", performers=["Fontaines D.C."],
                              local=f"{date.today() + timedelta(days=30)}T20:00", venue="Paradiso"))
    jambase.add(jb_event(id="jb1", name="Fontaines D.C. at Paradiso", performers=["Fontaines D.C."],
                         local=f"{date.today() + timedelta(days=30)}T20:00:00", venue="Paradiso"))

    events_fetch_dispatch.delay()

    wait_until(lambda: Event.objects.filter(listings__source="jambase").exists()
               and Event.objects.filter(listings__source="ticketmaster").exists(), "the worker's fetches", seconds=60)
    event = Event.objects.get()
    assert sorted(event.listings.values_list("source", flat=True)) == ["jambase", "ticketmaster"]
