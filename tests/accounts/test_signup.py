"""Signing up tells nobody whether an address already has an account: the page is the same, and the address's
owner is emailed (a link to confirm a new account, or word that they already have one)."""

import re

import pytest
from django.test import Client

from accounts.models import User
from tests.factories import PASSWORD

NEW_PASSWORD = "a long new passphrase"


@pytest.fixture(autouse=True)
def _quick_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def sign_up(email: str):
    return Client().post("/accounts/signup/", {"email": email, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
                         follow=True)


def main_text(response) -> str:
    return re.search(r"<main.*?</main>", response.content.decode(), re.S).group(0)


def test_signing_up_with_a_taken_address_looks_the_same_and_tells_its_owner(listener, mailoutbox):
    fresh = sign_up("new@example.com")
    taken = sign_up(listener.email.upper())

    assert (taken.status_code, taken.redirect_chain) == (fresh.status_code, fresh.redirect_chain)
    assert main_text(taken) == main_text(fresh)
    assert "We have sent an email to you for verification." in main_text(fresh)
    assert User.objects.filter(email__iexact=listener.email).count() == 1
    assert User.objects.get(pk=listener.pk).check_password(PASSWORD)
    to_owner = [mail for mail in mailoutbox if mail.to == [listener.email]]
    assert len(to_owner) == 1 and "Account already exists" in to_owner[0].subject


def test_a_new_address_is_confirmed_by_its_link_and_signs_in(db, mailoutbox):
    browser = Client()
    browser.post("/accounts/signup/", {"email": "nina@example.com", "password1": NEW_PASSWORD,
                                       "password2": NEW_PASSWORD})
    user = User.objects.get(email="nina@example.com")
    assert user.role == User.Role.REGULAR and user.check_password(NEW_PASSWORD)
    assert "Log out" not in browser.get("/").content.decode()  # not in before confirming

    [mail] = mailoutbox
    [link] = re.findall(r"http://\S+/accounts/confirm-email/\S+/", mail.body)
    confirmed = browser.post(link, follow=True)

    assert confirmed.status_code == 200
    assert "Log out" in confirmed.content.decode()
    assert user.emailaddress_set.get().verified
