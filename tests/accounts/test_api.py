"""/api/v1/me/ and JWT sign-in for mobile clients."""

from datetime import timedelta

from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken

from tests.conftest import client_for
from tests.factories import PASSWORD


def jwt_client(email: str, password: str = PASSWORD) -> tuple[APIClient, dict]:
    client = APIClient()
    answer = client.post("/api/v1/auth/token/", {"email": email, "password": password}, format="json")
    if answer.status_code == 200:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {answer.json()['access']}")
    return client, answer


def test_a_mobile_client_signs_in_with_email_and_reads_its_profile(listener):
    client, answer = jwt_client(listener.email)

    assert answer.status_code == 200 and set(answer.json()) == {"access", "refresh"}
    me = client.get("/api/v1/me/").json()
    assert me["id"] == str(listener.public_id)
    assert me["email"] == listener.email and me["role"] == "regular"
    assert me["spotify"] == {"connected": False, "needs_reconnect": False}


def test_a_refresh_token_gets_a_new_access_token(listener):
    _, answer = jwt_client(listener.email)

    refreshed = APIClient().post("/api/v1/auth/token/refresh/", {"refresh": answer.json()["refresh"]}, format="json")

    assert refreshed.status_code == 200 and refreshed.json()["access"]


def test_wrong_credentials_get_401_in_the_one_error_format(listener):
    _, answer = jwt_client(listener.email, "wrong password")

    assert answer.status_code == 401
    assert answer.json()["error"]["code"] == "no_active_account"


def test_anonymous_calls_get_401_with_a_bearer_challenge(db):
    answer = APIClient().get("/api/v1/me/")

    assert answer.status_code == 401
    assert answer["WWW-Authenticate"].startswith("Bearer")
    assert answer.json() == {
        "error": {"code": "not_authenticated", "message": "Authentication credentials were not provided.", "fields": {}}
    }


def test_patch_updates_the_profile(listener):
    client, _ = jwt_client(listener.email)

    answer = client.patch("/api/v1/me/", {"country": "br", "city": "São Paulo", "age": 40,
                                          "interests": ["MPB", " samba "]}, format="json")

    assert answer.status_code == 200
    assert (answer.json()["country"], answer.json()["age"], answer.json()["interests"]) == ("BR", 40, ["mpb", "samba"])
    assert answer.json()["city"] == "São Paulo"
    listener.refresh_from_db()
    assert (listener.country.code, listener.city) == ("BR", "São Paulo")


def test_patch_with_bad_fields_names_each_field_and_changes_nothing(listener):
    client, _ = jwt_client(listener.email)

    answer = client.patch("/api/v1/me/", {"country": "XX", "age": 7, "time_zone": "Nowhere"}, format="json")

    assert answer.status_code == 400
    error = answer.json()["error"]
    assert error["code"] == "invalid"
    assert set(error["fields"]) == {"country", "age", "time_zone"}
    listener.refresh_from_db()
    assert not listener.country and listener.age is None


def test_patch_reads_an_old_time_zone_alias_as_its_canonical_zone(listener):
    client, _ = jwt_client(listener.email)

    answer = client.patch("/api/v1/me/", {"time_zone": "Asia/Calcutta"}, format="json")

    assert answer.status_code == 200 and answer.json()["time_zone"] == "Asia/Kolkata"
    listener.refresh_from_db()
    assert listener.time_zone == "Asia/Kolkata"


def test_patch_with_an_unknown_time_zone_is_told_in_plain_words(listener):
    client, _ = jwt_client(listener.email)

    answer = client.patch("/api/v1/me/", {"time_zone": "Mars/Olympus_Mons"}, format="json")

    assert answer.status_code == 400
    assert answer.json()["error"]["fields"] == {
        "time_zone": ["Choose a time zone from the list, such as Europe/Amsterdam."]
    }
    listener.refresh_from_db()
    assert listener.time_zone == "UTC"


def test_session_clients_need_a_csrf_token_to_write(client, listener):
    session_client = APIClient(enforce_csrf_checks=True)
    client_for(session_client, listener)

    answer = session_client.patch("/api/v1/me/", {"age": 30}, format="json")

    assert answer.status_code == 403
    assert "CSRF" in answer.json()["error"]["message"]


def test_the_openapi_schema_documents_the_api(client, db):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()

    assert schema["openapi"].startswith("3.")
    assert {"/api/v1/me/", "/api/v1/auth/token/", "/api/v1/auth/token/refresh/"} <= set(schema["paths"])
    assert client.get("/api/docs/").status_code == 200


def test_password_guessing_through_the_api_is_throttled(listener):
    client = APIClient()
    codes = [
        client.post("/api/v1/auth/token/", {"email": listener.email, "password": f"guess {n}"}, format="json").status_code
        for n in range(11)
    ]

    assert codes[:10] == [401] * 10
    assert codes[10] == 429


def test_a_bad_refresh_token_is_refused_in_the_one_error_format(db):
    answer = APIClient().post("/api/v1/auth/token/refresh/", {"refresh": "not-a-token"}, format="json")

    assert answer.status_code == 401
    assert answer.json() == {"error": {"code": "token_not_valid", "message": "Token is invalid", "fields": {}}}


def test_an_expired_access_token_is_refused_in_the_one_error_format(listener):
    token = AccessToken.for_user(listener)
    token.set_exp(lifetime=-timedelta(seconds=1))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")

    answer = client.get("/api/v1/me/")

    assert answer.status_code == 401
    assert answer["WWW-Authenticate"].startswith("Bearer")
    assert answer.json() == {
        "error": {"code": "token_not_valid", "message": "Given token not valid for any token type", "fields": {}}
    }


def test_an_api_address_that_names_nothing_answers_404_in_the_one_error_format(client, listener, settings):
    settings.DEBUG = False  # as deployed; with DEBUG on, Django shows its own page
    client_for(client, listener)

    answer = client.get("/api/v1/listening/songs/00000000-0000-4000-8000-000000000000/")

    assert answer.status_code == 404
    assert answer.json() == {"error": {"code": "not_found", "message": "Not found.", "fields": {}}}
    assert client.get("/listening/songs/").status_code == 404  # pages keep the site's own 404
