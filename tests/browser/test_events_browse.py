"""Events at a desktop's and a phone's width: a visitor browses and saves (signing in on the way), a listener
sees why each show is recommended and no show twice, and a promoter types prices in euros."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from events.models import Event, SavedEvent
from listening.models import Artist
from tests.events.factories import EventFactory, listens
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser

VIEWPORTS = {"desktop": {"width": 1366, "height": 768}, "phone": {"width": 390, "height": 844}}


@pytest.fixture(params=VIEWPORTS, ids=list(VIEWPORTS))
def sized(request, page):
    page.set_viewport_size(VIEWPORTS[request.param])
    return page


def test_a_visitor_browses_events_and_saving_one_signs_them_in_and_saves_it(sized, listener, axe):
    page = sized
    EventFactory(title="Amsterdam Sessions", country="NL")
    EventFactory(title="Berlin Nights", city="Berlin", country="DE", venue="Columbiahalle")

    page.goto("/")
    page.get_by_role("link", name="Browse concerts").click()
    page.get_by_label("Country").select_option(label="Germany")
    page.get_by_role("button", name="Search", exact=True).click()
    results = page.get_by_role("list", name="Events found")
    expect(results.get_by_role("link", name="Berlin Nights")).to_be_visible()
    expect(results.get_by_role("link", name="Amsterdam Sessions")).to_have_count(0)
    assert not axe(), axe()

    results.get_by_role("button", name="Save Berlin Nights").click()
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    page.get_by_label("Email").fill(listener.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    expect(page).to_have_url(re.compile(r"/events/\?.*country=DE"))
    found = page.get_by_role("list", name="Events found")
    expect(found.get_by_role("button", name="Unsave Berlin Nights")).to_be_visible()
    assert SavedEvent.objects.filter(user=listener, event__title="Berlin Nights").exists()


def test_recommended_shows_say_why_and_no_show_is_listed_twice(sized, sign_in, listener, promoter, axe):
    page = sized
    listens(listener, {"Ruth B.": 30, "Dean Lewis": 12})
    listener.interests = ["indie"]
    listener.save()
    EventFactory(title="Ruth B. live", performer_names=["Ruth B."], starts_at=timezone.now() + timedelta(days=5))
    EventFactory(title="Indie pop night", genres=["Indie Pop"], starts_at=timezone.now() + timedelta(days=6))
    EventFactory(title="Sponsored gala", source=Event.Source.INTERNAL, external_id="", promoter=promoter,
                 sponsored=True, starts_at=timezone.now() + timedelta(days=7))
    EventFactory(title="Something else", starts_at=timezone.now() + timedelta(days=8))
    assert Artist.objects.filter(name="Ruth B.").exists()
    sign_in(listener)

    page.goto("/events/")

    recommended = page.get_by_role("list", name="Recommended for you")
    ruth = recommended.get_by_role("listitem").filter(has_text="Ruth B. live")
    expect(ruth.get_by_text("You played Ruth B. 30 times")).to_be_visible()
    indie = recommended.get_by_role("listitem").filter(has_text="Indie pop night")
    expect(indie.get_by_text("You like indie")).to_be_visible()
    gala = recommended.get_by_role("listitem").filter(has_text="Sponsored gala")
    expect(gala.locator("mark", has_text="Sponsored")).to_have_count(1)
    for title in ("Ruth B. live", "Indie pop night", "Sponsored gala", "Something else"):
        expect(page.get_by_role("link", name=title, exact=True)).to_have_count(1)
    assert not axe(), axe()


def test_a_promoter_types_prices_in_euros_and_picks_currency_country_and_zone(sized, sign_in, promoter):
    page = sized
    sign_in(promoter)
    page.goto("/promoter/events/event/add/")
    page.get_by_label("Title:").fill("Warehouse Sessions")
    page.get_by_label("Venue:").fill("De School")
    page.get_by_label("City:").fill("Amsterdam")
    page.get_by_label("Country:").select_option(label="Netherlands")
    page.get_by_label("Venue time zone:").select_option("Europe/Amsterdam")
    page.locator("#id_starts_at_0").fill((timezone.localtime() + timedelta(days=14)).strftime("%Y-%m-%d"))
    page.locator("#id_starts_at_1").fill("21:00:00")
    page.get_by_label("Lowest price:").fill("25.505")
    page.get_by_label("Highest price:").fill("40")
    page.get_by_label("Currency:").select_option("EUR")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("EUR prices are at most 2 decimal places, such as 25.50.")).to_be_visible()

    page.get_by_label("Lowest price:").fill("25.50")
    page.get_by_role("button", name="Save", exact=True).click()
    event = Event.objects.get(title="Warehouse Sessions")
    assert (event.price_min_cents, event.price_max_cents, event.currency) == (2550, 4000, "EUR")

    page.goto(f"/promoter/events/event/{event.pk}/change/")
    expect(page.get_by_label("Lowest price:")).to_have_value("25.50")
    expect(page.get_by_label("Highest price:")).to_have_value("40.00")
    page.goto(f"/events/{event.public_id}/")
    expect(page.get_by_text("25.50 EUR – 40.00 EUR")).to_be_visible()
