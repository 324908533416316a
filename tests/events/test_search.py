"""The events page and search API: every filter together, both orders, infinite scroll, and only listed
events (cancelled ones shown as cancelled)."""

from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.postgres.search import SearchQuery
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from events.models import Event
from events.selectors import EventFilters, event_search, listed_events
from listening.models import Artist
from tests.conftest import client_for
from tests.events.factories import EventFactory, PromoterEventFactory, listens
from tests.promoters.conftest import image_upload

pytestmark = pytest.mark.django_db


def in_days(days: int):
    return timezone.now() + timedelta(days=days)


def titles(response) -> list[str]:
    return [event["title"] for event in response.json()["results"]]


@pytest.fixture
def shows():
    EventFactory(title="Radiohead live", performer_names=["Radiohead"], city="Amsterdam", country="NL",
                 genres=["Alternative Rock"], starts_at=in_days(10))
    EventFactory(title="Radiohead live", performer_names=["Radiohead"], city="Berlin", country="DE",
                 venue="Columbiahalle", genres=["Alternative Rock"], starts_at=in_days(11))
    EventFactory(title="Jazz in the park", performer_names=["Kamasi Washington"], city="Rotterdam", country="NL",
                 genres=["Jazz"], starts_at=in_days(20))
    EventFactory(title="A night of Radiohead covers", performer_names=["The Karma Police"], city="Amsterdam",
                 country="NL", genres=["Rock"], starts_at=in_days(5))
    EventFactory(title="Radiohead last year", performer_names=["Radiohead"], country="NL", starts_at=in_days(-300))


def test_the_events_page_lists_upcoming_shows_soonest_first(client, listener, shows, django_assert_max_num_queries):
    client_for(client, listener)
    with django_assert_max_num_queries(20):
        response = client.get(reverse("events:search"))
    assert response.status_code == 200
    page = response.content.decode()
    assert page.index("A night of Radiohead covers") < page.index("Jazz in the park")
    assert "Radiohead last year" not in page


def test_keyword_country_city_dates_and_genre_filter_together(client, listener, shows):
    client_for(client, listener)
    query = {"q": "radiohead", "country": "NL", "city": "amsterdam", "genre": "alternative rock",
             "start": f"{in_days(1):%Y-%m-%d}", "end": f"{in_days(15):%Y-%m-%d}"}
    response = client.get(reverse("api:events-search"), query)
    assert response.status_code == 200
    assert titles(response) == ["Radiohead live"]
    assert response.json()["results"][0]["city"] == "Amsterdam"

    page = client.get(reverse("events:search"), query).content.decode()
    assert "Radiohead live" in page and "A night of Radiohead covers" not in page and "Berlin" not in page


def test_relevance_ranks_every_match_not_only_the_soonest(client, listener):
    soon = timezone.now() + timedelta(days=1)
    Event.objects.bulk_create([
        EventFactory.build(title=f"Tribute night {n}", venue="Radiohead Bar", external_id=f"tribute-{n}",
                           starts_at=soon + timedelta(minutes=n))
        for n in range(1500)
    ])
    EventFactory(title="Radiohead", performer_names=["Radiohead"], starts_at=soon + timedelta(days=300))
    client_for(client, listener)

    by_relevance = titles(client.get(reverse("api:events-search"), {"q": "radiohead", "sort": "relevance"}))

    assert by_relevance[0] == "Radiohead"


def test_a_date_range_reaches_past_shows(client, listener, shows):
    client_for(client, listener)
    response = client.get(reverse("api:events-search"), {
        "q": "radiohead", "start": f"{in_days(-400):%Y-%m-%d}", "end": f"{in_days(-1):%Y-%m-%d}",
    })
    assert titles(response) == ["Radiohead last year"]


def test_relevance_puts_the_title_and_performer_match_first(client, listener, shows):
    client_for(client, listener)
    by_date = titles(client.get(reverse("api:events-search"), {"q": "radiohead", "sort": "date"}))
    by_relevance = titles(client.get(reverse("api:events-search"), {"q": "radiohead"}))
    assert by_date[0] == "A night of Radiohead covers"
    assert by_relevance[0] == "Radiohead live"
    assert sorted(by_date) == sorted(by_relevance)


