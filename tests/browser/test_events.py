"""Events in a real browser: a listener searches by country, saves a show, and finds it in their saved events."""

import pytest
from playwright.sync_api import expect

from events.models import SavedEvent
from tests.events.factories import EventFactory

pytestmark = pytest.mark.browser


def test_a_listener_searches_by_country_saves_an_event_and_sees_it_in_saved(page, sign_in, listener, axe):
    EventFactory(title="Amsterdam Sessions", city="Amsterdam", country="NL")
    EventFactory(title="Berlin Nights", city="Berlin", country="DE", venue="Columbiahalle")
    sign_in(listener)
    page.goto("/")
    page.get_by_role("link", name="Events").click()
    expect(page.get_by_role("heading", name="Events", level=1)).to_be_visible()

    page.get_by_label("Country").select_option(label="Netherlands")
    page.get_by_role("button", name="Search", exact=True).click()
    results = page.get_by_role("list", name="Events found")
    expect(results.get_by_role("link", name="Amsterdam Sessions")).to_be_visible()
    expect(results.get_by_role("link", name="Berlin Nights")).to_have_count(0)
    assert not axe(), axe()

    results.get_by_role("button", name="Save Amsterdam Sessions").click()
    expect(results.get_by_role("button", name="Unsave Amsterdam Sessions")).to_be_visible()
    assert SavedEvent.objects.filter(user=listener, event__title="Amsterdam Sessions").exists()

    page.get_by_role("link", name="Your saved events").click()
    upcoming = page.get_by_role("list", name="Upcoming saved events")
    expect(upcoming.get_by_role("link", name="Amsterdam Sessions")).to_be_visible()
    expect(page.get_by_text("Berlin Nights")).to_have_count(0)
