"""A write to a URL without its trailing slash reaches the same view: never a 500, never a redirect (which a
client follows with a GET, losing the body)."""

import re
import uuid

import pytest
from django.urls import URLPattern, get_resolver

from tests.conftest import client_for


def _routes(patterns, prefix=""):
    for pattern in patterns:
        route = prefix + str(pattern.pattern).removeprefix("^" if prefix else "")
        if isinstance(pattern, URLPattern):
            yield route
        else:
            yield from _routes(pattern.url_patterns, route)


def _example(route: str) -> str:
    """A URL the route matches: any id, the first of a choice."""
    url = re.sub(r"<uuid:\w+>|\(\?P<\w+>\[0-9a-f\]\{8\}[^)]*\)", str(uuid.uuid4()), route)
    url = re.sub(r"\(\?P<\w+>(\w+)[^)]*\)", r"\1", url)
    return "/" + url.removesuffix("$")


@pytest.fixture(autouse=True)
def _quick_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


API_URLS = [_example(route) for route in _routes(get_resolver().url_patterns) if route.startswith("api/v1/")]


@pytest.mark.parametrize("url", API_URLS)
def test_an_api_write_without_the_trailing_slash_is_served_like_one_with_it(url, client, listener):
    api = client_for(client, listener)
    for method in ("post", "put", "patch", "delete"):
        with_slash = getattr(api, method)(url, {}, content_type="application/json")
        without = getattr(api, method)(url.removesuffix("/"), {}, content_type="application/json")

        assert without.status_code == with_slash.status_code, (method, url)
        assert without.status_code < 500 and not 300 <= without.status_code < 400, (method, url)


def test_a_form_posted_without_the_trailing_slash_is_saved(client, listener):
    response = client_for(client, listener).post("/profile", {
        "display_name": "Lena L.", "interests": "", "time_zone": "Europe/Amsterdam",
    })

    assert response.status_code in (200, 302)
    listener.refresh_from_db()
    assert listener.display_name == "Lena L."


def test_a_get_without_the_trailing_slash_is_still_sent_to_the_one_right_url(client, listener):
    response = client_for(client, listener).get("/api/v1/me")

    assert response.status_code == 301 and response["Location"] == "/api/v1/me/"
