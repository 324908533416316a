"""Pushes to open pages through the Redis channel layer."""

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


def broadcast(group: str, type: str, payload: dict) -> None:
    """Send `payload` to every socket in `group`; consumers handle it in a method named after `type`.

    Call it after commit (transaction.on_commit) so a page never hears of a row that was rolled back.
    """
    async_to_sync(get_channel_layer().group_send)(group, {"type": type, "payload": payload})
