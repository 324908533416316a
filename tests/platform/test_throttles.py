"""API throttles hold under parallel requests: exactly the allowed number pass, the rest get 429 and are told when
to come back. The requests go at once, from threads, to gunicorn run as in production (two worker processes with
threads of their own), so the count is shared the way it is when deployed."""

import socket
import sys
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from rest_framework_simplejwt.tokens import RefreshToken

from tests.conftest import _free_port, _start, _stop, wait_until
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)

# The questions limit is the deployed one the probe beat (40 of 40 passed); the others are lowered so a test can
# go past them quickly. A question also counts against the user's budget, so that is the larger.
RATES = {"listening_ask": 30, "user": 50, "anon": 30, "auth": 10}
SURPLUS = 10


@pytest.fixture(scope="module")
def gunicorn_server(stack_env):
    port = _free_port()
    env = {**stack_env, "API_ASK_RATE": f"{RATES['listening_ask']}/min", "API_USER_RATE": f"{RATES['user']}/min",
           "API_ANON_RATE": f"{RATES['anon']}/min", "API_AUTH_RATE": f"{RATES['auth']}/min"}
    process = _start([sys.executable, "-m", "gunicorn", "rewrapped.wsgi:application", "--bind", f"127.0.0.1:{port}",
                      "--workers", "2", "--threads", "8"], env, "gunicorn.log")

    def listening() -> bool:
        assert process.poll() is None, "gunicorn exited; see var/test/logs/gunicorn.log"
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return True
        except OSError:
            return False

    wait_until(listening, "gunicorn")
    yield f"http://127.0.0.1:{port}"
    _stop(process)


def at_once(count: int, send) -> list[requests.Response]:
    """Send `count` requests from as many threads, released together."""
    start = threading.Barrier(count)

    def one(_):
        start.wait()
        return send()

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(one, range(count)))


SENDS = {
    "listening_ask": lambda url, headers, email: requests.post(f"{url}/api/v1/listening/ask/", headers=headers,
                                                               json={"question": "top 5 artists"}, timeout=120),
    "user": lambda url, headers, email: requests.get(f"{url}/api/v1/me/", headers=headers, timeout=120),
    # Nobody signed in: the refresh endpoint is open to anyone.
    "anon": lambda url, headers, email: requests.post(f"{url}/api/v1/auth/token/refresh/", json={"refresh": "x"},
                                                      timeout=120),
    "auth": lambda url, headers, email: requests.post(f"{url}/api/v1/auth/token/", timeout=120,
                                                      json={"email": email, "password": PASSWORD}),
}


@pytest.mark.parametrize("scope", SENDS)
def test_a_throttle_lets_exactly_its_rate_through_requests_sent_at_once(scope, gunicorn_server, listener):
    headers = {"Authorization": f"Bearer {RefreshToken.for_user(listener).access_token}"}

    answers = at_once(RATES[scope] + SURPLUS, lambda: SENDS[scope](gunicorn_server, headers, listener.email))

    refused = [answer for answer in answers if answer.status_code == 429]
    assert len(answers) - len(refused) == RATES[scope], sorted(answer.status_code for answer in answers)
    for answer in refused:
        assert 1 <= int(answer.headers["Retry-After"]) <= 60
        assert answer.json()["error"]["code"] == "throttled"
