"""The notifications socket on a real daphne, fed by a real Celery worker through the Redis channel layer."""

import asyncio
import json
from pathlib import Path

import pytest
import websockets
from django.conf import settings

from accounts.consumers import CLOSE_UNAUTHENTICATED, CLOSE_UNSUPPORTED_DATA
from accounts.tasks import user_notify
from rewrapped.origin import SameOriginValidator
from rewrapped.realtime import broadcast, user_group
from tests.conftest import session_key_for
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def session_cookie(user) -> str:
    return f"{settings.SESSION_COOKIE_NAME}={session_key_for(user)}"


def connect(address: str, cookie: str | None = None, **kwargs):
    headers = {"Cookie": cookie} if cookie else {}
    return websockets.connect(
        f"ws://{address}/ws/notifications/", additional_headers=headers, origin=f"http://{address}", **kwargs
    )


async def next_message(socket, timeout: float = 10) -> dict:
    return json.loads(await asyncio.wait_for(socket.recv(), timeout))


def test_an_anonymous_socket_is_closed_with_4401(daphne_server):
    async def scenario():
        async with connect(daphne_server) as socket:
            with pytest.raises(websockets.ConnectionClosed) as closed:
                await asyncio.wait_for(socket.recv(), 10)
            return closed.value.rcvd.code

    assert asyncio.run(scenario()) == CLOSE_UNAUTHENTICATED


def test_a_task_notification_reaches_the_users_open_page_and_no_one_else(daphne_server, celery_worker):
    listener, other = UserFactory(), UserFactory()
    my_cookie, their_cookie = session_cookie(listener), session_cookie(other)

    async def scenario():
        async with connect(daphne_server, my_cookie) as mine, connect(daphne_server, their_cookie) as theirs:
            assert (await next_message(mine))["type"] == "ready"
            assert (await next_message(theirs))["type"] == "ready"
            await asyncio.to_thread(user_notify.delay, user_id=listener.pk, message="Your import is done", level="success")
            received = await next_message(mine, timeout=20)
            with pytest.raises(TimeoutError):
                await next_message(theirs, timeout=1)
            return received

    assert asyncio.run(scenario()) == {"type": "notify", "message": "Your import is done", "level": "success"}


def test_a_socket_answers_pings(daphne_server, listener):
    cookie = session_cookie(listener)

    async def scenario():
        async with connect(daphne_server, cookie) as socket:
            await next_message(socket)
            await socket.send(json.dumps({"type": "ping"}))
            return await next_message(socket)

    assert asyncio.run(scenario()) == {"type": "pong"}


def test_a_thousand_sockets_opening_at_once_are_all_served(daphne_server):
    users = UserFactory.create_batch(10)
    cookies = [session_cookie(user) for user in users] * 100  # 1,000 sockets, 100 per user

    async def open_ready(cookie):
        socket = await connect(daphne_server, cookie, open_timeout=60, ping_interval=None)
        assert (await next_message(socket, timeout=60))["type"] == "ready"
        return socket

    async def scenario():
        opened = await asyncio.gather(*(open_ready(cookie) for cookie in cookies), return_exceptions=True)
        failures = [result for result in opened if isinstance(result, BaseException)]
        first_users = [socket for socket, cookie in zip(opened, cookies) if cookie == cookies[0]]
        await asyncio.to_thread(broadcast, user_group(users[0].pk), "notify", {"level": "info", "message": "hi all"})
        heard = await asyncio.gather(*(next_message(socket, timeout=30) for socket in first_users))
        await asyncio.gather(*(result.close() for result in opened if not isinstance(result, BaseException)))
        return failures, heard

    failures, heard = asyncio.run(scenario())

    assert failures == []
    assert heard == [{"type": "notify", "level": "info", "message": "hi all"}] * 100


@pytest.mark.parametrize("origin", [
    "http://127.0.0.1:{other_port}",  # another site on the same host
    "https://127.0.0.1:{port}",  # the same host and port, another scheme
    "http://evil.example:{port}",
    "null",
])
def test_a_socket_opened_from_another_origin_is_refused(origin, daphne_server, listener):
    port = int(daphne_server.rsplit(":", 1)[1])
    origin = origin.format(port=port, other_port=port + 1)
    cookie = session_cookie(listener)

    async def scenario():
        async with websockets.connect(f"ws://{daphne_server}/ws/notifications/", origin=origin,
                                      additional_headers={"Cookie": cookie}):
            pass

    with pytest.raises(websockets.InvalidStatus) as refused:
        asyncio.run(scenario())
    assert refused.value.response.status_code == 403


@pytest.mark.parametrize("frame", ["not json", "[1, 2]", '"ping"', b"\x00\x01binary"])
def test_a_frame_that_is_not_a_json_object_closes_the_socket_with_4415_and_logs_no_error(frame, daphne_server,
                                                                                          listener):
    cookie = session_cookie(listener)
    log = Path(settings.VAR_DIR) / "logs" / "daphne.log"
    logged_before = log.stat().st_size

    async def scenario():
        async with connect(daphne_server, cookie) as socket:
            await next_message(socket)
            await socket.send(frame)
            with pytest.raises(websockets.ConnectionClosed) as closed:
                await asyncio.wait_for(socket.recv(), 10)
            return closed.value.rcvd.code

    assert asyncio.run(scenario()) == CLOSE_UNSUPPORTED_DATA == 4415
    with log.open("rb") as written:
        written.seek(logged_before)
        assert b"ERROR" not in written.read()


def _handshake(origin: str, host: str = "rewrapped.example", **headers) -> dict:
    extra = [(name.replace("_", "-").encode(), value.encode()) for name, value in headers.items()]
    return {"type": "websocket", "scheme": "ws", "headers": [(b"host", host.encode()), (b"origin", origin.encode()),
                                                            *extra]}


@pytest.mark.parametrize(("origin", "forwarded_proto", "opens"), [
    ("https://rewrapped.example", "https", True),
    ("http://rewrapped.example", "https", False),
    ("https://rewrapped.example", None, False),
    ("https://rewrapped.example:8443", "https", False),
])
def test_behind_a_proxy_that_ends_tls_the_forwarded_scheme_counts(origin, forwarded_proto, opens, settings):
    settings.ALLOWED_HOSTS = ["rewrapped.example"]
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    headers = {"x_forwarded_proto": forwarded_proto} if forwarded_proto else {}

    assert SameOriginValidator.allowed(_handshake(origin, **headers)) is opens


def test_a_trusted_origin_opens_and_a_host_not_allowed_does_not(settings):
    settings.ALLOWED_HOSTS = ["rewrapped.example"]
    settings.CSRF_TRUSTED_ORIGINS = ["https://app.rewrapped.example"]

    assert SameOriginValidator.allowed(_handshake("https://app.rewrapped.example"))
    assert not SameOriginValidator.allowed(_handshake("http://evil.example", host="evil.example"))
