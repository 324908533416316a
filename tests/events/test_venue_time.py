"""A show's start is the venue's clock everywhere (events/venue_time.py): the events pages, saved events, the home
page, emails, the promoter console (list, form, analytics, CSV), the staff admin and both APIs, whatever the
viewer's time zone or the server's. Shows sit on both sides of the venue's next change of clocks, and nobody
looking lives in the venue's zone."""

import csv
import io
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from events.models import Event, EventMetricsDaily, EventNotice, SavedEvent
from events.notices import notices_deliver
from tests.conftest import client_for
from tests.events.factories import EventFactory
from tests.promoters.conftest import event_form

pytestmark = pytest.mark.django_db

NEW_YORK = ZoneInfo("America/New_York")
EVENTS = "/promoter/events/event/"


def clocks_change(zone: ZoneInfo, *, going: str) -> date:
    """The next day (a month on at the earliest) `zone`'s clocks go "forward" or "back" on."""
    day = timezone.now().date() + timedelta(days=30)
    while True:
        before = datetime.combine(day - timedelta(days=1), time(12), zone).utcoffset()
        after = datetime.combine(day, time(12), zone).utcoffset()
        if (after > before and going == "forward") or (after < before and going == "back"):
            return day
        day += timedelta(days=1)


@pytest.fixture(params=["forward", "back"])
def change(request):
    """New York's next change of clocks either way, with the abbreviations before and after it."""
    day = clocks_change(NEW_YORK, going=request.param)
    return day, ("EST", "EDT") if request.param == "forward" else ("EDT", "EST")


@pytest.fixture
def far_away(settings, listener):
    """The server in India and the listener in New Zealand: neither is New York."""
    settings.TIME_ZONE = "Asia/Kolkata"
    listener.time_zone = "Pacific/Auckland"
    listener.save(update_fields=["time_zone"])
    return listener


def label(day: date, clock: str, abbreviation: str) -> str:
    return f"{day:%a} {day.day} {day:%b %Y}, {clock} {abbreviation}"


def offset(abbreviation: str) -> str:
    return {"EST": "-05:00", "EDT": "-04:00"}[abbreviation]


@pytest.fixture
def shows(change):
    """20:00 in New York the day before the clocks change and the day after."""
    day, _ = change
    before, after = day - timedelta(days=1), day + timedelta(days=1)
    return [
        EventFactory(title=title, venue="Bowery Ballroom", city="New York", country="US",
                     venue_time_zone="America/New_York", starts_at=datetime.combine(on, time(20), NEW_YORK))
        for title, on in (("Before the change", before), ("After the change", after))
    ]


def test_listeners_far_away_read_the_venues_clock_on_every_page(client, far_away, change, shows):
    day, (first, second) = change
    expected = [label(day - timedelta(days=1), "20:00", first), label(day + timedelta(days=1), "20:00", second)]
    for show in shows:
        SavedEvent.objects.create(user=far_away, event=show)
    client_for(client, far_away)

    for url in ("/events/", "/events/saved/", "/"):
        page = client.get(url).content.decode()
        assert expected[0] in page and expected[1] in page, url
    detail = client.get(f"/events/{shows[1].public_id}/").content.decode()
    after = day + timedelta(days=1)
    assert f"{after:%A} {after.day} {after:%B %Y}, 20:00 {second}" in detail
    assert f'datetime="{after.isoformat()}T20:00:00{offset(second)}"' in detail


def test_the_api_gives_the_venues_clock_with_its_offset_and_zone(client, far_away, change, shows):
    day, abbreviations = change
    client_for(client, far_away)

    found = client.get("/api/v1/events/", {"q": "change"}).json()["results"]
    one = client.get(f"/api/v1/events/{shows[0].public_id}/").json()

    days = (day - timedelta(days=1), day + timedelta(days=1))
    assert [(show["title"], show["starts_at"], show["venue_time_zone"]) for show in found] == [
        (title, f"{on.isoformat()}T20:00:00{offset(abbreviation)}", "America/New_York")
        for title, on, abbreviation in zip(("Before the change", "After the change"), days, abbreviations,
                                           strict=True)
    ]
    assert one["starts_at"] == found[0]["starts_at"] and one["time_announced"] is True


def test_a_show_in_india_reads_ist_to_a_listener_in_new_york_on_a_server_in_auckland(client, settings, listener):
    settings.TIME_ZONE = "Pacific/Auckland"
    listener.time_zone = "America/New_York"
    listener.save(update_fields=["time_zone"])
    day = timezone.now().date() + timedelta(days=40)
    show = EventFactory(title="Prateek Kuhad", venue="Jio World Garden", city="Mumbai", country="IN",
                        venue_time_zone="Asia/Kolkata", starts_at=datetime.combine(day, time(14), UTC))
    client_for(client, listener)

    assert label(day, "19:30", "IST") in client.get("/events/").content.decode()
    assert client.get(f"/api/v1/events/{show.public_id}/").json()["starts_at"] == f"{day.isoformat()}T19:30:00+05:30"


def test_a_show_known_only_by_its_day_says_the_time_is_to_be_announced(client, far_away):
    day = timezone.now().date() + timedelta(days=40)
    show = EventFactory(title="Day only", venue_time_zone="America/New_York", time_announced=False,
                        starts_at=datetime.combine(day, time.min, NEW_YORK))
    client_for(client, far_away)

    assert f"{day:%a} {day.day} {day:%b %Y}, time to be announced" in client.get("/events/").content.decode()
    body = client.get(f"/api/v1/events/{show.public_id}/").json()
    assert body["time_announced"] is False and body["starts_at"].startswith(f"{day.isoformat()}T00:00:00")


