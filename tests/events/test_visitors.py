"""Visitors without an account browse, search and read events; pressing Save signs them in and saves the show."""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse

from events.models import Event, SavedEvent
from tests.events.factories import EventFactory
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def test_a_visitor_searches_events_and_reads_one_without_an_account(client):
    EventFactory(title="Amsterdam Sessions", country="NL")
    berlin = EventFactory(title="Berlin Nights", city="Berlin", country="DE")

    page = client.get(reverse("events:search"), {"country": "DE"})
    detail = client.get(reverse("events:detail", args=[berlin.public_id]))
    api = client.get(reverse("api:events-search"), {"country": "DE"})

    assert page.status_code == 200
    found = page.content.decode().split('id="results-heading"')[1]
    assert "Berlin Nights" in found and "Amsterdam Sessions" not in found
    assert "Recommended for you" not in page.content.decode()
    assert detail.status_code == 200 and "Berlin Nights" in detail.content.decode()
    assert [event["title"] for event in api.json()["results"]] == ["Berlin Nights"]
    assert api.json()["results"][0]["saved"] is False


def test_a_visitors_save_signs_them_in_and_brings_them_back_with_the_show_saved(client, listener):
    event = EventFactory(title="Amsterdam Sessions")
    was_on = f"{reverse('events:search')}?country=NL"

    asked = client.post(reverse("events:save", args=[event.public_id]), {"next": was_on})

    assert asked.status_code == 302 and asked["Location"].startswith(reverse("account_login"))
    assert not SavedEvent.objects.exists()
    back = parse_qs(urlsplit(asked["Location"]).query)["next"][0]
    signed_in = client.post(reverse("account_login"), {"login": listener.email, "password": PASSWORD, "next": back})
    assert signed_in.status_code == 302 and signed_in["Location"] == back
    landed = client.get(back)
    assert landed.status_code == 302 and landed["Location"] == was_on
    assert SavedEvent.objects.filter(user=listener, event=event).exists()
    assert "Saved ✓" in client.get(was_on).content.decode()


def test_the_page_sign_in_returns_to_saves_nothing_unless_the_listener_pressed_save(client, listener):
    event = EventFactory(title="Amsterdam Sessions")
    client.force_login(listener, backend="django.contrib.auth.backends.ModelBackend")

    response = client.get(reverse("events:save-pending", args=[event.public_id]))

    assert response.status_code == 302 and response["Location"] == reverse("events:detail", args=[event.public_id])
    assert not SavedEvent.objects.exists()


def test_a_visitor_does_not_see_a_listing_waiting_for_review(client):
    """A provider's listing has no promoter, and a visitor has no id: the two must not match."""
    waiting = EventFactory(title="Not yet public", moderation=Event.Moderation.PENDING)

    assert client.get(reverse("events:detail", args=[waiting.public_id])).status_code == 404
    assert client.get(reverse("api:events-detail", args=[waiting.public_id])).status_code == 404
    assert client.post(reverse("events:save", args=[waiting.public_id])).status_code == 404


def test_a_visitor_finds_events_in_the_main_menu(client):
    menu = client.get(reverse("home")).content.decode().split('id="site-menu"')[1].split("</ul>")[0]

    assert f'href="{reverse("events:search")}"' in menu