def test_keywords_match_venues_and_genres_too(client, listener, shows):
    client_for(client, listener)
    assert titles(client.get(reverse("api:events-search"), {"q": "columbiahalle"})) == ["Radiohead live"]
    assert titles(client.get(reverse("api:events-search"), {"q": "jazz"})) == ["Jazz in the park"]


def test_only_approved_events_are_listed_and_cancelled_ones_say_so(client, listener, promoter):
    for state in ("draft", "pending", "rejected"):
        PromoterEventFactory(title=f"Secret {state} show", promoter=promoter, moderation=state)
    EventFactory(title="Called off show", status=Event.Status.CANCELLED)
    client_for(client, listener)
    page = client.get(reverse("events:search")).content.decode()
    assert "Secret" not in page
    assert "Called off show" in page and "Cancelled" in page
    api = client.get(reverse("api:events-search"), {"q": "secret"})
    assert titles(api) == []
    assert titles(client.get(reverse("api:events-search"), {"q": "called"})) == ["Called off show"]
    assert client.get(reverse("api:events-search"), {"q": "called"}).json()["results"][0]["status"] == "cancelled"


def test_infinite_scroll_pages_follow_on_without_repeats(client, listener, django_assert_max_num_queries):
    for day in range(45):
        EventFactory(title=f"Gig {day:02d}", starts_at=in_days(day + 1))
    client_for(client, listener)
    page = client.get(reverse("events:search"), {"country": "NL"}).content.decode()
    assert "Gig 00" in page and "Gig 19" in page and "Gig 20" not in page
    more = reverse("events:search-more")
    assert f'hx-get="{more}?country=NL&amp;offset=20"' in page

    with django_assert_max_num_queries(8):
        second = client.get(more, {"country": "NL", "offset": 20}, headers={"HX-Request": "true"})
    assert second.status_code == 200
    rows = second.content.decode()
    assert "Gig 20" in rows and "Gig 39" in rows and "Gig 19" not in rows and "offset=40" in rows
    last = client.get(more, {"country": "NL", "offset": 40}).content.decode()
    assert "Gig 44" in last and "hx-get" not in last


def test_the_api_pages_with_next_links(client, listener, django_assert_max_num_queries):
    for day in range(5):
        EventFactory(title=f"Gig {day}", starts_at=in_days(day + 1))
    client_for(client, listener)
    with django_assert_max_num_queries(8):
        first = client.get(reverse("api:events-search"), {"limit": 3})
    assert titles(first) == ["Gig 0", "Gig 1", "Gig 2"]
    second = client.get(first.json()["next"])
    assert titles(second) == ["Gig 3", "Gig 4"]
    assert second.json()["next"] is None


@pytest.mark.parametrize("query, field", [
    ({"start": "2026-13-01"}, "start"),
    ({"start": "2030-05-02", "end": "2030-05-01"}, "end"),
    ({"country": "XX"}, "country"),
    ({"sort": "soonest"}, "sort"),
    ({"sort": "relevance"}, "sort"),
    ({"limit": 0}, "limit"),
])
def test_bad_search_input_is_a_400_naming_the_field(client, listener, query, field):
    client_for(client, listener)
    response = client.get(reverse("api:events-search"), query)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"
    assert field in response.json()["error"]["fields"]


def test_bad_dates_on_the_page_show_a_form_error(client, listener):
    client_for(client, listener)
    response = client.get(reverse("events:search"), {"start": "2030-05-02", "end": "2030-05-01"})
    assert response.status_code == 400
    assert "The end date is before the start date." in response.content.decode()
    assert client.get(reverse("events:search-more"), {"offset": "lots"}).status_code == 400


