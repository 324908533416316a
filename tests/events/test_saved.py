"""Saving and unsaving events (idempotent, per user) and "Your saved events", upcoming and past."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from events.interactions import interactions_flush
from events.models import EventInteraction, SavedEvent
from tests.conftest import client_for
from tests.events.factories import EventFactory, PromoterEventFactory

pytestmark = pytest.mark.django_db


def test_saving_twice_keeps_one_save_and_counts_one_save_interaction(
    client, listener, django_capture_on_commit_callbacks
):
    event = EventFactory(title="Fontaines D.C.")
    client_for(client, listener)
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(reverse("events:save", args=[event.public_id]))
        second = client.post(reverse("events:save", args=[event.public_id]))
    assert first.status_code == second.status_code == 302
    assert first["Location"] == reverse("events:detail", args=[event.public_id])
    assert SavedEvent.objects.filter(user=listener, event=event).count() == 1
    assert interactions_flush() == 1
    assert list(EventInteraction.objects.values_list("kind", "user", "targeted")) == [("save", listener.pk, None)]


def test_the_save_button_swaps_in_place_with_htmx(client, listener):
    event = EventFactory(title="Fontaines D.C.")
    client_for(client, listener)
    saved = client.post(reverse("events:save", args=[event.public_id]), headers={"HX-Request": "true"})
    assert saved.status_code == 200
    assert "Unsave Fontaines D.C." in saved.content.decode()
    unsaved = client.post(reverse("events:unsave", args=[event.public_id]), headers={"HX-Request": "true"})
    assert 'aria-label="Save Fontaines D.C."' in unsaved.content.decode()
    assert not SavedEvent.objects.exists()
    # Unsaving what is not saved changes nothing either.
    assert client.post(reverse("events:unsave", args=[event.public_id])).status_code == 302


def test_saving_needs_a_post(client, listener):
    event = EventFactory()
    client_for(client, listener)
    assert client.get(reverse("events:save", args=[event.public_id])).status_code == 405
    assert not SavedEvent.objects.exists()


def test_a_save_goes_back_to_the_page_it_came_from_but_never_off_site(client, listener):
    event = EventFactory()
    client_for(client, listener)
    url = reverse("events:save", args=[event.public_id])
    assert client.post(url, {"next": "/events/?country=NL"})["Location"] == "/events/?country=NL"
    assert client.post(url, {"next": "https://evil.example.com/"})["Location"] == reverse(
        "events:detail", args=[event.public_id])


def test_my_saved_events_splits_upcoming_and_past(client, listener, other_listener, django_assert_max_num_queries):
    soon = EventFactory(title="Soon show", starts_at=timezone.now() + timedelta(days=3))
    later = EventFactory(title="Later show", starts_at=timezone.now() + timedelta(days=30))
    gone = EventFactory(title="Gone show", starts_at=timezone.now() - timedelta(days=30))
    EventFactory(title="Unsaved show")
    for event in (later, soon, gone):
        SavedEvent.objects.create(user=listener, event=event)
    SavedEvent.objects.create(user=other_listener, event=EventFactory(title="Someone else's show"))
    client_for(client, listener)
    with django_assert_max_num_queries(12):
        page = client.get(reverse("events:saved")).content.decode()
    upcoming, past = page.split('id="past-heading"')
    assert upcoming.index("Soon show") < upcoming.index("Later show")
    assert "Gone show" not in upcoming and "Gone show" in past
    assert "Unsaved show" not in page and "Someone else" not in page


def test_the_api_saves_unsaves_and_lists_saved_events(client, listener, django_assert_max_num_queries):
    event = EventFactory(title="Big Thief")
    past = EventFactory(title="Old show", starts_at=timezone.now() - timedelta(days=3))
    client_for(client, listener)
    assert client.put(reverse("api:events-save", args=[event.public_id])).json() == {"saved": True}
    assert client.put(reverse("api:events-save", args=[event.public_id])).json() == {"saved": True}
    client.put(reverse("api:events-save", args=[past.public_id]))
    with django_assert_max_num_queries(6):
        upcoming = client.get(reverse("api:events-saved")).json()
    assert [(e["title"], e["saved"]) for e in upcoming["results"]] == [("Big Thief", True)]
    assert [e["title"] for e in client.get(reverse("api:events-saved"), {"when": "past"}).json()["results"]] == [
        "Old show"]
    assert client.delete(reverse("api:events-save", args=[event.public_id])).status_code == 204
    assert client.delete(reverse("api:events-save", args=[event.public_id])).status_code == 204
    assert SavedEvent.objects.filter(user=listener).count() == 1
    bad = client.get(reverse("api:events-saved"), {"when": "someday"})
    assert bad.status_code == 400 and "when" in bad.json()["error"]["fields"]


def test_an_unlisted_event_cannot_be_saved_even_by_its_promoter(client, promoter):
    draft = PromoterEventFactory(promoter=promoter, moderation="draft")
    client_for(client, promoter)
    assert client.post(reverse("events:save", args=[draft.public_id])).status_code == 404
    answer = client.put(reverse("api:events-save", args=[draft.public_id]))
    assert answer.status_code == 400 and answer.json()["error"]["code"] == "not_listed"
    assert not SavedEvent.objects.exists()


def test_a_saved_event_edited_after_approval_leaves_saved_until_reviewed_and_can_be_unsaved(
    client, listener, promoter
):
    event = PromoterEventFactory(title="Approved show", promoter=promoter)
    SavedEvent.objects.create(user=listener, event=event)
    event.title, event.moderation = "Unreviewed text", "pending"
    event.save()
    client_for(client, listener)
    page = client.get(reverse("events:saved")).content.decode()
    assert "Unreviewed text" not in page and "Approved show" not in page
    assert client.get(reverse("api:events-saved")).json()["results"] == []
    assert client.get(reverse("events:detail", args=[event.public_id])).status_code == 404
    assert client.post(reverse("events:unsave", args=[event.public_id])).status_code == 302
    assert not SavedEvent.objects.exists()
