import json

from channels.generic.websocket import AsyncJsonWebsocketConsumer

from rewrapped.realtime import user_group

# Close code for "sign in first", mirroring HTTP 401 in the 4000-4999 application range.
CLOSE_UNAUTHENTICATED = 4401
# Close code for "send JSON objects", mirroring HTTP 415. (WebSocket's own 1003 "unsupported data" cannot be sent
# from an application on daphne, which allows 1000 and 3000-4999 only: django/daphne#374.)
CLOSE_UNSUPPORTED_DATA = 4415


class NotificationConsumer(AsyncJsonWebsocketConsumer):
    """A signed-in page's channel for toasts and progress pushed by tasks."""

    async def connect(self):
        user = self.scope["user"]
        if not user.is_authenticated:
            # Accept first: closing before the handshake would surface as a bare HTTP 403.
            await self.accept()
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        self.group = user_group(user.pk)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        await self.send_json({"type": "ready"})

    async def disconnect(self, code):
        if hasattr(self, "group"):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive(self, text_data=None, bytes_data=None, **kwargs):
        # A frame we cannot read is the client's mistake: close it plainly rather than fail (1011, and an error
        # logged for every bad client).
        try:
            content = json.loads(text_data) if text_data is not None else None
        except ValueError:
            content = None
        if not isinstance(content, dict):
            await self.close(code=CLOSE_UNSUPPORTED_DATA)
            return
        await self.receive_json(content, **kwargs)

    async def receive_json(self, content, **kwargs):
        if content.get("type") == "ping":
            await self.send_json({"type": "pong"})

    async def notify(self, event):
        await self.send_json({"type": "notify", **event["payload"]})

    async def import_progress(self, event):
        await self.send_json({"type": "import.progress", **event["payload"]})

    async def stats_ready(self, event):
        await self.send_json({"type": "stats.ready", **event["payload"]})

    async def billing_updated(self, event):
        await self.send_json({"type": "billing.updated", **event["payload"]})
