"""Promoter analytics: raw interactions folded into the Event Metrics Log, and the pages and exports read from it."""

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest

from events.metrics import event_metrics_aggregate
from events.models import Event, EventInteraction, EventMetricsDaily
from events.tasks import event_metrics_aggregate as aggregate_task
from tests.conftest import client_for
from tests.factories import UserFactory
from tests.promoters.conftest import event_for

EVENTS = "/promoter/events/event/"
MONDAY = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
TUESDAY = MONDAY + timedelta(days=1)


def record(event, kind, at, user=None, targeted=None, times=1):
    EventInteraction.objects.bulk_create(
        EventInteraction(event=event, user=user, kind=kind, targeted=targeted, at=at) for _ in range(times)
    )


def daily(event):
    return {
        (row.day.isoformat(), row.targeted): (row.impressions, row.views, row.saves, row.ticket_clicks, row.listeners)
        for row in EventMetricsDaily.objects.filter(event=event)
    }


@pytest.fixture
def sponsored(promoter):
    return event_for(promoter, title="Sponsored Night", sponsored=True, moderation=Event.Moderation.APPROVED)


@pytest.fixture
def listeners(db):
    return [UserFactory() for _ in range(3)]


@pytest.fixture
def recorded(sponsored, listeners):
    """Monday: 10 targeted and 10 other impressions; targeted listeners engage more. Tuesday: a little more."""
    ana, bo, cy = listeners
    record(sponsored, "impression", MONDAY, ana, True, times=6)
    record(sponsored, "impression", MONDAY, bo, True, times=4)
    record(sponsored, "impression", MONDAY, cy, False, times=10)
    record(sponsored, "view", MONDAY, ana, True, times=3)
    record(sponsored, "save", MONDAY, ana, True)
    record(sponsored, "ticket_click", MONDAY, bo, True)
    record(sponsored, "view", MONDAY, cy, False)
    # 23:59 UTC is still Monday; midnight is Tuesday.
    record(sponsored, "impression", MONDAY.replace(hour=23, minute=59), cy, False)
    record(sponsored, "impression", TUESDAY.replace(hour=0, minute=0), ana, True, times=5)
    record(sponsored, "ticket_click", TUESDAY, ana, True)
    return sponsored


def test_interactions_become_daily_metrics_per_audience(recorded):
    result = event_metrics_aggregate()
    assert result["interactions"] == 33
    assert daily(recorded) == {
        ("2026-11-30", True): (10, 3, 1, 1, 2),
        ("2026-11-30", False): (11, 1, 0, 0, 1),
        ("2026-12-01", True): (5, 0, 0, 1, 1),
    }


def test_running_again_changes_nothing(recorded):
    event_metrics_aggregate()
    before = daily(recorded)
    assert aggregate_task() == {"flushed": 0, "interactions": 0, "rows": 0}
    assert daily(recorded) == before


def test_new_interactions_recompute_their_day_without_counting_twice(recorded, listeners):
    event_metrics_aggregate()
    record(recorded, "view", MONDAY + timedelta(hours=2), listeners[2], False, times=2)
    result = event_metrics_aggregate()
    assert result["interactions"] == 2
    metrics = daily(recorded)
    assert metrics[("2026-11-30", False)] == (11, 3, 0, 0, 1)
    assert metrics[("2026-11-30", True)] == (10, 3, 1, 1, 2)
    assert metrics[("2026-12-01", True)] == (5, 0, 0, 1, 1)


def test_interactions_of_unsponsored_events_have_no_audience(promoter, listeners):
    plain = event_for(promoter, title="Plain Show", moderation=Event.Moderation.APPROVED)
    record(plain, "impression", MONDAY, listeners[0], None, times=4)
    record(plain, "save", MONDAY, None, None)
    event_metrics_aggregate()
    assert daily(plain) == {("2026-11-30", None): (4, 0, 1, 0, 1)}


def test_the_analytics_page_shows_totals_ctr_daily_series_and_targeting(client, promoter, recorded):
    event_metrics_aggregate()
    client_for(client, promoter)
    response = client.get(f"{EVENTS}{recorded.pk}/analytics/")
    page = response.content.decode()
    totals = response.context["totals"]
    assert (totals["impressions"], totals["views"], totals["saves"], totals["ticket_clicks"]) == (26, 4, 1, 2)
    assert "<td>26</td><td>4</td><td>1</td>" in page
    assert "7.7%" in page  # 2 ticket clicks / 26 impressions
    assert [point["day"] for point in response.context["series"]] == ["2026-11-30", "2026-12-01"]
    assert 'id="daily-data"' in page and "vendor/d3/d3.min." in page and "promoters/analytics." in page
    # 15 of 26 impressions reached the target audience; targeted listeners engaged 5 times in 15 impressions.
    assert "57.7% of sponsored impressions reached your target audience." in page
    targeting = response.context["targeting"]
    assert targeting["targeted"]["engagement"] == pytest.approx(6 / 15)
    assert targeting["untargeted"]["engagement"] == pytest.approx(1 / 11)


