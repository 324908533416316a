"""Events' files in the "download my data" ZIP (events.selectors.data_export_files): saved shows, notices,
interactions and promoted shows, on the venue's clock, and nobody else's."""

import json
from datetime import UTC, datetime

import pytest
from django.urls import reverse

from events.interactions import interactions_flush
from events.models import EventNotice
from tests.accounts.test_data_export import csv_rows, download
from tests.conftest import client_for
from tests.events.factories import EventFactory

pytestmark = pytest.mark.django_db


def test_saved_shows_what_we_told_you_and_what_you_did_are_in_it(
    client, listener, other_listener, django_capture_on_commit_callbacks
):
    # 02:30 on the night New Zealand's clocks go back (5 April 2026): shown once, with the offset of that hour.
    show = EventFactory(title="Lorde at Spark Arena", venue="Spark Arena", city="Auckland", country="NZ",
                        starts_at=datetime(2026, 4, 4, 13, 30, tzinfo=UTC), venue_time_zone="Pacific/Auckland")
    theirs = EventFactory(title="Their Secret Show")
    EventNotice.objects.create(user=listener, event=show, kind="rescheduled", detail="Sat 4 Apr")
    with django_capture_on_commit_callbacks(execute=True):
        client_for(client, other_listener).post(reverse("events:save", args=[theirs.public_id]))
        client_for(client, listener).post(reverse("events:save", args=[show.public_id]))
    interactions_flush()

    _, archive = download(client)

    saved = json.loads(archive.read("events/saved_events.json"))
    assert [s["event"] for s in saved] == [{
        "id": str(show.public_id), "title": "Lorde at Spark Arena", "performers": show.performer_names,
        "venue": "Spark Arena", "city": "Auckland", "country": "NZ", "starts_at": "2026-04-05T02:30:00+13:00",
        "time_zone": "Pacific/Auckland", "status": "Scheduled", "tickets": show.ticket_url or None,
    }]
    notices = json.loads(archive.read("events/notices.json"))
    assert [(n["kind"], n["detail"], n["event"]["title"]) for n in notices] == [
        ("A saved event changed date", "Sat 4 Apr", "Lorde at Spark Arena"),
    ]
    assert [(i["kind"], i["event_title"]) for i in csv_rows(archive, "events/interactions.csv")] == [
        ("save", "Lorde at Spark Arena"),
    ]
    assert "Their Secret Show" not in "".join(archive.read(name).decode() for name in archive.namelist())
    assert json.loads(archive.read("events/promoted_events.json")) == []
