"""A request that queues work answers within seconds when the broker does not: 503 with Retry-After where the
work cannot wait, and an upload is kept and queued once the broker is back."""

import pytest

from tests.conftest import client_for

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_api_call_whose_task_cannot_be_queued_answers_503_with_retry_after(client, listener, broker_down):
    api = client_for(client, listener)

    response = api.patch("/api/v1/me/", {"time_zone": "Pacific/Auckland"}, content_type="application/json")

    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert response.json() == {"error": {
        "code": "unavailable", "fields": {},
        "message": "The site is busy and could not start this just now. Please try again in a minute.",
    }}


def test_a_page_whose_task_cannot_be_queued_answers_503_with_retry_after(client, staff, listener, broker_down):
    from listening.models import SpotifySync

    sync = SpotifySync.objects.create(user=listener)
    admin = client_for(client, staff)

    response = admin.post("/admin/listening/spotifysync/",
                          {"action": "sync_now", "_selected_action": [sync.pk], "index": 0})

    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "could not start this just now" in response.content.decode()