def test_the_email_about_a_new_date_gives_the_venues_clock(far_away, change, shows, mailoutbox):
    day, (_, second) = change
    show = shows[1]
    SavedEvent.objects.create(user=far_away, event=show)
    notice = EventNotice.objects.create(user=far_away, event=show, kind=EventNotice.Kind.RESCHEDULED,
                                        detail="moved")

    notices_deliver(notice_ids=[notice.pk])

    assert f"has a new date: {label(day + timedelta(days=1), '20:00', second)}." in mailoutbox[0].body


# --- the promoter console -----------------------------------------------------------------------------------
@pytest.fixture
def promoter_far_away(settings, promoter):
    settings.TIME_ZONE = "Asia/Kolkata"
    promoter.time_zone = "Pacific/Auckland"
    promoter.save(update_fields=["time_zone"])
    return promoter


def new_york_form(on: date, clock: str, **overrides) -> dict:
    return event_form(**{"title": f"Show on {on}", "venue": "Bowery Ballroom", "city": "New York", "country": "US",
                         "venue_time_zone": "America/New_York", "starts_at_0": on.isoformat(), "starts_at_1": clock,
                         "currency": "USD", **overrides})


def test_a_promoter_far_away_enters_the_venues_clock_and_reads_it_back_everywhere(
    client, promoter_far_away, change
):
    day, (first, second) = change
    before, after = day - timedelta(days=1), day + timedelta(days=1)
    client_for(client, promoter_far_away)

    for on in (before, after):
        assert client.post(f"{EVENTS}add/", new_york_form(on, "20:00:00")).status_code == 302

    # 20:00 in New York is midnight or 01:00 UTC the next day, by the offset of that day.
    utc_hours = {"EDT": 4, "EST": 5}
    assert dict(Event.objects.values_list("title", "starts_at")) == {
        f"Show on {on}": datetime.combine(on, time(20), UTC) + timedelta(hours=utc_hours[abbreviation])
        for on, abbreviation in ((before, first), (after, second))
    }
    listing = client.get(EVENTS).content.decode()
    assert label(before, "20:00", first) in listing and label(after, "20:00", second) in listing

    event = Event.objects.get(title=f"Show on {after}")
    change_form = client.get(f"{EVENTS}{event.pk}/change/").content.decode()
    assert f'value="{after.isoformat()}"' in change_form and 'value="20:00:00"' in change_form
    analytics = client.get(f"{EVENTS}{event.pk}/analytics/").content.decode()
    assert label(after, "20:00", second) in analytics and "UTC" not in analytics

    EventMetricsDaily.objects.create(event=event, day=timezone.now().date(), targeted=None, impressions=3)
    rows = list(csv.reader(io.StringIO(b"".join(client.get(f"{EVENTS}export.csv").streaming_content).decode())))
    assert rows[1][2:4] == [f"{after.isoformat()}T20:00:00{offset(second)}", "America/New_York"]
    mine = client.get("/api/v1/promoters/events/").json()
    assert {row["starts_at"] for row in mine} == {f"{before.isoformat()}T20:00:00{offset(first)}",
                                                  f"{after.isoformat()}T20:00:00{offset(second)}"}


def test_the_venues_zone_defaults_to_its_countrys_only_one(client, promoter_far_away):
    on = timezone.now().date() + timedelta(days=60)
    client_for(client, promoter_far_away)

    client.post(f"{EVENTS}add/", event_form(venue_time_zone="", country="IN", city="Mumbai", starts_at_0=on.isoformat(),
                                            starts_at_1="19:30:00", currency="INR"))

    event = Event.objects.get()
    assert event.venue_time_zone == "Asia/Kolkata"
    assert event.starts_at == datetime.combine(on, time(14), UTC)


def test_a_time_the_clocks_skip_is_refused_and_one_they_show_twice_is_the_first(client, promoter_far_away):
    forward, back = clocks_change(NEW_YORK, going="forward"), clocks_change(NEW_YORK, going="back")
    client_for(client, promoter_far_away)

    skipped = client.post(f"{EVENTS}add/", new_york_form(forward, "02:30:00"))
    assert f"02:30 does not exist on {forward.day} {forward:%B %Y} in America/New_York" in skipped.content.decode()
    assert not Event.objects.exists()

    client.post(f"{EVENTS}add/", new_york_form(back, "01:30:00"))
    assert Event.objects.get().starts_at == datetime.combine(back, time(5, 30), UTC)  # 01:30 EDT, UTC-4


# --- the staff admin ----------------------------------------------------------------------------------------
def test_staff_far_away_read_the_venues_clock_in_the_admin(client, settings, staff, change, shows):
    day, (first, second) = change
    settings.TIME_ZONE = "Pacific/Auckland"
    staff.time_zone = "Asia/Kolkata"
    staff.save(update_fields=["time_zone"])
    client_for(client, staff)

    listing = client.get("/admin/events/event/").content.decode()
    assert label(day - timedelta(days=1), "20:00", first) in listing
    assert label(day + timedelta(days=1), "20:00", second) in listing
    change_form = client.get(f"/admin/events/event/{shows[1].pk}/change/").content.decode()
    assert 'value="20:00:00"' in change_form
