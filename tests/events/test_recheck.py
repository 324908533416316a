"""Looking up, by id, upcoming shows the searches stopped returning (events/recheck.py): a show its provider
dropped becomes "No longer listed" and whoever saved it is told once; one still listed is brought up to date;
a show another provider still lists passes to it; an outage or a 429 leaves everything as it was."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from events.ingest import events_fetch
from events.models import Event, EventListing, EventNotice, SavedEvent
from events.providers import EventQuery
from events.recheck import listings_recheck
from rewrapped import outbound
from rewrapped.models import ApiCallLog
from tests.conftest import wait_until
from tests.events.test_notices import OpenPage
from tests.fakes.jambase import jb_event
from tests.fakes.ticketmaster import tm_event

pytestmark = pytest.mark.django_db

LATER = timedelta(hours=25)  # past EVENT_RECHECK_AFTER_HOURS (24) since the fetch


@pytest.fixture(autouse=True)
def quick_retries(settings):
    settings.OUTBOUND_BACKOFF_SECONDS = 0


@pytest.fixture
def recheck(django_capture_on_commit_callbacks):
    """A recheck run `LATER` than now, running what waits for the commit (the notices)."""
    def run(after=LATER):
        with django_capture_on_commit_callbacks(execute=True):
            return listings_recheck(now=timezone.now() + after)
    return run


def show(listing_id="tm1", **fields):
    return tm_event(**{"id": listing_id, "name": "Fontaines D.C.", "performers": ["Fontaines D.C."],
                       "local": "2030-03-10T20:00", "venue": "Paradiso", **fields})


def test_a_saved_show_its_provider_dropped_is_no_longer_listed_and_its_savers_are_told_once(
        ticketmaster, fetch, recheck, client, listener, mailoutbox):
    ticketmaster.add(show())
    fetch()
    event = Event.objects.get()
    SavedEvent.objects.create(user=listener, event=event)
    page = OpenPage(listener)
    ticketmaster.remove("tm1")

    outcome = recheck()
    again = recheck()

    assert (outcome.checked, outcome.removed, outcome.unlisted_events) == (1, 1, 1)
    assert again.checked == 0 and ticketmaster.lookups() == ["tm1"]
    event.refresh_from_db()
    assert event.status == "unlisted" and EventListing.objects.get().removed_at is not None
    [message] = page.messages()
    assert message["payload"]["kind"] == "event.unlisted"
    assert "Fontaines D.C. at Paradiso, Amsterdam" in message["payload"]["message"]
    assert "no longer listed by its ticket seller" in message["payload"]["message"]
    [mail] = mailoutbox
    assert mail.subject == "No longer listed: Fontaines D.C." and mail.to == [listener.email]
    assert EventNotice.objects.filter(kind="unlisted").count() == 1
    client.force_login(listener)
    detail = client.get(reverse("events:detail", args=[event.public_id])).content.decode()
    assert "No longer listed" in detail and reverse("events:tickets", args=[event.public_id]) not in detail
    assert client.get(reverse("events:tickets", args=[event.public_id])).status_code == 404


def test_a_show_still_listed_is_brought_up_to_date_and_not_asked_for_again_while_fresh(
        ticketmaster, fetch, recheck, listener, mailoutbox):
    ticketmaster.add(show())
    fetch()
    event = Event.objects.get()
    SavedEvent.objects.create(user=listener, event=event)
    ticketmaster.change("tm1", local="2030-03-12T21:00")  # the searches no longer return it; its id still works

    outcome = recheck()
    soon_after = recheck(after=LATER + timedelta(hours=1))

    assert (outcome.checked, outcome.still_listed, outcome.removed) == (1, 1, 0)
    assert soon_after.checked == 0
    event.refresh_from_db()
    assert event.status == "scheduled" and f"{event.starts_at:%Y-%m-%d %H:%M}" == "2030-03-12 20:00"
    assert [mail.subject for mail in mailoutbox] == ["New date: Fontaines D.C."]


def test_a_show_another_provider_still_lists_passes_to_it_and_goes_on_being_kept_current(
        ticketmaster, jambase, fetch, recheck, listener, mailoutbox):
    ticketmaster.add(show())
    jambase.add(jb_event(id="jb1", name="Fontaines D.C. at Paradiso", performers=["Fontaines D.C."],
                         local="2030-03-10T20:00:00", venue="Paradiso"))
    fetch("ticketmaster")
    fetch("jambase")
    event = Event.objects.get()
    SavedEvent.objects.create(user=listener, event=event)
    ticketmaster.remove("tm1")

    outcome = recheck()

    assert (outcome.removed, outcome.unlisted_events) == (1, 0)
    event.refresh_from_db()
    assert (event.source, event.external_id, event.status) == ("jambase", "jb1", "scheduled")
    assert mailoutbox == []

    jambase.change("jb1", local="2030-03-11T20:00:00")
    fetch("jambase")  # the new owner's facts now count
    event.refresh_from_db()
    assert f"{event.starts_at:%Y-%m-%d}" == "2030-03-11" and event.title == "Fontaines D.C. at Paradiso"
    assert [mail.subject for mail in mailoutbox] == ["New date: Fontaines D.C. at Paradiso"]

    jambase.remove("jb1")
    assert recheck(after=timedelta(days=3)).unlisted_events == 1
    event.refresh_from_db()
    assert event.status == "unlisted"


def test_an_unlisted_show_listed_again_under_a_new_id_is_owned_by_that_listing(ticketmaster, fetch, recheck,
                                                                              listener, mailoutbox):
    ticketmaster.add(show())
    fetch()
    SavedEvent.objects.create(user=listener, event=Event.objects.get())
    ticketmaster.remove("tm1")
    recheck()
    ticketmaster.add(show("tm1-relisted", local="2030-03-10T21:00"))

    fetch()

    event = Event.objects.get()
    assert (event.external_id, event.status, f"{event.starts_at:%H:%M}") == ("tm1-relisted", "scheduled", "20:00")
    assert [mail.subject for mail in mailoutbox] == ["No longer listed: Fontaines D.C.", "New date: Fontaines D.C."]


def test_a_listing_that_comes_and_goes_again_is_not_news_twice(ticketmaster, fetch, recheck, listener, mailoutbox):
    ticketmaster.add(show())
    fetch()
    SavedEvent.objects.create(user=listener, event=Event.objects.get())
    ticketmaster.remove("tm1")
    recheck()
    ticketmaster.add(show())
    fetch()
    ticketmaster.remove("tm1")

    assert recheck(after=timedelta(days=2)).unlisted_events == 1

    assert [mail.subject for mail in mailoutbox] == ["No longer listed: Fontaines D.C."]


def test_a_404_that_is_not_the_providers_own_not_found_removes_nothing(ticketmaster, fetch, recheck, settings):
    ticketmaster.add(show())
    fetch()
    ticketmaster.remove("tm1")
    settings.TICKETMASTER_API_BASE = f"{ticketmaster.url}/moved"  # a gateway answering 404 for every path

    outcome = recheck()

    assert outcome.removed == 0 and "404" in outcome.stopped["ticketmaster"]
    assert Event.objects.get().status == "scheduled"


def test_a_lookup_refused_for_one_id_does_not_hold_up_the_others(jambase, fetch, recheck, listener):
    jambase.add(jb_event(id="bad", name="A", performers=["A"], local="2030-04-01T20:00:00"),
                jb_event(id="good", name="B", performers=["B"], local="2030-04-02T20:00:00"))
    fetch("jambase")
    SavedEvent.objects.create(user=listener, event=Event.objects.get(external_id="bad"))
    jambase.refuse("bad")
    jambase.remove("good")

    outcome = recheck()
    later = recheck(after=LATER + timedelta(hours=1))

    assert (outcome.checked, outcome.removed) == (1, 1) and later.checked == 0
    assert jambase.lookups() == ["bad", "good"]
    assert Event.objects.get(external_id="bad").status == "scheduled"


def test_an_unlisted_show_listed_again_is_back_on_sale(ticketmaster, fetch, recheck):
    ticketmaster.add(show())
    fetch()
    ticketmaster.remove("tm1")
    recheck()
    ticketmaster.add(show())

    fetch()

    event = Event.objects.get()
    assert event.status == "scheduled" and event.on_sale
    assert EventListing.objects.get().removed_at is None


def test_only_stale_listings_of_upcoming_shows_are_looked_up_saved_ones_first(
        ticketmaster, fetch, recheck, listener, settings):
    soon = timezone.localdate() + timedelta(days=3)
    ticketmaster.add(show("tm-soon", name="Soon", performers=["Soon"], local=f"{soon}T20:00"),
                     show("tm-saved", name="Saved", performers=["Saved"], local="2030-06-01T20:00"),
                     show("tm-past", name="Past", performers=["Past"], local=f"{soon}T20:00"))
    fetch()
    SavedEvent.objects.create(user=listener, event=Event.objects.get(external_id="tm-saved"))
    Event.objects.filter(external_id="tm-past").update(starts_at=timezone.now() - timedelta(days=1))
    settings.EVENT_RECHECK_MAX_PER_RUN = 1

    assert recheck(after=timedelta(hours=23)).checked == 0  # seen by a fetch within the day
    recheck()
    settings.EVENT_RECHECK_MAX_PER_RUN = 10
    recheck(after=LATER + timedelta(minutes=1))

    assert ticketmaster.lookups() == ["tm-saved", "tm-soon"]


def test_an_outage_or_a_429_stops_that_provider_and_marks_nothing_removed(ticketmaster, jambase, fetch, recheck,
                                                                         settings, monkeypatch):
    settings.OUTBOUND_RETRIES = 0
    ticketmaster.add(show())
    jambase.add(jb_event(id="jb2", name="Wet Leg", performers=["Wet Leg"], local="2030-04-01T20:00:00"))
    fetch("ticketmaster")
    fetch("jambase")
    ticketmaster.remove("tm1")
    jambase.remove("jb2")
    ticketmaster.fail(503)
    jambase.fail(429, retry_after=900)

    outcome = recheck()

    assert set(outcome.stopped) == {"ticketmaster", "jambase"} and outcome.checked == 0
    assert not EventListing.objects.filter(removed_at__isnull=False).exists()
    assert set(Event.objects.values_list("status", flat=True)) == {"scheduled"}
    later = timezone.now() + timedelta(seconds=901)
    monkeypatch.setattr(outbound, "clock", lambda: later.timestamp())
    assert recheck().removed == 2  # the next run, with both providers back


def test_a_wrong_key_is_not_taken_for_a_show_that_is_gone(ticketmaster, fetch, recheck, settings):
    ticketmaster.add(show())
    fetch()
    settings.TICKETMASTER_API_KEY = "wrong"

    outcome = recheck()

    assert outcome.checked == 0 and "401" in outcome.stopped["ticketmaster"]
    assert Event.objects.get().status == "scheduled"


def test_ticketmaster_lookups_spend_only_their_share_of_a_runs_quota(ticketmaster, fetch, recheck, settings):
    ticketmaster.add(*[show(f"tm{n}", name=f"Band {n}", performers=[f"Band {n}"]) for n in range(6)])
    fetch()
    settings.TICKETMASTER_DAILY_LIMIT = 40  # ten calls a run, a fifth of them for lookups

    assert recheck().checked == 2
    assert ApiCallLog.objects.filter(service="ticketmaster", endpoint__contains="/events/tm").count() == 2


@pytest.mark.django_db(transaction=True)
def test_beat_runs_the_recheck_on_a_real_worker(ticketmaster, celery_worker, settings):
    from events.tasks import listings_recheck as task

    ticketmaster.add(show())
    events_fetch(source="ticketmaster", query=EventQuery())
    EventListing.objects.update(fetched_at=timezone.now() - LATER)
    ticketmaster.remove("tm1")

    task.delay()

    wait_until(lambda: Event.objects.filter(status="unlisted").exists(), "the worker's recheck", seconds=60)
    assert EventListing.objects.get().removed_at is not None
