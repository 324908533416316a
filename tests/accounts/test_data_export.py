"""The "download my data" ZIP (accounts/data_export.py, the files each app registers in accounts.hooks): the
page's link and the API give the same streamed ZIP, with a README.txt naming every file in it."""

import csv
import io
import json
import re
import urllib.request
import zipfile

import pytest
from django.conf import settings
from rest_framework.test import APIClient

from tests.conftest import client_for, session_key_for
from tests.factories import PASSWORD, SpotifyTokenFactory

PARTS = [
    "README.txt", "account.json", "listening/plays.csv", "listening/play_sources.csv", "listening/imports.json",
    "listening/library.json", "listening/taste.json", "listening/spotify_sync.json", "events/saved_events.json",
    "events/notices.json", "events/interactions.csv", "events/promoted_events.json", "promoters/applications.json",
]


def download(client, url="/profile/export/") -> tuple:
    """The response (its body read) and the ZIP it carried."""
    response = client.get(url)
    body = b"".join(response.streaming_content)
    return response, zipfile.ZipFile(io.BytesIO(body))


def csv_rows(archive: zipfile.ZipFile, name: str) -> list[dict]:
    return list(csv.DictReader(io.TextIOWrapper(archive.open(name), encoding="utf-8", newline="")))


def test_the_download_is_a_zip_of_every_part_with_a_readme_saying_what_each_holds(client, listener, spotify):
    SpotifyTokenFactory(account__user=listener, account__uid="lena-on-spotify")
    listener.interests = ["jazz"]
    listener.save()
    client_for(client, listener)

    response, archive = download(client)

    assert response["Content-Type"] == "application/zip"
    assert re.fullmatch(r'attachment; filename="rewrapped-data-\d{8}\.zip"', response["Content-Disposition"])
    assert archive.testzip() is None
    assert archive.namelist() == PARTS
    readme = archive.read("README.txt").decode()
    for name in PARTS[1:]:
        assert f"\n{name}\n    " in readme
    account = json.loads(archive.read("account.json"))
    assert account["account"]["email"] == "listener@example.com"
    assert account["profile"]["interests"] == ["jazz"]
    assert account["email_addresses"] == [{"email": "listener@example.com", "verified": True, "primary": True}]
    assert account["connected_accounts"][0]["uid"] == "lena-on-spotify"
    assert "refresh" not in json.dumps(account["connected_accounts"])  # tokens are never exported
    assert json.loads(archive.read("listening/taste.json"))["share_my_taste"] is False
    assert csv_rows(archive, "listening/plays.csv") == []


def test_the_api_gives_the_same_zip_to_a_bearer_token(listener):
    api = APIClient()
    token = api.post("/api/v1/auth/token/", {"email": listener.email, "password": PASSWORD},
                     format="json")
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token.json()['access']}")

    response, archive = download(api, "/api/v1/me/export/")

    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    assert archive.namelist() == PARTS
    assert json.loads(archive.read("account.json"))["account"]["email"] == "listener@example.com"


def test_an_anonymous_api_call_gets_the_error_body(client, db):
    response = client.get("/api/v1/me/export/")

    assert response.status_code == 401
    assert set(response.json()["error"]) == {"code", "message", "fields"}


@pytest.mark.django_db(transaction=True)
def test_daphne_serves_the_zip_too(listener, daphne_server):
    request = urllib.request.Request(
        f"http://{daphne_server}/profile/export/",
        headers={"Cookie": f"{settings.SESSION_COOKIE_NAME}={session_key_for(listener)}"},
    )

    with urllib.request.urlopen(request, timeout=30) as response:
        archive = zipfile.ZipFile(io.BytesIO(response.read()))

    assert archive.namelist() == PARTS
    assert json.loads(archive.read("account.json"))["account"]["email"] == "listener@example.com"
