"""The home page's concerts lead to each show's page and to all of them."""

import pytest
from django.urls import reverse

from tests.conftest import client_for
from tests.events.factories import EventFactory

pytestmark = pytest.mark.django_db


def test_home_page_concerts_link_to_their_shows_and_to_all_concerts(client, listener):
    event = EventFactory(title="Amsterdam Sessions")
    page = client_for(client, listener).get("/").content.decode()
    assert f'<a href="{reverse("events:detail", args=[event.public_id])}">Amsterdam Sessions</a>' in page
    assert f'<a href="{reverse("events:search")}">See all concerts</a>' in page


def test_a_visitor_is_offered_the_concerts_from_the_home_page(client):
    assert f'<a href="{reverse("events:search")}">Browse concerts</a>' in client.get("/").content.decode()