def test_the_analytics_page_reads_the_daily_log_not_the_raw_interactions(
    client, promoter, recorded, django_assert_max_num_queries
):
    event_metrics_aggregate()
    # Raw rows the aggregation has not reached yet do not show: the page never reads them.
    record(recorded, "impression", TUESDAY, None, True, times=50)
    client_for(client, promoter)
    with django_assert_max_num_queries(8):
        response = client.get(f"{EVENTS}{recorded.pk}/analytics/")
    assert response.context["totals"]["impressions"] == 26


def test_the_overview_compares_my_events_only(client, promoter, other_promoter, recorded, listeners,
                                              django_assert_max_num_queries):
    quiet = event_for(promoter, title="Quiet Show", moderation=Event.Moderation.APPROVED)
    theirs = event_for(other_promoter, title="Their Show", moderation=Event.Moderation.APPROVED)
    record(theirs, "impression", MONDAY, listeners[0], None, times=100)
    record(quiet, "impression", MONDAY, listeners[1], None, times=2)
    event_metrics_aggregate()
    client_for(client, promoter)
    with django_assert_max_num_queries(9):
        response = client.get(f"{EVENTS}analytics/")
    page = response.content.decode()
    assert [row["title"] for row in response.context["comparison"]] == ["Quiet Show", "Sponsored Night"] or \
        sorted(row["title"] for row in response.context["comparison"]) == ["Quiet Show", "Sponsored Night"]
    assert "Their Show" not in page
    assert response.context["totals"]["impressions"] == 28
    assert 'id="comparison-data"' in page


def _csv(response):
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_the_csv_export_holds_my_daily_metrics_and_no_one_elses(client, promoter, other_promoter, recorded, listeners):
    theirs = event_for(other_promoter, title="Their Show", moderation=Event.Moderation.APPROVED)
    record(theirs, "impression", MONDAY, listeners[0], None, times=3)
    event_metrics_aggregate()
    client_for(client, promoter)
    response = client.get(f"{EVENTS}export.csv")
    assert response["Content-Type"] == "text/csv"
    assert "attachment" in response["Content-Disposition"]
    rows = _csv(response)
    assert rows[0] == ["event", "event_id", "starts_at", "venue_time_zone", "day_utc", "audience", "impressions",
                       "views", "saves", "ticket_clicks", "listeners", "ctr"]
    # The start's columns are tested with the venue's time (tests/events/test_venue_time.py).
    assert [row[:2] + row[4:] for row in rows[1:]] == [
        ["Sponsored Night", str(recorded.public_id), "2026-11-30", "not targeted", "11", "1", "0", "0", "1", "0.0000"],
        ["Sponsored Night", str(recorded.public_id), "2026-11-30", "targeted", "10", "3", "1", "1", "2", "0.1000"],
        ["Sponsored Night", str(recorded.public_id), "2026-12-01", "targeted", "5", "0", "0", "1", "1", "0.2000"],
    ]
    one = _csv(client.get(f"{EVENTS}{recorded.pk}/export.csv"))
    assert one == rows
    assert client.get(f"{EVENTS}{theirs.pk}/export.csv").status_code == 404


def test_a_title_that_looks_like_a_formula_is_exported_as_text(client, promoter, listeners):
    event = event_for(promoter, title="=HYPERLINK(\"http://evil\")", moderation=Event.Moderation.APPROVED)
    record(event, "impression", MONDAY, listeners[0], None)
    event_metrics_aggregate()
    client_for(client, promoter)
    rows = _csv(client.get(f"{EVENTS}export.csv"))
    assert rows[1][0] == "'=HYPERLINK(\"http://evil\")"


def test_interactions_recorded_by_pages_are_flushed_and_counted(client, promoter, listeners):
    from events.interactions import impressions_record, interaction_record

    event = event_for(promoter, title="Recorded Live", moderation=Event.Moderation.APPROVED)
    impressions_record(events=[event], user=listeners[0])
    impressions_record(events=[event], user=listeners[1])
    interaction_record(event=event, user=listeners[0], kind="view")
    interaction_record(event=event, user=listeners[0], kind="save")
    result = event_metrics_aggregate()
    assert result["flushed"] == 4 and result["interactions"] == 4
    client_for(client, promoter)
    totals = client.get(f"{EVENTS}{event.pk}/analytics/").context["totals"]
    assert (totals["impressions"], totals["views"], totals["saves"], totals["ticket_clicks"]) == (2, 1, 1, 0)
