"""A promoter's sponsored event in a real browser: created (after a bad date), submitted, approved by staff,
recommended as Sponsored to a listener it targets (who opens and saves it), and that view and save in the
promoter's analytics chart once the metrics task has run."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from events.metrics import event_metrics_aggregate
from events.models import Event, EventInteraction
from tests.factories import UserFactory

pytestmark = pytest.mark.browser


def fill_event(page, starts):
    page.get_by_label("Title:").fill("Warehouse Sessions")
    page.get_by_label("Venue:").fill("De School")
    page.get_by_label("City:").fill("Amsterdam")
    page.get_by_label("Country:").select_option("NL")
    page.locator("#id_starts_at_0").fill(starts.strftime("%Y-%m-%d"))
    page.locator("#id_starts_at_1").fill("21:00:00")
    page.get_by_label("Ticket url:").fill("https://tickets.example/warehouse")
    page.get_by_label("Sponsored").check()
    page.get_by_label("Target countries:").fill("NL")


def test_a_promoter_creates_an_event_staff_approve_it_and_the_promoter_sees_its_analytics(
    page, sign_in, promoter, staff, axe
):
    sign_in(promoter)
    page.goto("/")
    page.get_by_role("link", name="Promoter console").click()
    page.get_by_role("link", name="Create an event").click()

    fill_event(page, timezone.localtime() - timedelta(days=2))
    page.get_by_role("button", name="Save and submit for review").click()
    expect(page.get_by_text("The event must start in the future.")).to_be_visible()
    assert not axe(), axe()
    assert not Event.objects.exists()

    page.locator("#id_starts_at_0").fill((timezone.localtime() + timedelta(days=14)).strftime("%Y-%m-%d"))
    page.get_by_role("button", name="Save and submit for review").click()
    expect(page.get_by_text("“Warehouse Sessions” is saved and waiting for review.")).to_be_visible()
    expect(page.get_by_role("row", name="Warehouse Sessions").get_by_text("Waiting for review")).to_be_visible()
    event = Event.objects.get()
    assert event.promoter == promoter and event.moderation == Event.Moderation.PENDING

    sign_in(staff)
    page.goto("/admin/events/event/?moderation=pending")
    page.get_by_role("row", name="Warehouse Sessions").get_by_role("checkbox").check()
    page.get_by_label("Action:").select_option("approve")
    page.get_by_role("button", name="Go").click()
    expect(page.get_by_text("Approved 1 event; its promoter is told.")).to_be_visible()
    event.refresh_from_db()
    assert event.moderation == Event.Moderation.APPROVED

    # A listener elsewhere is not targeted; one in the Netherlands gets it among their recommendations.
    sign_in(UserFactory(country="DE"))
    page.goto("/events/")
    expect(page.get_by_role("list", name="Recommended for you").get_by_text("Warehouse Sessions")).to_have_count(0)
    sign_in(UserFactory(country="NL"))
    page.goto("/events/")
    recommended = page.get_by_role("list", name="Recommended for you").get_by_role("listitem").filter(
        has_text="Warehouse Sessions")
    expect(recommended.get_by_role("mark")).to_have_text("Sponsored")
    recommended.get_by_role("link", name="Warehouse Sessions").click()
    page.get_by_role("button", name="Save Warehouse Sessions").click()
    expect(page.get_by_role("button", name="Unsave Warehouse Sessions")).to_be_visible()
    event_metrics_aggregate()  # what the beat task runs
    impressions = EventInteraction.objects.filter(event=event, kind="impression").count()
    assert impressions >= 1

    sign_in(promoter)
    page.goto("/promoter/events/event/")
    expect(page.get_by_role("row", name="Warehouse Sessions").get_by_text("Approved")).to_be_visible()
    page.get_by_role("link", name="Analytics for Warehouse Sessions").click()
    chart = page.get_by_role("img", name="Interactions per day")
    expect(chart).to_be_visible()
    today = timezone.now()
    expect(chart).to_have_attribute("aria-label", f"Interactions per day. {today.day} {today:%b}: {impressions} "
                                    f"impression{'s' if impressions != 1 else ''}, 1 detail view, 1 save, 0 ticket clicks")
    expect(chart.locator("rect.bar-views")).to_have_attribute("data-value", "1")
    expect(chart.locator("rect.bar-saves")).to_have_attribute("data-value", "1")
    assert not axe(), axe()


def test_a_show_entered_far_from_its_venue_reads_the_venues_clock_for_the_listener_and_staff(
    page, sign_in, promoter, staff, settings
):
    """The issue's report: 20:00 entered for a New York venue showed 14:00 on the public page and 19:00 in the
    staff admin, where saving it would have moved it. Nobody here, nor the server, is in New York."""
    settings.TIME_ZONE = "Asia/Kolkata"
    promoter.time_zone, staff.time_zone = "Europe/Amsterdam", "Pacific/Auckland"
    promoter.save(update_fields=["time_zone"])
    staff.save(update_fields=["time_zone"])
    day = timezone.now().date() + timedelta(days=20)
    when = f"{day:%A} {day.day} {day:%B %Y}, 20:00"

    sign_in(promoter)
    page.goto("/promoter/events/event/add/")
    fill_event(page, day)
    page.locator("#id_starts_at_1").fill("20:00:00")
    page.get_by_label("Venue:").fill("Bowery Ballroom")
    page.get_by_label("City:").fill("New York")
    page.get_by_label("Country:").select_option("US")
    page.get_by_role("button", name="Save and submit for review").click()
    expect(page.get_by_text("United States of America has several time zones: choose the venue's.")).to_be_visible()
    page.get_by_label("Venue time zone:").select_option("America/New_York")
    page.get_by_role("button", name="Save and submit for review").click()
    row = page.get_by_role("row", name="Warehouse Sessions")
    expect(row).to_contain_text(f"{day:%a} {day.day} {day:%b %Y}, 20:00 E")  # EDT or EST, as that day is
    event = Event.objects.get()
    abbreviation = event.starts_at.astimezone(ZoneInfo("America/New_York")).tzname()

    sign_in(staff)
    page.goto(f"/admin/events/event/{event.pk}/change/")
    expect(page.locator("#id_starts_at_1")).to_have_value("20:00:00")
    page.get_by_label("Title:").fill("Warehouse Sessions NYC")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("was changed successfully")).to_be_visible()
    moved = Event.objects.get()
    assert moved.title == "Warehouse Sessions NYC" and moved.starts_at == event.starts_at
    Event.objects.filter(pk=event.pk).update(moderation=Event.Moderation.APPROVED)

    sign_in(UserFactory(country="US", time_zone="Asia/Kolkata"))
    page.goto(f"/events/{event.public_id}/")
    expect(page.get_by_role("definition").filter(has_text="20:00")).to_contain_text(f"{when} {abbreviation}")
