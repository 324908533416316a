"""Profile, guest upgrade, data export and account deletion, as the user does them."""

import re

import pytest
from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount, SocialToken
from axes.models import AccessAttempt
from django.contrib.sessions.models import Session
from django.utils import timezone

from accounts.models import Impersonation, User
from listening.models import DailyTrackPlays, HourlyListening, Play
from tests.conftest import client_for
from tests.factories import PASSWORD, GuestFactory, SpotifyTokenFactory, UserFactory, plays_add_for

GOOD_PROFILE = {
    "display_name": "Lena L.",
    "interests": "Indie Rock, jazz,  indie rock , K-Pop",
    "age": "29",
    "gender": "non_binary",
    "country": "NL",
    "occupation": "student",
    "time_zone": "Europe/Amsterdam",
}


def test_saving_a_profile_normalises_interests(client, listener):
    client_for(client, listener)

    response = client.post("/profile/", GOOD_PROFILE, follow=True)

    assert "Profile saved." in response.content.decode()
    listener.refresh_from_db()
    assert listener.interests == ["indie rock", "jazz", "k-pop"]
    assert listener.country.code == "NL"
    assert (listener.age, listener.gender, listener.time_zone) == (29, "non_binary", "Europe/Amsterdam")


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("country", "XX", "Choose a country from the list."),
        ("age", "12", "You must be at least 13"),
        ("age", "101", "Enter an age up to 100"),
        ("gender", "robot", "Select a valid choice"),
        ("occupation", "astronaut", "Select a valid choice"),
        ("time_zone", "Mars/Olympus", "Choose a time zone from the list, such as Europe/Amsterdam."),
    ],
)
def test_a_bad_profile_value_shows_a_field_error_and_saves_nothing(client, listener, field, value, message):
    client_for(client, listener)

    response = client.post("/profile/", {**GOOD_PROFILE, field: value})

    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert 'aria-invalid="true"' in response.content.decode()
    listener.refresh_from_db()
    assert listener.display_name == "Lena Listener"


def test_the_database_refuses_an_out_of_range_age_from_any_path(listener):
    from django.db import IntegrityError

    with pytest.raises(IntegrityError):
        User.objects.filter(pk=listener.pk).update(age=7)


def test_a_guest_upgrades_to_regular_and_keeps_their_spotify_connection(client, guest, spotify):
    SpotifyTokenFactory(account__user=guest)
    client_for(client, guest)

    response = client.post(
        "/profile/upgrade/",
        {"email": "gus@example.com", "password1": "a long new passphrase", "password2": "a long new passphrase"},
        follow=True,
    )

    assert "Your account is upgraded" in response.content.decode()
    guest.refresh_from_db()
    assert guest.role == User.Role.REGULAR
    assert guest.check_password("a long new passphrase")
    assert SocialAccount.objects.filter(user=guest).exists()
    assert EmailAddress.objects.get(user=guest).email == "gus@example.com"
    # Still signed in after the password change rotated the session hash.
    assert client.get("/profile/").status_code == 200


def test_an_upgraded_guest_signs_in_with_their_email_once_they_confirm_it(client, guest, mailoutbox):
    client_for(client, guest)
    client.post("/profile/upgrade/", {"email": "gus@example.com", "password1": "a long new passphrase",
                                      "password2": "a long new passphrase"})
    [mail] = mailoutbox
    [link] = re.findall(r"http://\S+/accounts/confirm-email/\S+/", mail.body)
    client.post("/accounts/logout/")
    credentials = {"login": "gus@example.com", "password": "a long new passphrase"}

    held = client.post("/accounts/login/", credentials, follow=True)
    client.post(link)
    client.post("/accounts/logout/")
    signed_in = client.post("/accounts/login/", credentials)

    assert mail.to == ["gus@example.com"]
    assert "Verify your email address" in held.content.decode()
    assert signed_in.status_code == 302 and signed_in["Location"] == "/"
    assert EmailAddress.objects.get(user=guest).verified


def test_upgrading_with_an_email_someone_else_uses_is_refused(client, guest, listener):
    client_for(client, guest)

    response = client.post(
        "/profile/upgrade/",
        {"email": listener.email.upper(), "password1": "a long new passphrase", "password2": "a long new passphrase"},
    )

    assert "Another account already uses this email." in response.content.decode()
    guest.refresh_from_db()
    assert guest.role == User.Role.GUEST and not guest.has_usable_password()


def test_upgrade_rejects_mismatched_or_weak_passwords(client, guest):
    client_for(client, guest)

    mismatch = client.post("/profile/upgrade/", {"email": "g@example.com", "password1": "a long new passphrase",
                                                 "password2": "another long phrase"})
    weak = client.post("/profile/upgrade/", {"email": "g@example.com", "password1": "12345", "password2": "12345"})

    assert "The two passwords differ." in mismatch.content.decode()
    assert weak.context["form"].errors["password1"]
    guest.refresh_from_db()
    assert guest.role == User.Role.GUEST


