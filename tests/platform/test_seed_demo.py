"""`manage.py seed_demo`, which `make run` calls every time."""

from io import StringIO

from django.core.management import call_command

from accounts.models import User
from events.models import Event
from listening.models import Play
from tests.conftest import client_for


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", "--url", "http://127.0.0.1:8000/", stdout=out)
    return out.getvalue()


def test_seed_demo_builds_a_listener_year_a_promoter_with_events_and_staff(db, client):
    output = seed()

    listener = User.objects.get(email="listener@demo.rewrapped")
    assert User.objects.get(email="promoter@demo.rewrapped").role == User.Role.PROMOTER
    assert User.objects.get(email="staff@demo.rewrapped").is_staff
    plays = Play.objects.filter(user=listener)
    # Every music play and podcast of the 2023 extended export, audio and video files together.
    assert plays.count() == 1484
    span = plays.order_by("ended_at")
    assert (span.last().ended_at - span.first().ended_at).days > 300
    assert Event.objects.filter(promoter__email="promoter@demo.rewrapped", moderation="approved").count() == 5
    assert "http://127.0.0.1:8000/" in output and "listener@demo.rewrapped" in output

    page = client_for(client, listener).get("/").content.decode()
    assert "Your top artists" in page and "Upcoming concerts" in page


def test_seed_demo_twice_changes_nothing(db):
    seed()
    counts = (User.objects.count(), Play.objects.count(), Event.objects.count())

    output = seed()

    assert (User.objects.count(), Play.objects.count(), Event.objects.count()) == counts
    assert "0 new plays" in output


def test_the_demo_shows_every_feature_offline(db, client, settings):
    settings.SPOTIFY_CLIENT_ID = ""  # as `make run` without Spotify
    seed()
    listener = User.objects.get(email="listener@demo.rewrapped")
    promoter = User.objects.get(email="promoter@demo.rewrapped")
    browser = client_for(client, listener)

    dashboard = browser.get("/listening/?period=all").content.decode()
    # Top genres and the genres streamgraph.
    top_genres = dashboard.split('data-top="genres"')[1].split("</ol>")[0]
    assert "pop" in top_genres and "edm" in top_genres
    assert 'id="genre-chart"' in dashboard and 'data-genre="0"' in dashboard
    # Covers: nothing fetched offline, so generated ones, never an empty or broken picture.
    covers = dashboard.count('class="cover"')
    assert covers >= 40 and dashboard.count('src="data:image/svg+xml,') == covers

    # Concerts near the listener, in New York, on the home page and the events page.
    home = browser.get("/").content.decode()
    assert "Terminal 5, New York" in home
    events = browser.get("/events/").content.decode()
    assert "Alan Walker — Walkerworld Tour" in events

    # The promoter's events have metrics.
    metrics = client_for(client, promoter).get("/api/v1/promoters/events/").json()
    rows = metrics["results"] if isinstance(metrics, dict) else metrics
    assert len(rows) == 5
    assert all(row["impressions"] > 0 and row["views"] > 0 and row["ticket_clicks"] > 0 for row in rows), rows
