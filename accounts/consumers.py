from channels.generic.websocket import AsyncJsonWebsocketConsumer

from rewrapped.realtime import user_group

# Close code for "sign in first", mirroring HTTP 401 in the 4000-4999 application range.
CLOSE_UNAUTHENTICATED = 4401


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

    async def receive_json(self, content, **kwargs):
        if content.get("type") == "ping":
            await self.send_json({"type": "pong"})

    async def notify(self, event):
        await self.send_json({"type": "notify", **event["payload"]})

    async def import_progress(self, event):
        await self.send_json({"type": "import.progress", **event["payload"]})

    async def stats_ready(self, event):
        await self.send_json({"type": "stats.ready", **event["payload"]})
