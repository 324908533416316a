"""Signing up, in and out, editing the profile, upgrading a guest and Spotify sign-in, in a real browser."""

import re

import pytest
from playwright.sync_api import expect

from accounts.models import User
from tests.factories import GuestFactory

pytestmark = pytest.mark.browser

NEW_PASSWORD = "vinyl crackle at midnight"


def log_in(page, email, password):
    page.goto("/accounts/login/")
    page.get_by_label("Email:").fill(email)
    page.get_by_label("Password:").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def log_out(page):
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("link", name="Log in")).to_be_visible()


def confirm_address(page, mailoutbox, email):
    """Follow the link in the newest email to `email` and confirm the address."""
    mail = [mail for mail in mailoutbox if mail.to == [email]][-1]
    page.goto(re.search(r"http://\S+/accounts/confirm-email/\S+/", mail.body).group(0))
    page.get_by_role("button", name="Confirm").click()


def test_a_listener_signs_up_logs_in_and_picks_their_country(page, mailoutbox):
    page.goto("/accounts/signup/")
    page.get_by_label("Email:").fill("nina@example.com")
    page.get_by_label("Password:").fill(NEW_PASSWORD)
    page.get_by_label("Password (again):").fill(NEW_PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Sign up").click()
    expect(page.get_by_role("heading", name="Verify your email address")).to_be_visible()
    confirm_address(page, mailoutbox, "nina@example.com")
    expect(page.get_by_role("heading", name="Welcome to Re-Wrapped")).to_be_visible()
    log_out(page)

    log_in(page, "nina@example.com", NEW_PASSWORD)
    page.get_by_role("link", name="Profile").click()
    page.get_by_label("Country:").select_option(label="Netherlands")
    page.get_by_role("button", name="Save profile").click()
    expect(page.get_by_role("status").get_by_text("Profile saved.")).to_be_visible()
    expect(page.get_by_label("Country:")).to_have_value("NL")
    log_out(page)

    user = User.objects.get(email="nina@example.com")
    assert user.role == User.Role.REGULAR
    assert user.country.code == "NL"


def test_a_guest_adds_an_email_and_password_and_logs_in_with_them(page, sign_in, mailoutbox):
    guest = GuestFactory(display_name="Gus Guest")
    sign_in(guest)

    page.goto("/profile/upgrade/")
    page.get_by_label("Email:").fill("gus@example.com")
    page.get_by_label("Password:").fill(NEW_PASSWORD)
    page.get_by_label("Password (again):").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Upgrade my account").click()
    expect(page.get_by_text("Your account is upgraded.")).to_be_visible()
    expect(page.get_by_text("gus@example.com · Regular")).to_be_visible()

    guest.refresh_from_db()
    assert guest.role == User.Role.REGULAR
    assert guest.email == "gus@example.com"

    confirm_address(page, mailoutbox, "gus@example.com")
    log_out(page)
    log_in(page, "gus@example.com", NEW_PASSWORD)
    expect(page.get_by_role("heading", name="Hi Gus Guest")).to_be_visible()


def test_continue_with_spotify_signs_a_new_listener_in_as_a_guest(page, spotify, settings, live_server):
    settings.SPOTIFY_REDIRECT_URI = live_server.url + "/accounts/spotify/login/callback/"
    spotify.add_user()
    spotify.sign_in_as("wizzler")

    page.goto("/accounts/login/")
    page.get_by_role("button", name="Continue with Spotify").click()

    expect(page.get_by_role("heading", name="Welcome to Re-Wrapped, JM Wizzler")).to_be_visible()
    expect(page.get_by_role("link", name="Add an email and password")).to_be_visible()
    user = User.objects.get(socialaccount__uid="wizzler")
    assert user.role == User.Role.GUEST
    assert user.display_name == "JM Wizzler"
    assert spotify.count("POST", "/api/token", grant_type="authorization_code") == 1
