""""Recommended for you": ranked by the listener's whole history of performers and genres, their country
first, with sponsored events whose targeting matches them mixed in and labelled."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from events.models import Event
from events.selectors import RECOMMENDED
from events.views import PAGE
from events.targeting import listener_matches
from listening.models import Artist
from tests.conftest import client_for
from tests.events.factories import EventFactory, PromoterEventFactory, genres_of, listens

pytestmark = pytest.mark.django_db


@pytest.fixture
def fan(listener):
    """A Dutch listener, 25, who played Radiohead a lot and Björk a little, over a year ago."""
    listener.country, listener.age = "NL", 25
    listener.save()
    listens(listener, {"Radiohead": 30, "Björk": 6})
    genres_of(Artist.objects.get(name="Radiohead"), "art rock")
    return listener


def artist(name):
    return Artist.objects.get(name=name)


def in_days(days):
    return timezone.now() + timedelta(days=days)


def recommended_titles(client):
    return [rec["event"]["title"] for rec in client.get(reverse("api:events-recommended")).json()]


def test_shows_of_artists_played_most_come_first_even_from_long_ago(client, fan):
    EventFactory(title="Björk at Ziggo Dome", performers=[artist("Björk")])
    EventFactory(title="Radiohead at Ziggo Dome", performers=[artist("Radiohead")])
    EventFactory(title="Unrelated polka night", genres=["polka"])
    client_for(client, fan)
    assert recommended_titles(client) == ["Radiohead at Ziggo Dome", "Björk at Ziggo Dome"]


def test_a_show_in_a_genre_the_listener_plays_is_recommended(client, fan):
    EventFactory(title="Art rock all-nighter", performer_names=["Nobody We Know"], genres=["Art Rock"])
    client_for(client, fan)
    response = client.get(reverse("api:events-recommended")).json()
    assert [rec["event"]["title"] for rec in response] == ["Art rock all-nighter"]
    assert response[0]["because"] == ["You like art rock"]


def test_shows_in_the_listeners_country_rank_above_the_same_artist_abroad(client, fan):
    EventFactory(title="Radiohead in Berlin", performers=[artist("Radiohead")], city="Berlin", country="DE")
    EventFactory(title="Radiohead in Amsterdam", performers=[artist("Radiohead")])
    client_for(client, fan)
    assert recommended_titles(client) == ["Radiohead in Amsterdam", "Radiohead in Berlin"]


def test_a_show_in_the_listeners_own_city_ranks_above_the_same_artist_elsewhere_in_the_country(client, fan):
    fan.city = "utrecht"
    fan.save()
    soon = EventFactory(title="Radiohead in Amsterdam", performers=[artist("Radiohead")])
    EventFactory(title="Radiohead in Utrecht", performers=[artist("Radiohead")], city="Utrecht",
                 starts_at=soon.starts_at + timedelta(days=7))
    client_for(client, fan)
    assert recommended_titles(client) == ["Radiohead in Utrecht", "Radiohead in Amsterdam"]


def test_cancelled_no_longer_listed_and_unapproved_shows_are_not_recommended(client, fan, promoter):
    EventFactory(title="Radiohead cancelled", performers=[artist("Radiohead")], status=Event.Status.CANCELLED)
    EventFactory(title="Radiohead gone", performers=[artist("Radiohead")], status=Event.Status.UNLISTED)
    PromoterEventFactory(title="Radiohead draft", promoter=promoter, moderation="draft",
                         performers=[artist("Radiohead")])
    client_for(client, fan)
    assert recommended_titles(client) == []


def test_a_listener_with_no_history_gets_no_recommendations_but_the_page_works(client, other_listener):
    EventFactory(title="Radiohead at Ziggo Dome", performer_names=["Radiohead"])
    client_for(client, other_listener)
    page = client.get(reverse("events:search")).content.decode()
    assert "Recommended for you" not in page and "Radiohead at Ziggo Dome" in page
    assert client.get(reverse("api:events-recommended")).json() == []


def test_matching_sponsored_shows_are_mixed_in_and_labelled(client, fan, promoter, django_assert_max_num_queries):
    EventFactory(title="Radiohead at Ziggo Dome", performers=[artist("Radiohead")])
    EventFactory(title="Björk at Ziggo Dome", performers=[artist("Björk")])
    PromoterEventFactory(title="Sponsored for Dutch art rock fans", promoter=promoter, sponsored=True,
                         target_countries=["NL"], target_genres=["Art Rock"], target_age_min=18, target_age_max=35)
    PromoterEventFactory(title="Sponsored for Germans", promoter=promoter, sponsored=True, target_countries=["DE"])
    PromoterEventFactory(title="Sponsored for over-40s", promoter=promoter, sponsored=True, target_age_min=40)
    PromoterEventFactory(title="Sponsored for jazz fans", promoter=promoter, sponsored=True, target_genres=["jazz"])
    PromoterEventFactory(title="Sponsored pending review", promoter=promoter, sponsored=True, moderation="pending")
    client_for(client, fan)
    with django_assert_max_num_queries(16):
        response = client.get(reverse("api:events-recommended"))
    recs = [(rec["event"]["title"], rec["sponsored"]) for rec in response.json()]
    assert recs == [("Radiohead at Ziggo Dome", False), ("Sponsored for Dutch art rock fans", True),
                    ("Björk at Ziggo Dome", False)]

    with django_assert_max_num_queries(25):
        page = client.get(reverse("events:search")).content.decode()
    recommended = page.split('id="recommended-heading"')[1].split('id="results-heading"')[0]
    assert "Sponsored</mark> <a" in recommended and "Sponsored for Dutch art rock fans" in recommended
    assert "Sponsored for Germans" not in recommended and "over-40s" not in recommended


def test_a_sponsored_show_for_listeners_of_an_artist_reaches_them(client, fan, other_listener, promoter):
    PromoterEventFactory(title="For Björk listeners", promoter=promoter, sponsored=True,
                         target_artists=[artist("Björk")])
    client_for(client, fan)
    assert recommended_titles(client) == ["For Björk listeners"]
    client_for(client, other_listener)
    assert recommended_titles(client) == []


def test_an_empty_criterion_matches_everyone_and_every_set_one_must_match(fan, other_listener, promoter):
    untargeted = PromoterEventFactory(promoter=promoter, sponsored=True)
    assert listener_matches(untargeted, fan) and listener_matches(untargeted, other_listener)
    assert listener_matches(untargeted, None)

    dutch_art_rock = PromoterEventFactory(promoter=promoter, sponsored=True, target_countries=["NL"],
                                          target_genres=["ART ROCK"])
    assert listener_matches(dutch_art_rock, fan)
    assert not listener_matches(dutch_art_rock, other_listener)  # no country, no plays

    young = PromoterEventFactory(promoter=promoter, sponsored=True, target_age_min=18, target_age_max=24)
    assert not listener_matches(young, fan)  # 25
    assert not listener_matches(young, other_listener)  # age unknown

    radiohead_fans = PromoterEventFactory(promoter=promoter, sponsored=True, target_artists=[artist("Radiohead")])
    assert listener_matches(radiohead_fans, fan)
    assert not listener_matches(radiohead_fans, other_listener)


def test_a_show_by_the_listeners_top_two_artists_is_recommended_first_with_why(client, listener, promoter):
    """Fetched before the listener's history named its artists, the show is linked to no catalog artist:
    it is found by its performers' names."""
    listens(listener, {"Ruth B.": 30, "Dean Lewis": 12, "Someone Else": 2})
    EventFactory(title="Ruth B. and Dean Lewis", performer_names=["Ruth B.", "Dean  Lewis"])
    PromoterEventFactory(title="A sponsored show", promoter=promoter, sponsored=True)
    client_for(client, listener)

    response = client.get(reverse("api:events-recommended")).json()

    assert [(rec["event"]["title"], rec["because"]) for rec in response] == [
        ("Ruth B. and Dean Lewis", ["You played Ruth B. 30 times", "You played Dean Lewis 12 times"]),
        ("A sponsored show", []),
    ]
    page = client.get(reverse("events:search")).content.decode()
    assert "You played Ruth B. 30 times · You played Dean Lewis 12 times" in page