def test_deleting_an_account_removes_every_personal_row(client, listener, staff, spotify, other_listener):
    SpotifyTokenFactory(account__user=listener)
    plays_add_for(listener, ("Björk", "Joga", timezone.now(), 4))
    Impersonation.objects.create(staff=staff, target=listener)
    AccessAttempt.objects.create(username=listener.email, ip_address="203.0.113.9", failures_since_start=1)
    client_for(client, listener)

    response = client.post("/profile/delete/", {"password": PASSWORD, "confirm": "DELETE"}, follow=True)

    assert "Your account and all your data are deleted" in response.content.decode()
    assert not User.objects.filter(pk=listener.pk).exists()
    assert not SocialAccount.objects.filter(user_id=listener.pk).exists()
    assert not SocialToken.objects.exists()
    assert not EmailAddress.objects.filter(user_id=listener.pk).exists()
    assert not Impersonation.objects.filter(target_id=listener.pk).exists()
    assert not AccessAttempt.objects.filter(username=listener.email).exists()
    assert all(s.get_decoded().get("_auth_user_id") != str(listener.pk) for s in Session.objects.all())
    # Plays and their roll-ups carry no database foreign key (for import speed): the ORM's cascade removes them.
    assert not Play.objects.filter(user_id=listener.pk).exists()
    assert not HourlyListening.objects.filter(user_id=listener.pk).exists()
    assert not DailyTrackPlays.objects.filter(user_id=listener.pk).exists()
    assert User.objects.filter(pk=other_listener.pk).exists()
    assert client.get("/profile/").status_code == 302


def test_deleting_needs_the_password_and_the_word_delete(client, listener):
    client_for(client, listener)

    wrong_password = client.post("/profile/delete/", {"password": "nope", "confirm": "DELETE"})
    no_confirm = client.post("/profile/delete/", {"password": PASSWORD, "confirm": "delete please"})

    assert "That is not your password." in wrong_password.content.decode()
    assert "Type DELETE in capitals" in no_confirm.content.decode()
    assert User.objects.filter(pk=listener.pk).exists()


def test_a_guest_deletes_after_a_fresh_spotify_sign_in_only(client, spotify):
    from datetime import timedelta

    from django.utils import timezone

    stale = GuestFactory(last_login=timezone.now() - timedelta(hours=2))
    client_for(client, stale)
    User.objects.filter(pk=stale.pk).update(last_login=timezone.now() - timedelta(hours=2))

    refused = client.post("/profile/delete/", {"confirm": "DELETE"})
    assert "sign in with Spotify again" in refused.content.decode()
    assert User.objects.filter(pk=stale.pk).exists()

    User.objects.filter(pk=stale.pk).update(last_login=timezone.now())
    client.post("/profile/delete/", {"confirm": "DELETE"})
    assert not User.objects.filter(pk=stale.pk).exists()


def test_email_sign_up_makes_a_regular_account(client, db):
    response = client.post(
        "/accounts/signup/",
        {"email": "new@example.com", "password1": "a long new passphrase", "password2": "a long new passphrase"},
    )

    assert response.status_code == 302
    user = User.objects.get(email="new@example.com")
    assert user.role == User.Role.REGULAR and user.check_password("a long new passphrase")


def test_repeated_bad_logins_lock_the_account_for_a_while(client, listener, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/accounts/login/", {"login": listener.email, "password": "wrong"})

    locked = client.post("/accounts/login/", {"login": listener.email, "password": PASSWORD})

    assert locked.status_code == 429
    assert "Too many failed log-ins" in locked.content.decode()
    # Someone else from another address is not locked out.
    other = UserFactory(email="someone@example.com")
    assert client.post("/accounts/login/", {"login": other.email, "password": PASSWORD}).status_code == 302


def test_a_guest_setting_a_password_through_allauths_address_is_upgraded(client, guest):
    client_for(client, guest)

    client.post(
        "/accounts/password/set/",
        {"email": "gus@example.com", "password1": "a long new passphrase", "password2": "a long new passphrase"},
    )

    guest.refresh_from_db()
    assert guest.role == User.Role.REGULAR and guest.check_password("a long new passphrase")


def test_deleting_a_user_in_the_admin_goes_through_the_same_clean_up(client, staff, listener):
    AccessAttempt.objects.create(username=listener.email, ip_address="203.0.113.9", failures_since_start=1)
    client_for(client, staff)

    client.post(f"/admin/accounts/user/{listener.pk}/delete/", {"post": "yes"})

    assert not User.objects.filter(pk=listener.pk).exists()
    assert not AccessAttempt.objects.filter(username=listener.email).exists()


def test_the_profile_asks_the_country_from_the_list_the_events_page_uses(client, listener):
    client_for(client, listener)
    profile = client.get("/profile/").content.decode()
    events = client.get("/events/").content.decode()
    for page in (profile, events):
        assert re.search(r'<select name="country"[^>]*id="id_country"', page)
        assert '<option value="NL">Netherlands</option>' in page
    listener.country = "BR"
    listener.save()
    assert '<option value="BR" selected>Brazil</option>' in client.get("/profile/").content.decode()