def test_the_search_asks_the_text_and_genre_indexes(listener):
    EventFactory.create_batch(3)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # a three-row table is otherwise read whole
    by_keyword = listed_events().filter(
        search_document=SearchQuery("radiohead", config="simple", search_type="websearch"))
    by_genre = listed_events().filter(genre_words__contains=["rock"])
    assert "event_search_vector" in by_keyword.explain()
    assert "event_genre_words" in by_genre.explain()
    assert event_search(filters=EventFilters(q="radiohead", genre="rock", sort="relevance"), user=listener) == []


def test_an_events_page_shows_the_map_performers_price_and_ticket_button(
    client, listener, django_assert_max_num_queries
):
    listens(listener, {"Radiohead": 1})
    radiohead = Artist.objects.get(name="Radiohead")
    event = EventFactory(title="Radiohead live", performers=[radiohead],
                         performer_names=["Radiohead", "Support Act"],
                         latitude=52.36237, longitude=4.88385, price_min_cents=4500, price_max_cents=9000,
                         currency="EUR", starts_at=datetime(2030, 6, 1, 18, 30, tzinfo=UTC))
    client_for(client, listener)
    with django_assert_max_num_queries(10):
        page = client.get(reverse("events:detail", args=[event.public_id])).content.decode()
    assert "https://www.openstreetmap.org/?mlat=52.36237&amp;mlon=4.88385#map=16/52.36237/4.88385" in page
    assert f'href="{reverse("listening:item", args=["artists", radiohead.public_id])}">Radiohead</a>' in page
    assert "<li>Support Act</li>" in page
    assert "45.00 EUR – 90.00 EUR" in page
    assert "Saturday 1 June 2030, 20:30" in page  # the venue's clock, Amsterdam in summer
    assert f'href="{reverse("events:tickets", args=[event.public_id])}"' in page

    api = client.get(reverse("api:events-detail", args=[event.public_id])).json()
    assert api["ticket_url"] == event.ticket_url
    assert api["price"] == {"min_cents": 4500, "max_cents": 9000, "currency": "EUR"}
    assert api["performers"] == [{"id": str(radiohead.public_id), "name": "Radiohead"}]


def test_an_event_shows_its_providers_picture_only_from_the_providers_image_hosts(client, listener):
    pictured = EventFactory(image_url="https://s1.ticketm.net/dam/a/123/show_16_9.jpg")
    elsewhere = EventFactory(image_url="https://tracker.example.com/pixel.jpg")
    client_for(client, listener)

    page = client.get(reverse("events:detail", args=[pictured.public_id]))

    assert 'src="https://s1.ticketm.net/dam/a/123/show_16_9.jpg"' in page.content.decode()
    assert "https://s1.ticketm.net" in page["Content-Security-Policy"]
    assert "tracker.example.com" not in client.get(reverse("events:detail", args=[elsewhere.public_id])).content.decode()


def test_a_promoters_uploaded_picture_is_served_to_those_who_may_see_the_event(client, listener, promoter):
    listed = PromoterEventFactory(promoter=promoter, image=image_upload())
    waiting = PromoterEventFactory(promoter=promoter, image=image_upload(), moderation="pending")
    client_for(client, listener)

    page = client.get(reverse("events:detail", args=[listed.public_id])).content.decode()
    picture = client.get(reverse("events:image", args=[listed.public_id]))

    assert f'src="{reverse("events:image", args=[listed.public_id])}"' in page
    assert picture.status_code == 200 and picture["Content-Type"] == "image/png"
    assert b"".join(picture.streaming_content).startswith(b"\x89PNG")
    assert client.get(reverse("events:image", args=[waiting.public_id])).status_code == 404


def test_without_coordinates_the_map_searches_for_the_address(client, listener):
    event = EventFactory(venue="Paradiso", address="Weteringschans 6-8", city="Amsterdam", ticket_url="")
    client_for(client, listener)
    page = client.get(reverse("events:detail", args=[event.public_id])).content.decode()
    assert "openstreetmap.org/search?query=Paradiso%2C+Weteringschans+6-8%2C+Amsterdam%2C+Netherlands" in page
    assert ">Tickets</a>" not in page
