"""The promoters API: a promoter's own events and metrics, and nobody else's."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from events.metrics import event_metrics_aggregate
from events.models import Event, EventInteraction
from tests.conftest import client_for
from tests.promoters.conftest import event_for

EVENTS = "/api/v1/promoters/events/"
DAY = datetime(2026, 11, 30, 20, 0, tzinfo=UTC)


@pytest.fixture
def seen(promoter, listener):
    event = event_for(promoter, title="API Night", sponsored=True, moderation=Event.Moderation.APPROVED)
    EventInteraction.objects.bulk_create(
        [EventInteraction(event=event, user=listener, kind="impression", targeted=True, at=DAY) for _ in range(4)]
        + [EventInteraction(event=event, user=listener, kind="ticket_click", targeted=True, at=DAY)]
    )
    event_metrics_aggregate()
    return event


def test_a_promoter_lists_their_events_with_totals(client, promoter, other_promoter, seen):
    event_for(other_promoter, title="Not Mine")
    client_for(client, promoter)
    body = client.get(EVENTS).json()
    assert [(row["id"], row["title"], row["impressions"], row["ticket_clicks"], row["ctr"]) for row in body] == [
        (str(seen.public_id), "API Night", 4, 1, 0.25),
    ]


def test_a_promoter_reads_one_events_daily_metrics_and_targeting(client, promoter, seen):
    client_for(client, promoter)
    body = client.get(f"{EVENTS}{seen.public_id}/metrics/").json()
    assert body["totals"]["impressions"] == 4
    assert body["daily"] == [{"impressions": 4, "views": 0, "saves": 0, "ticket_clicks": 1, "day": "2026-11-30"}]
    assert body["targeting"]["reach"] == 1.0
    assert body["targeting"]["targeted"]["engagement"] == 0.25


def test_a_day_without_interactions_between_two_with_some_is_zeros(client, promoter, listener, seen):
    EventInteraction.objects.create(event=seen, user=listener, kind="view", targeted=True, at=DAY + timedelta(days=2))
    event_metrics_aggregate()

    daily = client_for(client, promoter).get(f"{EVENTS}{seen.public_id}/metrics/").json()["daily"]

    assert [(point["day"], point["impressions"], point["views"]) for point in daily] == [
        ("2026-11-30", 4, 0), ("2026-12-01", 0, 0), ("2026-12-02", 0, 1),
    ]


def test_another_promoters_event_is_not_found(client, other_promoter, seen):
    client_for(client, other_promoter)
    assert client.get(f"{EVENTS}{seen.public_id}/metrics/").status_code == 404
    assert client.get(f"{EVENTS}{uuid.uuid4()}/metrics/").status_code == 404
    assert client.get(EVENTS).json() == []


@pytest.mark.parametrize(("persona", "status"), [("anonymous", 401), ("listener", 403), ("staff", 403)])
def test_only_promoters_use_it(client, request, seen, persona, status):
    user = request.getfixturevalue(persona)
    if persona != "anonymous":
        client_for(client, user)
    assert client.get(EVENTS).status_code == status
    assert client.get(f"{EVENTS}{seen.public_id}/metrics/").status_code == status
