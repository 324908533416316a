"""The notifications socket on a real daphne, fed by a real Celery worker through the Redis channel layer."""

import asyncio
import json

import pytest
import websockets
from django.conf import settings

from accounts.consumers import CLOSE_UNAUTHENTICATED
from accounts.tasks import user_notify
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
