"""Who may reach the events pages and API: every persona over every URL, and ids that are not theirs."""

import pytest
from django.test import Client
from django.urls import reverse

from events.models import SavedEvent
from tests.conftest import client_for
from tests.events.factories import EventFactory, PromoterEventFactory

pytestmark = pytest.mark.django_db

PERSONAS = ("anonymous", "guest", "listener", "promoter", "staff")
LOGIN = "login"

# (method, url name, needs an event, expected for a visitor, expected for a signed-in persona): browsing is
# open to visitors; saving and what is theirs sign them in first (LOGIN on the site, 401 in the API).
ROUTES = [
    ("get", "events:search", False, 200, 200),
    ("get", "events:search-more", False, 200, 200),
    ("get", "events:saved", False, LOGIN, 200),
    ("get", "events:detail", True, 200, 200),
    ("get", "events:tickets", True, 302, 302),
    ("post", "events:save", True, LOGIN, 302),
    ("get", "events:save-pending", True, LOGIN, 302),
    ("post", "events:unsave", True, LOGIN, 302),
    ("get", "api:events-search", False, 200, 200),
    ("get", "api:events-saved", False, 401, 200),
    ("get", "api:events-recommended", False, 401, 200),
    ("get", "api:events-detail", True, 200, 200),
    ("put", "api:events-save", True, 401, 200),
    ("delete", "api:events-save", True, 401, 204),
]


def call(client, method, name, event=None, **extra):
    url = reverse(name, args=[event.public_id] if event else [])
    if name == "events:search-more":
        url += "?offset=0"
    return getattr(client, method)(url, **extra)


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("method, name, needs_event, for_visitor, for_signed_in", ROUTES)
def test_every_events_url_for_every_persona(request, client, persona, method, name, needs_event, for_visitor,
                                            for_signed_in):
    user = None if persona == "anonymous" else request.getfixturevalue(persona)
    event = EventFactory() if needs_event else None
    response = call(client_for(client, user), method, name, event)
    expected = for_visitor if user is None else for_signed_in
    if expected == LOGIN:
        assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))
    elif expected == 401:
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "not_authenticated"
    else:
        assert response.status_code == expected


@pytest.mark.parametrize("moderation", ["draft", "pending", "rejected"])
@pytest.mark.parametrize("persona", ["guest", "listener", "other_promoter"])
def test_an_unlisted_event_is_not_found_by_id_for_anyone_but_its_promoter_and_staff(
    request, client, promoter, staff, moderation, persona
):
    event = PromoterEventFactory(promoter=promoter, moderation=moderation, title="Not yet public")
    client_for(client, request.getfixturevalue(persona))
    for method, name in [("get", "events:detail"), ("get", "events:tickets"), ("post", "events:save"),
                         ("post", "events:unsave"), ("get", "api:events-detail"), ("put", "api:events-save"),
                         ("delete", "api:events-save")]:
        response = call(client, method, name, event)
        assert response.status_code == 404, (method, name)
    assert not SavedEvent.objects.exists()

    owner = client_for(Client(), promoter).get(reverse("events:detail", args=[event.public_id]))
    assert owner.status_code == 200 and "Only you can see this" in owner.content.decode()
    assert client_for(Client(), staff).get(reverse("api:events-detail", args=[event.public_id])).status_code == 200


def test_an_unknown_event_id_is_404_with_the_api_error_body(client, listener):
    client_for(client, listener)
    response = client.get(reverse("api:events-detail", args=["00000000-0000-4000-8000-000000000000"]))
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
    assert client.get("/events/00000000-0000-4000-8000-000000000000/").status_code == 404


def test_saves_are_each_listeners_own(client, listener, other_listener):
    event = EventFactory(title="Shared interest")
    SavedEvent.objects.create(user=listener, event=event)
    client_for(client, other_listener)
    assert "Shared interest" not in client.get(reverse("events:saved")).content.decode()
    assert client.get(reverse("api:events-saved")).json()["results"] == []
    assert client.get(reverse("api:events-detail", args=[event.public_id])).json()["saved"] is False
    client.post(reverse("events:unsave", args=[event.public_id]))
    client.delete(reverse("api:events-save", args=[event.public_id]))
    assert SavedEvent.objects.filter(user=listener, event=event).exists()


def test_saving_from_a_page_needs_the_csrf_token(listener):
    event = EventFactory()
    browser = client_for(Client(enforce_csrf_checks=True), listener)
    assert browser.post(reverse("events:save", args=[event.public_id])).status_code == 403
    assert browser.put(reverse("api:events-save", args=[event.public_id])).status_code == 403
    assert not SavedEvent.objects.exists()
