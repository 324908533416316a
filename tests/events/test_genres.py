"""The genre filter matches genre tags by their words, whatever the case and punctuation a provider used."""

import json
from pathlib import Path

import pytest
from django.db import connection
from django.urls import reverse

from events.genres import genre_tag
from tests.conftest import client_for
from tests.events.factories import EventFactory

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).resolve().parents[3] / "shared" / "fixtures"


def found(client, genre):
    results = client.get(reverse("api:events-search"), {"genre": genre}).json()["results"]
    return sorted(event["title"] for event in results)


def test_indie_finds_indie_pop_and_indie_rock_but_not_hindie(client):
    EventFactory(title="Indie pop night", genres=["Indie Pop"])
    EventFactory(title="Indie-Rock club", genres=["Indie-Rock"])
    EventFactory(title="Shouty indie", genres=["  INDIE!  "])
    EventFactory(title="Hindie film songs", genres=["Hindie"])
    EventFactory(title="Pop only", genres=["Pop"])

    assert found(client, "indie") == ["Indie pop night", "Indie-Rock club", "Shouty indie"]
    assert found(client, "Indie rock") == ["Indie-Rock club"]
    assert found(client, "indie_pop") == ["Indie pop night"]
    assert found(client, "pop indie") == []  # words together and in order, not anywhere
    assert found(client, "!!!") == []


def test_the_genre_filter_on_the_page_matches_tags_too(client, listener):
    EventFactory(title="R&B evening", genres=["R&B"])
    EventFactory(title="Hip-hop block party", genres=["Hip-Hop/Rap"])
    client_for(client, listener)
    page = client.get(reverse("events:search"), {"genre": "hip hop"}).content.decode()
    assert "Hip-hop block party" in page and "R&amp;B evening" not in page
    assert "R&amp;B evening" in client.get(reverse("events:search"), {"genre": "r & b"}).content.decode()


def _fixture_genres() -> list[str]:
    genres = set()

    def walk(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "genres" and isinstance(value, list):
                    genres.update(genre for genre in value if isinstance(genre, str))
                elif key == "genre" and isinstance(value, dict) and isinstance(value.get("name"), str):
                    genres.add(value["name"])
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    for path in FIXTURES.glob("*/*.json"):
        walk(json.loads(path.read_text()))
    return sorted(genres)


def test_python_and_postgresql_fold_genres_alike():
    genres = [*_fixture_genres(), "Música Popular Brasileira", "K-Pop", "Drum & Bass", "Singer/Songwriter",
              "Électro  Swing", "lo_fi"]
    assert len(genres) > 30
    with connection.cursor() as cursor:
        cursor.execute("SELECT genre, (events_genre_tags(ARRAY[genre]))[1] FROM unnest(%s::text[]) AS genre",
                       [genres])
        folded = dict(cursor.fetchall())
    assert {genre: genre_tag(genre) for genre in genres} == folded
