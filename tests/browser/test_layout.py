"""The site's frame in a real browser: the main menu folds into a Menu button on a phone, the events filters
are a tidy grid on a desktop and on a phone, and browsers asking for /favicon.ico get one."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.test_accessibility import VIEWPORTS, fits_the_width

pytestmark = pytest.mark.browser


def test_on_a_phone_the_main_menu_folds_into_a_menu_button(page, sign_in, promoter):
    page.set_viewport_size(VIEWPORTS["phone"])
    sign_in(promoter)
    page.goto("/events/")
    menu = page.get_by_role("navigation", name="Main")
    toggle = menu.get_by_role("button", name="Menu")

    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(menu.get_by_role("link", name="Stats")).to_be_hidden()
    assert fits_the_width(page)

    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    for name in ("Home", "Stats", "Import", "Library", "Events", "Promoter console", "Profile"):
        expect(menu.get_by_role("link", name=name, exact=True)).to_be_visible()
    expect(menu.get_by_role("button", name="Log out")).to_be_visible()
    assert fits_the_width(page)

    page.keyboard.press("Escape")
    expect(menu.get_by_role("link", name="Stats")).to_be_hidden()
    expect(toggle).to_be_focused()

    toggle.click()
    menu.get_by_role("link", name="Stats").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Your listening")


def test_on_a_small_laptop_the_main_menu_folds_rather_than_wrapping(page, sign_in, staff):
    page.set_viewport_size({"width": 1152, "height": 720})
    sign_in(staff)
    page.goto("/billing/")
    menu = page.get_by_role("navigation", name="Main")

    expect(menu.get_by_role("link", name="Billing")).to_be_hidden()
    menu.get_by_role("button", name="Menu").click()
    expect(menu.get_by_role("link", name="Billing")).to_be_visible()
    assert fits_the_width(page)


def test_on_a_desktop_the_main_menu_shows_every_link_without_a_menu_button(page, sign_in, promoter):
    page.set_viewport_size(VIEWPORTS["desktop"])
    sign_in(promoter)
    page.goto("/events/")
    menu = page.get_by_role("navigation", name="Main")

    expect(menu.get_by_role("button", name="Menu")).to_be_hidden()
    for name in ("Home", "Stats", "Import", "Library", "Events", "Promoter console", "Profile"):
        expect(menu.get_by_role("link", name=name, exact=True)).to_be_visible()
    expect(menu.get_by_role("button", name="Log out")).to_be_visible()
    box = menu.bounding_box()
    assert box["height"] < 100, "the menu wrapped onto a second line"


FILTERS = ("Keyword", "Country", "City", "From", "To", "Genre", "Sort by")


def overlapping(a: dict, b: dict) -> bool:
    return (a["x"] < b["x"] + b["width"] and b["x"] < a["x"] + a["width"]
            and a["y"] < b["y"] + b["height"] and b["y"] < a["y"] + a["height"])


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_the_events_filters_are_a_grid_of_readable_boxes_with_a_plain_search_button(page, sign_in, listener,
                                                                                      viewport):
    page.set_viewport_size(VIEWPORTS[viewport])
    sign_in(listener)
    # A bad date: the error under its box must not stretch the others or the button.
    for url in ("/events/", "/events/?start=2020-13-45&sort=relevance"):
        page.goto(url)
        search = page.get_by_role("search", name="Search events")
        boxes = {name: search.get_by_label(re.compile(f"^{name}")).bounding_box() for name in FILTERS}
        button = search.get_by_role("button", name="Search").bounding_box()

        for name, box in boxes.items():
            # 9rem shows a whole date, "Relevance" or "Any country"; the broken bar showed "0", "n" and "D".
            assert box["width"] >= 144, f"{name} is {box['width']} px wide at {url}"
            assert box["x"] >= 0 and box["x"] + box["width"] <= VIEWPORTS[viewport]["width"], f"{name} is cut off"
        for name, box in [*boxes.items(), ("Search", button)]:
            for other, other_box in boxes.items():
                assert name == other or not overlapping(box, other_box), f"{name} covers {other} at {url}"
        assert abs(button["height"] - boxes["City"]["height"]) <= 2, f"the Search button is {button} at {url}"
        assert button["width"] >= 2 * button["height"]
        assert fits_the_width(page)
    expect(search.get_by_text("Enter a valid date.")).to_be_visible()


def test_browsers_asking_for_favicon_ico_get_the_icon_the_admin_pages_link(page, sign_in, staff):
    sign_in(staff)
    page.goto("/admin/")

    icon = page.request.get("/favicon.ico")
    assert icon.ok and icon.headers["content-type"] in ("image/x-icon", "image/vnd.microsoft.icon")
    assert icon.body()[:4] == b"\x00\x00\x01\x00"  # an ICO file's header
    linked = page.locator("link[rel=icon]").get_attribute("href")
    svg = page.request.get(linked)
    assert svg.ok and svg.headers["content-type"].startswith("image/svg+xml")