def test_what_the_listener_plays_lately_weighs_more_than_what_they_played_years_ago(client, listener):
    listens(listener, {"Old Favourite": 20}, days_ago=1500)
    listens(listener, {"New Love": 12}, days_ago=20)
    EventFactory(title="Old Favourite live", performer_names=["Old Favourite"])
    EventFactory(title="New Love live", performer_names=["New Love"])
    client_for(client, listener)
    response = client.get(reverse("api:events-recommended")).json()
    assert [(rec["event"]["title"], rec["because"]) for rec in response] == [
        ("New Love live", ["You played New Love 12 times"]),
        ("Old Favourite live", ["You played Old Favourite 20 times"]),
    ]


def test_shows_in_the_genres_a_listener_says_they_like_are_recommended_by_tag_words(client, other_listener):
    other_listener.interests = ["Indie", "jazz"]
    other_listener.save()
    EventFactory(title="Indie-Pop all-nighter", genres=["Indie-Pop"])
    EventFactory(title="Hindie film songs", genres=["Hindie"])
    client_for(client, other_listener)
    response = client.get(reverse("api:events-recommended")).json()
    assert [(rec["event"]["title"], rec["because"]) for rec in response] == [
        ("Indie-Pop all-nighter", ["You like Indie"]),
    ]


def test_sponsored_shows_never_take_a_taste_matchs_place_and_say_sponsored_once(client, fan, promoter):
    for n in range(RECOMMENDED):
        EventFactory(title=f"Radiohead night {n}", performers=[artist("Radiohead")])
    PromoterEventFactory(title="Gala night", promoter=promoter, sponsored=True)
    client_for(client, fan)

    response = client.get(reverse("api:events-recommended")).json()
    page = client.get(reverse("events:search")).content.decode()

    titles = [rec["event"]["title"] for rec in response]
    assert sorted(titles) == sorted([f"Radiohead night {n}" for n in range(RECOMMENDED)] + ["Gala night"])
    card = re.search(r"<article[^>]*>(?:(?!</article>).)*Gala night</a>(?:(?!</article>).)*</article>", page, re.S)
    assert card.group(0).count("Sponsored") == 1


def test_a_recommended_show_is_not_listed_again_under_coming_up_on_any_page(client, fan):
    EventFactory(title="Radiohead at Ziggo Dome", performers=[artist("Radiohead")], starts_at=in_days(3))
    for n in range(PAGE + 5):
        EventFactory(title=f"Other show {n}", starts_at=in_days(2 + n))
    client_for(client, fan)

    page = client.get(reverse("events:search")).content.decode()
    more = client.get(reverse("events:search-more"), {"offset": PAGE}).content.decode()

    coming_up = page.split('id="results-heading"')[1]
    assert page.count("Radiohead at Ziggo Dome</a>") == 1 and "Radiohead at Ziggo Dome" not in coming_up
    assert "Radiohead at Ziggo Dome" not in more
    shown = re.findall(r">(Other show \d+)</a>", coming_up + more)
    assert sorted(shown) == sorted(f"Other show {n}" for n in range(PAGE + 5))
