"""A mobile app's tokens end when the account's owner or staff say so: a new password (however it was set),
deactivation and deletion; and refreshing hands out a new refresh token that the old one cannot be reused after."""

import re
from datetime import timedelta

import pytest
from allauth.socialaccount.models import SocialAccount
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

from accounts.models import User
from accounts.services import promoter_role_grant
from accounts.tasks import refresh_tokens_flush_expired
from tests.conftest import client_for
from tests.factories import PASSWORD

NEW_PASSWORD = "a brand new passphrase"


@pytest.fixture(autouse=True)
def _quick_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def sign_in_on_phone(email: str, password: str = PASSWORD) -> dict:
    answer = APIClient().post("/api/v1/auth/token/", {"email": email, "password": password}, format="json")
    assert answer.status_code == 200, answer.content
    return answer.json()


def refresh(tokens: dict):
    return APIClient().post("/api/v1/auth/token/refresh/", {"refresh": tokens["refresh"]}, format="json")


def me(tokens: dict):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    return client.get("/api/v1/me/")


def change_on_the_site(client, user, mailoutbox):
    client_for(client, user)
    return client.post("/accounts/password/change/",
                       {"oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD})


def reset_by_email(client, user, mailoutbox):
    client.post("/accounts/password/reset/", {"email": user.email})
    [link] = re.findall(r"http://\S+/accounts/password/reset/key/\S+/", mailoutbox[-1].body)
    form = client.get(link, follow=True)
    return client.post(form.redirect_chain[-1][0], {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})


def set_by_staff(client, user, mailoutbox):
    client_for(client, User.objects.create_superuser("boss", "boss@example.com", PASSWORD))
    return client.post(f"/admin/accounts/user/{user.pk}/password/",
                       {"usable_password": "true", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD})


@pytest.mark.parametrize("change", [change_on_the_site, reset_by_email, set_by_staff])
def test_a_new_password_ends_the_tokens_issued_before_it(change, client, listener, mailoutbox):
    phone = sign_in_on_phone(listener.email)
    assert me(phone).status_code == 200  # the phone has been using the API (its user is cached)

    changed = change(client, listener, mailoutbox)

    assert changed.status_code == 302
    listener.refresh_from_db()
    assert listener.check_password(NEW_PASSWORD)
    for answer in (refresh(phone), me(phone)):
        assert answer.status_code == 401
        assert answer.json()["error"] == {
            "code": "password_changed", "message": "The user's password has been changed.", "fields": {}
        }
    assert me(sign_in_on_phone(listener.email, NEW_PASSWORD)).status_code == 200


def test_a_phone_calling_again_is_answered_without_reading_its_account(listener):
    phone = sign_in_on_phone(listener.email)
    assert me(phone).status_code == 200

    with CaptureQueriesContext(connection) as again:
        assert me(phone).json()["email"] == listener.email
    assert again.captured_queries == []  # its account and linked accounts come from the cache


def test_a_promotion_shows_on_the_phone_at_once(listener):
    phone = sign_in_on_phone(listener.email)
    assert me(phone).json()["role"] == "regular"

    promoter_role_grant(user_ids=[listener.pk])  # an update(), which sends no save signal

    assert me(phone).json()["role"] == "promoter"


def test_connecting_and_disconnecting_spotify_shows_on_the_phone_at_once(listener):
    phone = sign_in_on_phone(listener.email)
    assert me(phone).json()["spotify"]["connected"] is False

    link = SocialAccount.objects.create(user=listener, provider="spotify", uid="lena")
    assert me(phone).json()["spotify"]["connected"] is True

    link.delete()
    assert me(phone).json()["spotify"]["connected"] is False


def test_signing_in_again_on_the_site_leaves_the_phone_signed_in(client, listener):
    phone = sign_in_on_phone(listener.email)

    assert client.post("/accounts/login/", {"login": listener.email, "password": PASSWORD}).status_code == 302

    assert refresh(phone).status_code == 200


def test_deactivating_an_account_ends_its_refresh_tokens_for_good(client, staff, listener):
    phone = sign_in_on_phone(listener.email)
    assert me(phone).status_code == 200
    client_for(client, staff)
    form = client.get(f"/admin/accounts/user/{listener.pk}/change/").context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None and name != "is_active"}
    data.update(groups=[], user_permissions=[], interests="", date_joined_0="2026-01-01", date_joined_1="00:00:00")

    deactivated = client.post(f"/admin/accounts/user/{listener.pk}/change/", data)

    assert deactivated.status_code == 302, deactivated.context["adminform"].form.errors
    assert User.objects.get(pk=listener.pk).is_active is False
    assert refresh(phone).status_code == 401
    assert me(phone).json()["error"]["code"] == "user_inactive"
    User.objects.filter(pk=listener.pk).update(is_active=True)  # staff change their mind
    answer = refresh(phone)
    assert answer.status_code == 401
    assert answer.json()["error"] == {"code": "token_not_valid", "message": "Token is blacklisted", "fields": {}}


def test_a_deleted_accounts_refresh_token_is_refused_not_a_server_error(client, listener):
    phone = sign_in_on_phone(listener.email)
    assert me(phone).status_code == 200
    client_for(client, listener)

    client.post("/profile/delete/", {"password": PASSWORD, "confirm": "DELETE"})

    answer = refresh(phone)
    assert answer.status_code == 401
    assert answer.json()["error"] == {"code": "user_not_found", "message": "User not found", "fields": {}}
    assert me(phone).json()["error"]["code"] == "user_not_found"
    assert not OutstandingToken.objects.exists()  # the tokens named the account: they go with it


def test_a_refresh_token_is_good_for_one_refresh(listener):
    first = sign_in_on_phone(listener.email)

    second = refresh(first)

    assert second.status_code == 200 and set(second.json()) == {"access", "refresh"}
    assert me(second.json()).status_code == 200
    reused = refresh(first)
    assert reused.status_code == 401
    assert reused.json()["error"]["message"] == "Token is blacklisted"
    assert refresh(second.json()).status_code == 200


def test_refresh_tokens_that_ran_out_are_flushed(listener):
    sign_in_on_phone(listener.email)
    sign_in_on_phone(listener.email)
    OutstandingToken.objects.filter(pk=OutstandingToken.objects.earliest("pk").pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )

    refresh_tokens_flush_expired()

    assert OutstandingToken.objects.count() == 1
