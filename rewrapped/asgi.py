import asyncio
import os
from concurrent.futures import ThreadPoolExecutor

from asgiref.sync import ThreadSensitiveContext
from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rewrapped.settings")
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402  (needs the app registry)
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.conf import settings  # noqa: E402

from rewrapped.origin import SameOriginValidator  # noqa: E402
from rewrapped.routing import websocket_urlpatterns  # noqa: E402


class BoundedThreads:
    """Runs each HTTP request's sync code on one of `threads` long-lived threads, waiting for a free one.

    Django's own handler starts a new thread for every request in flight, and each thread opens a database
    connection of its own: a burst of requests opened connections until PostgreSQL refused more. Here a process
    holds at most `threads` (each kept CONN_MAX_AGE, then reopened), and a request beyond them waits its turn
    without a thread. Daphne reads the whole request body before calling the app, so a slow upload does not hold
    a thread.
    """

    def __init__(self, app, threads: int):
        self.app = app
        self.threads = [ThreadPoolExecutor(max_workers=1, thread_name_prefix="http") for _ in range(threads)]
        self.idle: asyncio.Queue | None = None

    async def __call__(self, scope, receive, send):
        if self.idle is None:  # made in the server's event loop
            self.idle = asyncio.Queue()
            for thread in self.threads:
                self.idle.put_nowait(thread)
        thread = await self.idle.get()
        try:
            async with ThreadSensitiveContext(executor=thread):
                await self.app(scope, receive, send)
        finally:
            self.idle.put_nowait(thread)


application = ProtocolTypeRouter(
    {
        "http": BoundedThreads(django_asgi_app, settings.ASGI_THREADS),
        "websocket": SameOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns))),
    }
)
